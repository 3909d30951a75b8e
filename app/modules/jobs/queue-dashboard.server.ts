import type { Job, Queue } from "bullmq";
import { z } from "zod";
import { db } from "#db/database";
import { QUEUES, type QueueName, jobBackend, producerQueue } from "~/lib/queues.server";
import { AppError, notFound } from "~/lib/errors.server";
import { logger } from "~/lib/logger.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { sendAgain } from "~/modules/notifications/dispatch-rounds.server";

// The admin's view of the job queues. The queues serve every organisation of the
// installation, so an admin sees the instance-wide counts and schedules, but of the failed
// email jobs only those of their own organisation's messages. (This is why bull-board,
// which shows and acts on every job, is not mounted: it fits a single-tenant operator.)

const STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;
export type JobState = (typeof STATES)[number];

const QUEUE_PURPOSE: Record<QueueName, string> = {
  email: "One job per outbox message: send it over SMTP.",
  reminders: "The outbox dispatcher and the reminder scan, on schedules.",
  maintenance:
    "The report scan, organisation exports, and housekeeping: expired sessions, rate-limit windows and export archives; closed organisations erased after their grace.",
  channels: "One job per team-channel delivery: post it to Slack, Teams or a signed webhook.",
};

/** One producer connection per queue for the web process's lifetime. */
const queue = (name: QueueName): Queue => producerQueue(name);

export interface FailedJob {
  queue: QueueName;
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: string | null;
  /** For an email job: the outbox message it was sending. */
  notification: { id: string; recipient: string; subject: string; status: string } | null;
}

export interface QueueOverview {
  name: QueueName;
  purpose: string;
  counts: Record<JobState, number>;
  workers: number | null;
  schedules: { id: string; every: number | null; next: string | null }[];
}

export type QueueDashboard =
  | { reachable: true; backend: string; queues: QueueOverview[]; failed: FailedJob[] }
  | { reachable: false; backend: string; error: string };

const FAILED_SHOWN = 50;

/** A queue's jobs by state, as its store holds them now (instance-wide). */
export async function jobCounts(name: QueueName): Promise<Record<JobState, number>> {
  const counts = await queue(name).getJobCounts(...STATES);
  return Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])) as Record<JobState, number>;
}

async function overview(name: QueueName): Promise<QueueOverview> {
  const q = queue(name);
  const [counts, schedulers, workers] = await Promise.all([
    jobCounts(name),
    q.getJobSchedulers(),
    q.getWorkersCount().catch(() => null),
  ]);
  return {
    name,
    purpose: QUEUE_PURPOSE[name],
    counts,
    workers,
    schedules: schedulers.map((s) => ({
      id: s.key,
      every: s.every ? Number(s.every) : null,
      next: s.next ? new Date(s.next).toISOString() : null,
    })),
  };
}

function notificationIdOf(job: Job): string | null {
  const parsed = z.object({ notificationId: z.uuid() }).safeParse(job.data);
  return parsed.success ? parsed.data.notificationId : null;
}

/** The failed email jobs of this organisation's messages, and every failed system job. */
async function failedJobs(organizationId: string): Promise<FailedJob[]> {
  const failed: FailedJob[] = [];
  const emailJobs = await queue(QUEUES.email).getFailed(0, 499);
  const ids = emailJobs.map(notificationIdOf).filter((id): id is string => id !== null);
  const messages = ids.length
    ? await db
        .selectFrom("notifications")
        .select(["id", "recipient_email", "subject", "status"])
        .where("organization_id", "=", organizationId)
        .where("id", "in", ids)
        .execute()
    : [];
  const byId = new Map(messages.map((m) => [m.id, m]));
  for (const job of emailJobs) {
    const message = byId.get(notificationIdOf(job) ?? "");
    if (!message || !job.id) continue;
    failed.push({
      ...jobSummary(QUEUES.email, job),
      notification: {
        id: message.id,
        recipient: message.recipient_email,
        subject: message.subject,
        status: message.status,
      },
    });
  }
  for (const name of [QUEUES.reminders, QUEUES.maintenance]) {
    for (const job of await queue(name).getFailed(0, FAILED_SHOWN - 1)) {
      if (job.id) failed.push({ ...jobSummary(name, job), notification: null });
    }
  }
  return failed
    .sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? ""))
    .slice(0, FAILED_SHOWN);
}

function jobSummary(name: QueueName, job: Job) {
  return {
    queue: name,
    id: job.id as string,
    name: job.name,
    failedReason: (job.failedReason ?? "").slice(0, 500),
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

export async function queueDashboard(organizationId: string): Promise<QueueDashboard> {
  const backend = jobBackend() === "redis" ? "Redis" : "PostgreSQL (BullMQ's backend)";
  try {
    const overviews = await Promise.all(Object.values(QUEUES).map(overview));
    return {
      reachable: true,
      backend,
      queues: overviews,
      failed: await failedJobs(organizationId),
    };
  } catch (error) {
    logger.warn({ err: error }, "queue dashboard: queue store unreachable");
    return {
      reachable: false,
      backend,
      error: "The queue store could not be reached. Jobs resume when it is back.",
    };
  }
}

export const RetryJobSchema = z.object({
  queue: z.enum(Object.values(QUEUES) as [QueueName, ...QueueName[]], {
    error: "Unknown queue.",
  }),
  jobId: z.string({ error: "Unknown job." }).min(1, "Unknown job.").max(200, "Unknown job."),
});

/**
 * Retries a failed job. An email job retries through its outbox message (a new dispatch
 * round, so delivery stays at most once) and only for this organisation's messages; a
 * system job runs again as it was. Audited.
 */
export async function retryFailedJob(
  ctx: MemberContext,
  { queue: name, jobId }: z.infer<typeof RetryJobSchema>,
  ip: string | null = null,
) {
  // Channel deliveries are sent again from the outbox page, through their row.
  if (name === QUEUES.channels) throw notFound("Failed job");
  const job = await queue(name).getJob(jobId);
  if (!job || !(await job.isFailed())) throw notFound("Failed job");
  if (name === QUEUES.email) {
    const notificationId = notificationIdOf(job);
    if (!notificationId) throw notFound("Failed job");
    // 404 for another organisation's message, before anything changes.
    await sendAgain(ctx, "notifications", notificationId, ip).catch((error: unknown) => {
      if (error instanceof AppError && error.kind === "conflict") return; // already resent
      throw error;
    });
    await job.remove();
    return;
  }
  await job.retry("failed");
  await recordAudit({
    organizationId: ctx.organization.id,
    actorUserId: ctx.user.id,
    action: "job.retry",
    objectType: "job",
    objectId: null,
    ip,
    details: { queue: name, jobId, name: job.name },
  });
}
