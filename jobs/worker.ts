import type { Worker } from "bullmq";
import { logger } from "~/lib/logger.server";
import { housekeeping } from "./processors/housekeeping";
import { QUEUES, createQueue, createWorker, jobBackend } from "./queues";

export interface RunningWorker {
  close(): Promise<void>;
}

/**
 * Starts the job workers and registers the repeatable schedules. Schedules are upserted
 * here only, from one place, as BullMQ recommends.
 */
export async function startWorker(): Promise<RunningWorker> {
  const maintenance = createQueue(QUEUES.maintenance);
  await maintenance.upsertJobScheduler("housekeeping", { every: 60 * 60 * 1000 }, { name: "housekeeping" });
  await maintenance.close();

  const workers: Worker[] = [
    createWorker(QUEUES.maintenance, async (job) => {
      if (job.name === "housekeeping") return housekeeping();
      throw new Error(`unknown maintenance job ${job.name}`);
    }),
  ];
  for (const worker of workers) {
    worker.on("failed", (job, err) => logger.error({ err, job: job?.name, queue: worker.name }, "job failed"));
    worker.on("error", (err) => logger.error({ err, queue: worker.name }, "worker error"));
  }
  logger.info({ backend: jobBackend(), queues: workers.map((w) => w.name) }, "worker started");
  return {
    // Running jobs finish; unstarted ones stay queued for the next worker.
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
