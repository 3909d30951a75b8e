import { describe, expect, it } from "vitest";
import type { JobBackend } from "~/lib/queues.server";
import { startRedisServer } from "../support/redis-server";
import { startSmtpSink } from "../support/smtp-sink";
import { afterThisTest } from "../support/test-cleanups";
import {
  killWorker,
  leaveFailedJob,
  outboxFixture,
  startWorkerProcess,
  waitFor,
} from "../support/worker-harness";

// Each email at most once, and every email in the end, whatever happens to the worker, the
// queue store or the mail server (ADR 009).

describe.each<JobBackend>(["postgres", "redis"])("faults on the %s backend", (backend) => {
  it("a worker SIGKILLed mid fan-out and restarted: every recipient gets exactly one email", async () => {
    const fixture = await outboxFixture(backend, 1000);
    const first = startWorkerProcess(fixture.env);
    await waitFor(() => fixture.sink.received.length >= 300, 120_000);
    await killWorker(first, "SIGKILL");
    expect(fixture.sink.received.length).toBeLessThan(fixture.recipients.length);

    startWorkerProcess(fixture.env);
    await fixture.allDeliveredInTime();
    // The kill may land in ADR 009's window between a message's COMMIT and its final dot
    // (on a loaded machine the worker can be descheduled between the two writes): that one
    // message is lost by design. One JavaScript thread is in that step for one message at a
    // time, so at most one; any other missing recipient is a bug.
    const lost = await fixture.lostAtTheDot();
    expect(lost.length).toBeLessThanOrEqual(1);
    expect(await fixture.deliveryReport()).toEqual({ missing: lost, duplicated: [] });
  }, 300_000);

  it("a row whose job failed without sending it (it stalled twice) is sent in a new dispatch round", async () => {
    const fixture = await outboxFixture(backend, 3);
    const row = await fixture.database.db
      .selectFrom("notifications")
      .select("id")
      .limit(1)
      .executeTakeFirstOrThrow();
    await leaveFailedJob(backend, fixture.env, "email", `${row.id}.0`, { notificationId: row.id });
    await fixture.database.db
      .updateTable("notifications")
      .set({ dispatched_at: new Date(Date.now() - 60_000) })
      .where("id", "=", row.id)
      .execute();
    startWorkerProcess(fixture.env);
    await fixture.allDeliveredInTime();
    expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
  }, 120_000);

  it("three workers at once: no recipient gets a second email", async () => {
    const fixture = await outboxFixture(backend, 600);
    for (let i = 0; i < 3; i++) startWorkerProcess(fixture.env);
    await fixture.allDeliveredInTime();
    expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
  }, 300_000);

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
    }, 120_000);

    const back = await startSmtpSink(fixture.sink.port);
    afterThisTest(() => back.close());
    await fixture.allDeliveredInTime(back);
    expect(await fixture.deliveryReport(back)).toEqual({ missing: [], duplicated: [] });
  }, 300_000);
});

describe("faults of the queue store", () => {
  it("Redis crashes (losing every job and schedule) mid fan-out and restarts: every recipient gets exactly one email", async () => {
    const redis = await startRedisServer();
    afterThisTest(() => redis.stop());
    const fixture = await outboxFixture("redis", 1000, { redisUrl: redis.url });
    // Messages whose jobs the crash took are queued again after the fixture's redispatch delay.
    startWorkerProcess(fixture.env);
    await waitFor(() => fixture.sink.received.length >= 300, 120_000);
    await redis.crash();
    const deliveredBeforeCrash = fixture.sink.received.length;
    expect(deliveredBeforeCrash).toBeLessThan(fixture.recipients.length);
    // Redis stays down for a second (the outage, not a wait for something).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.restart();

    await fixture.allDeliveredInTime();
    expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
  }, 300_000);
});
