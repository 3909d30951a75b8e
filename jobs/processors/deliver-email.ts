import type { Job } from "bullmq";
import { deliverNotification, smtpSender } from "~/modules/notifications/delivery.server";

export interface DeliverEmail {
  notificationId: string;
}

/** Sends one outbox row; a failure is retried by BullMQ with backoff, the last one fails it. */
export async function deliverEmail(job: Job<DeliverEmail>) {
  const send = smtpSender();
  if (!send) return "no SMTP configured";
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  return deliverNotification(job.data.notificationId, send, { finalAttempt });
}
