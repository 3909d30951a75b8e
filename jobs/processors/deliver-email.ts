import type { Job } from "bullmq";
import { deliverNotification, smtpSender } from "~/modules/notifications/delivery.server";

export interface DeliverEmail {
  notificationId: string;
}

/** Sends one outbox row. Busy (another worker holds it) retries later with backoff. */
export async function deliverEmail(job: Job<DeliverEmail>) {
  const send = smtpSender();
  if (!send) return "no SMTP configured";
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const result = await deliverNotification(job.data.notificationId, send, { finalAttempt });
  if (result === "busy") throw new Error("another worker is sending this message");
  return result;
}
