import type { Worker } from "bullmq";
import { logger } from "~/lib/logger.server";
import { closeSmtp } from "~/modules/notifications/delivery.server";
import { planReminders } from "~/modules/notifications/reminders.server";
import { deliverEmail, type DeliverEmail } from "./processors/deliver-email";
import { dispatchOutbox } from "./processors/dispatch-outbox";
import { housekeeping } from "./processors/housekeeping";
import { QUEUES, createQueue, createWorker, jobBackend } from "./queues";

export interface RunningWorker {
  close(): Promise<void>;
}

const SCHEDULES = {
  /** Invitations, resets and reminders leave within seconds of being written. */
  dispatchEveryMs: Number(process.env.GAPMAP_DISPATCH_EVERY_MS ?? 5_000),
  /** Each organisation's reminders are decided in its own time zone at every scan. */
  scanEveryMs: Number(process.env.GAPMAP_REMINDER_SCAN_EVERY_MS ?? 15 * 60_000),
};

/**
 * Starts the job workers and registers the repeatable schedules. Schedules are upserted
 * here only, from one place, as BullMQ recommends.
 */
export async function startWorker(): Promise<RunningWorker> {
  const maintenance = createQueue(QUEUES.maintenance);
  const reminders = createQueue(QUEUES.reminders);
  const email = createQueue<DeliverEmail>(QUEUES.email, { role: "worker" });
  await maintenance.upsertJobScheduler(
    "housekeeping",
    { every: 60 * 60 * 1000 },
    { name: "housekeeping" },
  );
  await reminders.upsertJobScheduler(
    "dispatch-outbox",
    { every: SCHEDULES.dispatchEveryMs },
    { name: "dispatch" },
  );
  await reminders.upsertJobScheduler(
    "reminder-scan",
    { every: SCHEDULES.scanEveryMs },
    { name: "scan" },
  );
  await Promise.all([maintenance.close(), reminders.close()]);

  const workers: Worker[] = [
    createWorker(QUEUES.maintenance, async (job) => {
      if (job.name === "housekeeping") return housekeeping();
      throw new Error(`unknown maintenance job ${job.name}`);
    }),
    createWorker(QUEUES.reminders, async (job) => {
      if (job.name === "dispatch") return dispatchOutbox(email);
      if (job.name === "scan") return planReminders(new Date());
      throw new Error(`unknown reminders job ${job.name}`);
    }),
    createWorker<DeliverEmail>(QUEUES.email, deliverEmail, { concurrency: 8 }),
  ];
  for (const worker of workers) {
    worker.on("failed", (job, err) =>
      logger.warn({ err, job: job?.name, jobId: job?.id, queue: worker.name }, "job failed"),
    );
    worker.on("error", (err) => logger.error({ err, queue: worker.name }, "worker error"));
  }
  logger.info({ backend: jobBackend(), queues: workers.map((w) => w.name) }, "worker started");
  return {
    // Running jobs finish; unstarted ones stay queued for the next worker.
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await email.close();
      closeSmtp();
    },
  };
}
