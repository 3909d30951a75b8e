import type { Queue, Worker } from "bullmq";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { closeDelivery } from "~/modules/notifications/delivery.server";
import { planReminders } from "~/modules/notifications/reminders.server";
import { planTeamMessages } from "~/modules/notifications/team-messages.server";
import { runExport, type ExportJob } from "~/modules/organisation-data/export.server";
import { generateDueReports } from "~/modules/reports/due-reports.server";
import { deliverChannel, type DeliverChannel } from "./processors/deliver-channel";
import { deliverEmail, type DeliverEmail } from "./processors/deliver-email";
import { dispatchChannels, dispatchOutbox } from "./processors/dispatch-outbox";
import { housekeeping } from "./processors/housekeeping";
import {
  CHANNEL_CONCURRENCY,
  EMAIL_CONCURRENCY,
  QUEUES,
  createQueue,
  createWorker,
  jobBackend,
  queuesStopping,
} from "~/lib/queues.server";

export interface RunningWorker {
  close(): Promise<void>;
}

/** How often a running worker makes sure its schedules still exist (a wiped Redis loses them). */
const SCHEDULE_CHECK_EVERY_MS = 10_000;

/** The repeatable jobs, each upserted from here only, as BullMQ recommends. */
function schedules() {
  return [
    { queue: QUEUES.maintenance, id: "housekeeping", every: 60 * 60_000, name: "housekeeping" },
    {
      queue: QUEUES.reminders,
      id: "dispatch-outbox",
      every: env().GAPMAP_DISPATCH_EVERY_MS,
      name: "dispatch",
    },
    {
      queue: QUEUES.reminders,
      id: "reminder-scan",
      every: env().GAPMAP_REMINDER_SCAN_EVERY_MS,
      name: "scan",
    },
    // Closed cycles get their reports within a minute. On the maintenance queue: an
    // organisation's reports take seconds and must not hold up the outbox dispatcher.
    {
      queue: QUEUES.maintenance,
      id: "report-scan",
      every: env().GAPMAP_REPORT_SCAN_EVERY_MS,
      name: "reports",
    },
  ] as const;
}

/**
 * Registers each schedule; with `onlyMissing`, only those that have gone, so a healthy
 * schedule keeps its rhythm.
 */
async function ensureSchedules(queues: Map<string, Queue>, { onlyMissing = false } = {}) {
  for (const s of schedules()) {
    const queue = queues.get(s.queue) as Queue;
    if (onlyMissing && (await queue.getJobScheduler(s.id))) continue;
    if (onlyMissing)
      logger.warn({ schedule: s.id }, "schedule missing (queue store wiped?): restoring it");
    await queue.upsertJobScheduler(s.id, { every: s.every }, { name: s.name });
  }
}

/** Starts the job workers and registers the repeatable schedules. */
export async function startWorker(): Promise<RunningWorker> {
  const scheduling = new Map<string, Queue>(
    [QUEUES.maintenance, QUEUES.reminders].map((q) => [q, createQueue(q, { role: "worker" })]),
  );
  const email = createQueue<DeliverEmail>(QUEUES.email, { role: "worker" });
  const channels = createQueue<DeliverChannel>(QUEUES.channels, { role: "worker" });
  const redispatchAfter = () => env().GAPMAP_REDISPATCH_AFTER_MS;
  const dispatch = async () =>
    (await dispatchOutbox(email, redispatchAfter())) +
    (await dispatchChannels(channels, redispatchAfter()));
  await ensureSchedules(scheduling);
  let checking = false;
  const scheduleCheck = setInterval(() => {
    if (checking) return;
    checking = true;
    ensureSchedules(scheduling, { onlyMissing: true })
      .catch((err: unknown) => logger.warn({ err }, "schedule check failed; will try again"))
      .finally(() => (checking = false));
  }, SCHEDULE_CHECK_EVERY_MS);

  const workers: Worker[] = [
    createWorker(QUEUES.maintenance, async (job) => {
      if (job.name === "housekeeping") return housekeeping();
      if (job.name === "reports") return generateDueReports();
      if (job.name === "export") return runExport((job.data as ExportJob).exportId);
      throw new Error(`unknown maintenance job ${job.name}`);
    }),
    createWorker(QUEUES.reminders, async (job) => {
      if (job.name === "dispatch") return dispatch();
      if (job.name === "scan") {
        const now = new Date();
        const planned = (await planReminders(now)) + (await planTeamMessages(now));
        // What the scan wrote goes out now, not at the dispatcher's next round. This queue
        // runs one job at a time, so the two never dispatch side by side in one worker.
        if (planned) await dispatch();
        return planned;
      }
      throw new Error(`unknown reminders job ${job.name}`);
    }),
    createWorker<DeliverEmail>(QUEUES.email, deliverEmail, { concurrency: EMAIL_CONCURRENCY }),
    createWorker<DeliverChannel>(QUEUES.channels, deliverChannel, {
      concurrency: CHANNEL_CONCURRENCY,
    }),
  ];
  for (const worker of workers) {
    worker.on("failed", (job, err) =>
      logger.warn({ err, job: job?.name, jobId: job?.id, queue: worker.name }, "job failed"),
    );
  }
  logger.info({ backend: jobBackend(), queues: workers.map((w) => w.name) }, "worker started");
  return {
    // Running jobs finish; unstarted ones stay queued for the next worker.
    async close() {
      queuesStopping();
      clearInterval(scheduleCheck);
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([email, channels, ...scheduling.values()].map((q) => q.close()));
      await closeDelivery();
    },
  };
}
