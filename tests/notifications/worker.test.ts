import { describe, expect, it } from "vitest";
import type { JobBackend } from "~/lib/queues.server";
import { openCycleForEveryone, seedOrganizationWithNewCycle } from "../support/cycle-opening";
import { createIsolatedDatabase } from "../support/isolated-database";
import { startSmtpSink } from "../support/smtp-sink";
import { afterThisTest } from "../support/test-cleanups";
import { killWorker, outboxFixture, startWorkerProcess, waitFor } from "../support/worker-harness";

describe.each<JobBackend>(["postgres", "redis"])("the worker on the %s backend", (backend) => {
  it("delivers every pending outbox message exactly once, then stops cleanly on SIGTERM", async () => {
    const { recipients, env, allDelivered, deliveryReport, sink } = await outboxFixture(
      backend,
      40,
    );
    const worker = startWorkerProcess(env);
    await waitFor(() => allDelivered(), 60_000);
    expect(await deliveryReport()).toEqual({ missing: [], duplicated: [] });
    expect(sink.received).toHaveLength(recipients.length);

    expect(await killWorker(worker, "SIGTERM")).toBe(0);
  }, 90_000);
});

it("the Docker image's `worker` command runs the same worker", async () => {
  const { env, allDelivered, deliveryReport } = await outboxFixture("postgres", 5);
  const worker = startWorkerProcess(env, ["./docker-entrypoint.sh", "worker"]);
  await waitFor(() => allDelivered(), 60_000);
  expect(await deliveryReport()).toEqual({ missing: [], duplicated: [] });
  expect(await killWorker(worker, "SIGTERM")).toBe(0);
}, 90_000);

it("sends what a reminder scan writes at once, not at the dispatcher's next round", async () => {
  const database = await createIsolatedDatabase();
  afterThisTest(() => database.drop());
  const sink = await startSmtpSink();
  afterThisTest(() => sink.close());
  const { cycleId } = await seedOrganizationWithNewCycle(database.db, 12);
  await openCycleForEveryone(database.db, cycleId);
  // Both schedules first run when the worker starts, the dispatcher before the scan; their
  // next rounds are an hour away.
  startWorkerProcess({
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    REDIS_URL: "",
    GAPMAP_DISPATCH_EVERY_MS: "3600000",
    GAPMAP_REMINDER_SCAN_EVERY_MS: "3600000",
  });
  // Well before the next rounds (an hour away), on however loaded a machine. A row's COMMIT
  // is written just before its message's final dot (ADR 009), so the sink may hold the last
  // message a moment before the database shows its row sent.
  const rows = () => database.db.selectFrom("notifications").select(["kind", "status"]).execute();
  await waitFor(
    async () => sink.received.length >= 12 && (await rows()).every((n) => n.status === "sent"),
    120_000,
  );
  const sent = await rows();
  expect(sent).toHaveLength(12);
  expect(sent.every((n) => n.kind === "cycle_opened")).toBe(true);
}, 180_000);
