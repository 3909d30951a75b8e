import type { Queue } from "bullmq";
import {
  dispatchableNotifications,
  markDispatched,
  smtpSender,
} from "~/modules/notifications/delivery.server";
import type { DeliverEmail } from "./deliver-email";

/**
 * Gives pending outbox rows a delivery job: new rows at once, and again any row still
 * pending a while after its dispatch, in case its job was lost (a Redis wipe). The job id
 * (row + dispatch round) means a row already queued, delayed for a retry or running is
 * never queued twice.
 * Without SMTP_URL nothing is sent: the outbox is read in the app.
 */
export async function dispatchOutbox(email: Queue<DeliverEmail>) {
  if (!smtpSender()) return 0;
  const pending = await dispatchableNotifications();
  for (let i = 0; i < pending.length; i += 1000) {
    const chunk = pending.slice(i, i + 1000);
    await email.addBulk(
      chunk.map((p) => ({
        name: "deliver",
        data: { notificationId: p.notificationId },
        opts: { jobId: p.jobId },
      })),
    );
    // Only rows whose jobs are surely queued wait before being dispatched again.
    await markDispatched(chunk.map((p) => p.notificationId));
  }
  return pending.length;
}
