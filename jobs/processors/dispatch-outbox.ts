import type { Queue } from "bullmq";
import {
  dispatchableNotifications,
  markDispatched,
  smtpSender,
} from "~/modules/notifications/delivery.server";
import type { DeliverEmail } from "./deliver-email";

/** Rows read per page, and pages per run: a larger backlog continues at the next round. */
const PAGE = 5000;
/** Jobs added per call (see below). */
export const DISPATCH_CHUNK = 200;
const MAX_PAGES = 10;

/**
 * Gives pending outbox rows a delivery job: new rows at once, and again any row still
 * pending a while after its dispatch, in case its job was lost (a Redis wipe). The job id
 * (row + dispatch round) means a row already queued, delayed for a retry or running is
 * never queued twice.
 * Without SMTP_URL nothing is sent: the outbox is read in the app.
 */
export async function dispatchOutbox(email: Queue<DeliverEmail>, redispatchAfterMs: number) {
  if (!smtpSender()) return 0;
  let dispatched = 0;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const pending = await dispatchableNotifications(redispatchAfterMs, PAGE);
    // Small chunks keep the event loop free for the sends running beside the dispatcher: a
    // send's commit must be followed promptly by its final dot (ADR 009).
    for (let i = 0; i < pending.length; i += DISPATCH_CHUNK) {
      const chunk = pending.slice(i, i + DISPATCH_CHUNK);
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
    dispatched += pending.length;
    if (pending.length < PAGE) break;
  }
  return dispatched;
}
