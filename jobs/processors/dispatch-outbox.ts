import type { Queue } from "bullmq";
import { pendingDeliveries, smtpSender } from "~/modules/notifications/delivery.server";
import type { DeliverEmail } from "./deliver-email";

/**
 * Gives every pending outbox row a delivery job. The job id (row + dispatch round) makes
 * this safe to run as often as wanted: a row already queued, delayed for a retry or running
 * is not queued twice, and rows whose jobs were lost (a Redis wipe) are queued again.
 * Without SMTP_URL nothing is sent: the outbox is read in the app.
 */
export async function dispatchOutbox(email: Queue<DeliverEmail>) {
  if (!smtpSender()) return 0;
  const pending = await pendingDeliveries();
  for (let i = 0; i < pending.length; i += 1000) {
    await email.addBulk(
      pending.slice(i, i + 1000).map((p) => ({
        name: "deliver",
        data: { notificationId: p.notificationId },
        opts: { jobId: p.jobId },
      })),
    );
  }
  return pending.length;
}
