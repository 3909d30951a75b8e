import { sql } from "kysely";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousA11yViolations } from "../support/accessibility";
import { launchBrowser, startAppServer } from "../support/app-server";
import { createIsolatedDatabase } from "../support/isolated-database";
import { afterThisTest } from "../support/test-cleanups";
import { outboxFixture, startWorkerProcess, waitFor } from "../support/worker-harness";

// What an operator sees: the reference on an error page found again in the log, and
// Prometheus metrics that count what a separate worker process did.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("a server error", () => {
  it("shows a reference that the server's error log line carries", async () => {
    const database = await createIsolatedDatabase();
    afterThisTest(() => database.drop());
    const app = await startAppServer({ DATABASE_URL: database.url }, { captureLogs: true });
    afterThisTest(() => app.stop());
    // A fault the invitation page cannot survive: its table is gone.
    await sql`ALTER TABLE invitations RENAME TO invitations_away`.execute(database.db);

    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${app.url}/invite/some-token-from-an-email`);
    expect(response?.status()).toBe(500);
    const requestId = (await response?.headerValue("x-request-id")) ?? "";
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    await page.getByRole("heading", { level: 1, name: "Error 500" }).waitFor();
    await page.getByText("Something went wrong on our side").waitFor();
    expect(await page.title()).toBe("Error 500 · Gapmap");
    expect(await page.locator("main code").textContent()).toBe(requestId);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await waitFor(() => app.logs().some((l) => l.includes(requestId)), 5_000);
    const logged = app
      .logs()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.requestId === requestId && entry.level === 50);
    expect(logged.map((e) => e.msg)).toContain("unhandled error");
    expect(JSON.stringify(logged)).toContain("invitations");
    await page.close();
  });
});

describe("the access log", () => {
  it("has a line per page request but none per static asset, which /metrics still counts", async () => {
    const database = await createIsolatedDatabase();
    afterThisTest(() => database.drop());
    const app = await startAppServer(
      { DATABASE_URL: database.url, LOG_LEVEL: "info" },
      { captureLogs: true },
    );
    afterThisTest(() => app.stop());
    const html = await (await fetch(`${app.url}/login`)).text();
    const assets = [...new Set(html.match(/\/assets\/[\w.-]+\.(js|css)/g) ?? [])];
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of [...assets, "/favicon.svg"]) {
      const res = await fetch(`${app.url}${asset}`);
      await res.arrayBuffer();
      expect(res.status, asset).toBe(200);
    }
    const scrape = async () =>
      (
        await fetch(`${app.url}/metrics`, {
          headers: { Authorization: `Bearer ${process.env.METRICS_TOKEN}` },
        })
      ).text();
    const counted = (text: string) =>
      Number(
        /gapmap_http_request_duration_seconds_count\{method="GET",route="static",status="200"\} (\d+)/.exec(
          text,
        )?.[1] ?? 0,
      );
    await expect.poll(async () => counted(await scrape())).toBe(assets.length + 1);
    const paths = app
      .logs()
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; path?: string })
      .filter((entry) => entry.msg === "request")
      .map((entry) => entry.path);
    expect(paths).toContain("/login");
    expect(paths.filter((p) => p?.startsWith("/assets/") || p === "/favicon.svg")).toEqual([]);
  });
});

describe("GET /metrics", () => {
  const token = "metrics-token-0123456789";

  it("reports request latency by route, queue depth, jobs and the emails a separate worker sent", async () => {
    const outbox = await outboxFixture("redis", 3);
    const app = await startAppServer({ ...outbox.env, METRICS_TOKEN: token });
    afterThisTest(() => app.stop());
    startWorkerProcess(outbox.env);
    await waitFor(() => outbox.allDelivered(), 30_000);

    for (const [path, status] of [
      ["/login", 200],
      [`/invite/${"a1".repeat(20)}`, 200],
      ["/no/such/page", 404],
    ] as const) {
      const res = await fetch(`${app.url}${path}`);
      await res.text();
      expect(res.status).toBe(status);
    }

    const scrape = async () => {
      const res = await fetch(`${app.url}/metrics`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain;.*version=0\.0\.4/);
      return res.text();
    };
    const unmatched =
      'gapmap_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}';
    // A request is recorded as its response finishes, which may be a moment after the client has it.
    await expect.poll(async () => (await scrape()).includes(`${unmatched} 1`)).toBe(true);
    const text = await scrape();
    const value = (series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };

    // Latency per route pattern, never per raw path (the token is not a label).
    const login = 'method="GET",route="/login",status="200"';
    expect(value(`gapmap_http_request_duration_seconds_count{${login}}`)).toBe(1);
    expect(value(`gapmap_http_request_duration_seconds_bucket{le="+Inf",${login}}`)).toBe(1);
    expect(value(`gapmap_http_request_duration_seconds_sum{${login}}`)).toBeGreaterThan(0);
    expect(
      value(
        'gapmap_http_request_duration_seconds_count{method="GET",route="/invite/:token",status="200"}',
      ),
    ).toBe(1);
    expect(value(unmatched)).toBe(1);
    expect(text).not.toContain("a1a1a1");

    // The worker's work, read from shared state by the web process.
    expect(value('gapmap_emails{status="sent"}')).toBe(3);
    expect(value('gapmap_emails{status="pending"}')).toBe(0);
    expect(value('gapmap_emails{status="failed"}')).toBe(0);
    expect(value('gapmap_queue_jobs{queue="email",state="completed"}')).toBe(3);
    expect(value('gapmap_queue_jobs{queue="email",state="failed"}')).toBe(0);
    for (const state of ["waiting", "active", "delayed"])
      expect(value(`gapmap_queue_jobs{queue="email",state="${state}"}`)).toBe(0);
    expect(value('gapmap_queue_jobs{queue="reminders",state="completed"}')).toBeGreaterThan(0);
    expect(value("gapmap_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("wants the bearer token when METRICS_TOKEN is set", async () => {
    const database = await createIsolatedDatabase();
    afterThisTest(() => database.drop());
    const app = await startAppServer({ DATABASE_URL: database.url, METRICS_TOKEN: token });
    afterThisTest(() => app.stop());
    const none = await fetch(`${app.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await fetch(`${app.url}/metrics`, {
      headers: { Authorization: `Bearer ${token}x` },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain("gapmap_");
  });
});
