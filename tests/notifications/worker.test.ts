import { describe, expect, it } from "vitest";
import type { JobBackend } from "#jobs/queues";
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
