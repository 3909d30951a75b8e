import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { ReadRoutingDialect } from "./read-replica";
import type { Database } from "./schema";

// int8 (counts, bigserial ids) and numeric come back as JS numbers: every value we store
// in them is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));
// Dates stay ISO strings: a `date` has no time zone and must not become a JS Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: call provisionDatabase() (db/provision.ts) first");
  }
  return url;
}

/** The statement a `pg` client's query call sends: `(text, values)`, or a prepared one's config. */
export function sentStatement(args: unknown[]): { text: string; values: unknown[] } | null {
  const [first, second] = args;
  if (typeof first === "string")
    return { text: first, values: Array.isArray(second) ? second : [] };
  if (first && typeof first === "object" && "text" in first && typeof first.text === "string") {
    const values = "values" in first && Array.isArray(first.values) ? first.values : [];
    return { text: first.text, values };
  }
  return null;
}

/** Read statements a connection keeps prepared, at most (each holds a plan on the server). */
const PREPARED_PER_CONNECTION = 300;
const READ = /^\s*(select|with)\b/i;

// On globalThis: the app's build and the server's sources each hold a copy of this module.
const CUSTOM_PLANS = Symbol.for("gapmap.db.customPlans");
const customPlansHolder = globalThis as typeof globalThis & {
  [CUSTOM_PLANS]?: AsyncLocalStorage<boolean>;
};
const customPlans = (customPlansHolder[CUSTOM_PLANS] ??= new AsyncLocalStorage<boolean>());

/**
 * Runs `work` with its reads planned for their own parameters on every execution (sent
 * unnamed). A prepared statement settles on a generic plan, made without the parameters from
 * statistics that describe the average organisation: among 1,000 small ones, the large
 * organisation's gap figures got loops sized for 33 people and ran for seconds (ADR 019).
 */
export function withCustomPlans<T>(work: () => Promise<T>): Promise<T> {
  return customPlans.run(true, work);
}

/**
 * Runs the connection's reads as named (prepared) statements. PostgreSQL plans an unnamed
 * statement on every execution, and for a small organisation's gap view planning was half
 * the statements' time (a replay of its 13 statements: 40 ms a page unnamed, 20 ms
 * prepared); a prepared one is planned a few times, until the server settles on a generic
 * plan. Writes stay unnamed.
 */
function prepareReads(client: pg.PoolClient) {
  const prepared = new Set<string>();
  // Names whose plan a schema change made unusable: "cached plan must not change result
  // type" (a column added under a running process during a rolling deploy). Sent unnamed.
  const stale = new Set<string>();
  // The class's method, looked up on each call (a benchmark's recorder may wrap it later).
  const query = (...args: unknown[]) =>
    (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(client, args);
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (
      typeof text === "string" &&
      Array.isArray(values) &&
      args.length === 2 &&
      READ.test(text) &&
      !customPlans.getStore()
    ) {
      const name = createHash("sha1").update(text).digest("base64url");
      if (!stale.has(name) && (prepared.has(name) || prepared.size < PREPARED_PER_CONNECTION)) {
        prepared.add(name);
        return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
          if ((error as { code?: string }).code !== "0A000") throw error;
          stale.add(name);
          return query(text, values);
        });
      }
    }
    return query(...args);
  }) as typeof client.query;
}

export function createPool(connectionString: string, max = 10): pg.Pool {
  // A server that does not answer fails the connection (start-up, a query) after 10 s
  // instead of leaving it waiting for ever.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  // A client losing its server (a Postgres restart) must not crash the process: the pool
  // reports idle ones here, and a checked-out one (mid-transaction) reports on itself; its
  // query fails and the pool drops it on release.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
    prepareReads(client);
  });
  return pool;
}

export function createDatabase(connectionString: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(connectionString) }),
  });
}

/**
 * The application's database. The pool is created on the first query, so the URL can
 * be decided at start-up (an embedded server) before anything connects. With
 * DATABASE_REPLICA_URL, some reads go to that replica (read-replica.ts).
 */
export const db = new Kysely<Database>({
  dialect: new ReadRoutingDialect({ pool: async () => createPool(databaseUrl()) }, () => {
    const replica = process.env.DATABASE_REPLICA_URL?.trim();
    return replica ? createPool(replica) : null;
  }),
});

export type { Database };
