import type { Job } from "bullmq";
import { deliverChannelMessage } from "~/modules/notifications/channel-delivery.server";

export interface DeliverChannel {
  deliveryId: string;
}

/** Posts one team-channel delivery; a refusal is retried by BullMQ with backoff, the last fails it. */
export async function deliverChannel(job: Job<DeliverChannel>) {
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  return deliverChannelMessage(job.data.deliveryId, { finalAttempt });
}
