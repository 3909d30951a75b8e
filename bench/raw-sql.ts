// The raw floor of a page: every SQL statement one request of it makes when nothing is
// cached, captured by running the page's real route loaders in this process, then replayed
// back to back on one bare pg connection against the same data, many times. The page over HTTP can only be slower by
// what the app adds (HTTP, Remix, rendering, pool hand-offs) — or a little faster, where its
// loaders run statements in parallel.
import { AsyncLocalStorage } from "node:async_hooks";
import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import pg from "pg";
import { sentStatement } from "#db/database";
import { runInRequestScope } from "~/lib/request-scope.server";
import { withoutGapCache } from "~/modules/gaps/gap-cache.server";
import { latencyStats, sampleTimes, type LatencyStats } from "./stats";

export interface Statement {
  text: string;
  values: unknown[];
}

const recording = new AsyncLocalStorage<Statement[]>();
let patched = false;

/** Notes every query the app's pool clients send while a recording is active. */
function recordQueries() {
  if (patched) return;
  patched = true;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const log = recording.getStore();
    const statement = sentStatement(args);
    if (log && statement) log.push(statement);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

async function captureStatements(work: () => Promise<unknown>): Promise<Statement[]> {
  recordQueries();
  const log: Statement[] = [];
  await recording.run(log, work);
  return log;
}

type Loader = (args: LoaderFunctionArgs) => unknown;

/** The statements of one GET of `url`, whose matched routes' loaders are `loaders`. */
export async function pageStatements(url: string, cookie: string, loaders: Loader[]) {
  const context = { clientIp: "127.0.0.1", cspNonce: "", requestId: "bench" } as AppLoadContext;
  const statements = await captureStatements(() =>
    // As the web process runs a page (one request scope for its loaders, run in parallel),
    // with the gap figures computed afresh: the floor is the view's own SQL, not a cache hit.
    runInRequestScope(() =>
      withoutGapCache(() =>
        Promise.all(
          loaders.map((loader) =>
            Promise.resolve(
              loader({
                request: new Request(url, { headers: { Cookie: cookie } }),
                params: {},
                context,
              }),
            ),
          ),
        ),
      ),
    ),
  );
  const writes = statements.filter((s) => !/^\s*(select|with)\b/i.test(s.text));
  if (writes.length)
    throw new Error(
      `the page wrote to the database: ${writes.map((w) => w.text.slice(0, 60)).join("; ")}`,
    );
  return statements;
}

export interface RawFloor extends LatencyStats {
  statements: number;
}

/** Replays `statements` in order on one connection, `iterations` times (after a warm-up). */
export async function replay(
  databaseUrl: string,
  statements: Statement[],
  iterations: number,
): Promise<RawFloor> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const once = async () => {
      // Prepared, as the app's pool sends its reads (db/database.ts).
      for (const [i, s] of statements.entries())
        await client.query({ name: `floor-${i}`, text: s.text, values: s.values });
    };
    for (let i = 0; i < Math.min(5, iterations); i++) await once();
    const samples = await sampleTimes(iterations, once);
    return { ...latencyStats(samples), statements: statements.length };
  } finally {
    await client.end();
  }
}
