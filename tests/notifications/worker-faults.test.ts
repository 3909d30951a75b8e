import { describe, expect, it } from "vitest";
import type { JobBackend } from "#jobs/queues";
import { startRedisServer } from "../support/redis-server";
import { startSmtpSink } from "../support/smtp-sink";
import {
  afterThisTest,
  killWorker,
  outboxFixture,
  startWorkerProcess,
  waitFor,
} from "../support/worker-harness";

// Each email at most once, and every email in the end, whatever happens to the worker, the
// queue store or the mail server (ADR 009).

describe.each<JobBackend>(["postgres", "redis"])("faults on the %s backend", (backend) => {
  it("a worker SIGKILLed mid fan-out and restarted: every recipient gets exactly one email", async () => {
    const fixture = await outboxFixture(backend, 2000);
    const first = startWorkerProcess(fixture.env);
    await waitFor(() => fixture.sink.received.length >= 300, 60_000);
    await killWorker(first, "SIGKILL");
    expect(fixture.sink.received.length).toBeLessThan(fixture.recipients.length);

    startWorkerProcess(fixture.env);
    await waitFor(() => fixture.allDelivered(), 90_000);
    expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
  }, 150_000);

  it("three workers at once: no recipient gets a second email", async () => {
    const fixture = await outboxFixture(backend, 600);
    for (let i = 0; i < 3; i++) startWorkerProcess(fixture.env);
    await waitFor(() => fixture.allDelivered(), 60_000);
    expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
  }, 90_000);

  it("SMTP down: messages wait with their reason, and arrive once it is back", async () => {
    const fixture = await outboxFixture(backend, 20);
    await fixture.sink.close();
    startWorkerProcess(fixture.env);
    await waitFor(async () => {
      const row = await fixture.database.db
        .selectFrom("notifications")
        .select(["status", "last_error"])
        .where("last_error", "is not", null)
        .limit(1)
        .executeTakeFirst();
      return row?.status === "pending";
    }, 30_000);

    const back = await startSmtpSink(fixture.sink.port);
    afterThisTest(() => back.close());
    await waitFor(() => fixture.allDelivered(back.received), 60_000);
    expect(await fixture.deliveryReport(back.received)).toEqual({ missing: [], duplicated: [] });
  }, 90_000);
});

describe("faults of the queue store", () => {
  it("Redis crashes (losing every job and schedule) mid fan-out and restarts: every recipient gets exactly one email", async () => {
    const redis = await startRedisServer();
    afterThisTest(() => redis.stop());
    const fixture = await outboxFixture("redis", 2000, { redisUrl: redis.url });
    // Messages whose jobs the crash took are queued again after this long.
    startWorkerProcess({ ...fixture.env, GAPMAP_REDISPATCH_AFTER_MS: "5000" });
    await waitFor(() => fixture.sink.received.length >= 300, 60_000);
    await redis.crash();
    const deliveredBeforeCrash = fixture.sink.received.length;
    expect(deliveredBeforeCrash).toBeLessThan(fixture.recipients.length);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.restart();

    await waitFor(() => fixture.allDelivered(), 120_000);
    expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
  }, 180_000);
});
