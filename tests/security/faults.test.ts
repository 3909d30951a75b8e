import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/app-server";
import { PASSWORD, uniqueEmail } from "../support/factories";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres";
import { startRedisServer, type RedisServer } from "../support/redis-server";

// The real server on a Postgres and a Redis of this test's own, which it stops and starts
// under traffic: /readyz follows them without the app restarting, pages fail fast instead of
// hanging, and every write the app acknowledged is in the database afterwards.
// (Jobs resuming after a Redis crash: tests/notifications/worker-faults.test.ts.)

let postgres: PrivatePostgres;
let redis: RedisServer;
let app: AppServer;
let cookie = "";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function readiness() {
  const response = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(5000) });
  return {
    status: response.status,
    body: (await response.json()) as { checks: Record<string, string> },
  };
}

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startRedisServer()]);
  // Its logs are kept, not printed: the outage makes it log every failed request.
  app = await startAppServer(
    { DATABASE_URL: postgres.url, REDIS_URL: redis.url },
    { captureLogs: true },
  );
  const signUp = await fetch(`${app.url}/signup`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: app.url },
    body: new URLSearchParams({
      displayName: "Fay Fault",
      email: uniqueEmail("fault"),
      password: PASSWORD,
      organizationName: "Faults Ltd",
    }),
  });
  expect(signUp.status).toBe(302);
  cookie = (signUp.headers.get("Set-Cookie") ?? "").split(";")[0]!;
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([postgres?.destroy(), redis?.stop()]);
});

describe("faults", () => {
  it("Postgres stopped and started under writes: /readyz 503 then 200, fast errors meanwhile, no acknowledged write lost", async () => {
    expect(await readiness()).toEqual({
      status: 200,
      body: { ready: true, checks: { postgres: "ok", redis: "ok" } },
    });

    const acknowledged: string[] = [];
    let failed = 0;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `Team ${i}`;
        try {
          const response = await fetch(`${app.url}/admin/teams`, {
            method: "POST",
            redirect: "manual",
            headers: { Origin: app.url, Cookie: cookie },
            body: new URLSearchParams({ name }),
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer();
          if (
            response.status === 302 &&
            response.headers.get("Location")?.startsWith("/admin/teams/")
          )
            acknowledged.push(name);
          else failed += 1;
        } catch {
          failed += 1;
        }
        await sleep(20);
      }
    })();

    await waitFor("the first writes", async () => (acknowledged.length >= 5 ? true : undefined));
    await postgres.stop();
    const down = await waitFor("/readyz to answer 503", async () => {
      const r = await readiness();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body.checks).toEqual({ postgres: "unreachable", redis: "ok" });

    // A page needs the database: it answers with an error at once rather than hanging.
    const started = Date.now();
    const page = await fetch(`${app.url}/dashboard`, {
      headers: { Cookie: cookie },
      signal: AbortSignal.timeout(10_000),
    });
    await page.arrayBuffer();
    expect(page.status).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(5000);
    const failedWhileDown = await waitFor("a refused write", async () =>
      failed > 0 ? failed : undefined,
    );
    expect(failedWhileDown).toBeGreaterThan(0);

    await postgres.start();
    await waitFor("/readyz to answer 200 again", async () =>
      (await readiness()).status === 200 ? true : undefined,
    );
    const before = acknowledged.length;
    await waitFor("writes after the restart", async () =>
      acknowledged.length >= before + 5 ? true : undefined,
    );
    writing = false;
    await writer;

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        "SELECT name FROM teams WHERE name = ANY($1)",
        [acknowledged],
      );
      expect(rows.map((r) => r.name).sort()).toEqual([...acknowledged].sort());
    } finally {
      await client.end();
    }
  }, 90_000);

  it("Redis crashed and restarted: /readyz 503 then 200 without restarting the app", async () => {
    await redis.crash();
    const down = await waitFor("/readyz to answer 503", async () => {
      const r = await readiness();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body.checks).toEqual({ postgres: "ok", redis: "unreachable" });
    await redis.restart();
    await waitFor("/readyz to answer 200 again", async () =>
      (await readiness()).status === 200 ? true : undefined,
    );
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
  }, 60_000);
});

it("Ctrl-C stops the app and its worker cleanly while their PostgreSQL shuts down at the same time", async () => {
  // As with `npm start`'s embedded PostgreSQL: a terminal's Ctrl-C reaches both processes.
  const own = await startPrivatePostgres("gapmap_stopping");
  try {
    const server = await startAppServer(
      { DATABASE_URL: own.url, LOG_LEVEL: "info" },
      { args: ["--with-worker"], captureLogs: true },
    );
    await waitFor("the worker", async () =>
      server.logs().some((l) => l.includes('"msg":"worker started"')) ? true : undefined,
    );
    await sleep(500);
    // Once in a full run this step did not end within the test's 300 s. Which half hung, and
    // what the app logged, is printed at 120 s (the cleanup below may hang on the same server).
    const done = { app: false, postgres: false };
    const stopping = Promise.all([
      server.stop("SIGINT").then(() => (done.app = true)),
      own.stop().then(() => (done.postgres = true)),
    ]);
    const ended = await Promise.race([stopping.then(() => true), sleep(120_000).then(() => false)]);
    if (!ended)
      console.error(
        `not stopped within 120 s: ${JSON.stringify(done)}; the app logged:`,
        server.logs(),
      );
    expect(ended).toBe(true);
    expect(server.exitCode()).toBe(0);
    // Nothing at error level, and nothing printed outside the JSON log lines.
    expect(server.logs().filter((l) => !l.startsWith("{") || /"level":(50|60)/.test(l))).toEqual(
      [],
    );
  } finally {
    await own.destroy();
  }
  // A PostgreSQL of its own to create, the app built and started with its worker: over three
  // minutes once on a machine also building and running browser tests (a hang's limit).
}, 300_000);
