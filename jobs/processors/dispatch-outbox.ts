import type { JobsOptions, Queue } from "bullmq";
import {
  type Dispatchable,
  type OutboxName,
  markDispatched,
  newDispatchRound,
} from "~/modules/notifications/dispatch-rounds.server";
import { dispatchableNotifications, smtpSender } from "~/modules/notifications/delivery.server";
import { dispatchableChannelDeliveries } from "~/modules/notifications/channel-delivery.server";
import type { DeliverChannel } from "./deliver-channel";
import type { DeliverEmail } from "./deliver-email";

/** Rows read per page, and pages per run: a larger backlog continues at the next round. */
const PAGE = 5000;
/** Jobs added per call (see below). */
export const DISPATCH_CHUNK = 200;
const MAX_PAGES = 10;

interface Outbox<Data> {
  table: OutboxName;
  queue: Queue<Data>;
  jobName: string;
  data: (id: string) => Data;
}

/**
 * Gives rows their delivery jobs. A row given one before keeps it while it waits, is delayed
 * for a retry or runs. A lost job is added again under its id. A job that finished with the
 * row still pending (BullMQ fails a job that stalls twice: its worker was killed and the next
 * one too busy to take over in time) would make re-adding that id a no-op, so the row moves
 * to a new dispatch round and gets a job with a new id.
 */
async function queueJobs<Data>(outbox: Outbox<Data>, rows: Dispatchable[]) {
  const states = await Promise.all(
    rows.map((row) => (row.dispatchedBefore ? outbox.queue.getJobState(row.jobId) : "unknown")),
  );
  const finished = rows.filter((_, i) => states[i] === "completed" || states[i] === "failed");
  const jobs = [
    ...rows.filter((_, i) => states[i] === "unknown"),
    ...(await newDispatchRound(
      outbox.table,
      finished.map((row) => row.id),
    )),
  ];
  // Typed loosely by BullMQ: the queue's job name and data types are its generic's.
  await (outbox.queue as Queue).addBulk(
    jobs.map((row) => ({
      name: outbox.jobName,
      data: outbox.data(row.id),
      opts: { jobId: row.jobId } satisfies JobsOptions,
    })),
  );
  // Only rows whose jobs are surely queued wait before being dispatched again.
  await markDispatched(
    outbox.table,
    rows.map((row) => row.id),
  );
}

async function dispatch<Data>(
  outbox: Outbox<Data>,
  pending: (limit: number) => Promise<Dispatchable[]>,
) {
  let dispatched = 0;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const rows = await pending(PAGE);
    // Small chunks keep the event loop free for the sends running beside the dispatcher: a
    // send's commit must be followed promptly by its final dot (ADR 009).
    for (let i = 0; i < rows.length; i += DISPATCH_CHUNK)
      await queueJobs(outbox, rows.slice(i, i + DISPATCH_CHUNK));
    dispatched += rows.length;
    if (rows.length < PAGE) break;
  }
  return dispatched;
}

/**
 * Gives pending outbox rows a delivery job: new rows at once, and again any row still
 * pending a while after its dispatch, in case its job was lost (a Redis wipe) or finished
 * without sending. Without SMTP_URL nothing is sent: the outbox is read in the app.
 */
export async function dispatchOutbox(email: Queue<DeliverEmail>, redispatchAfterMs: number) {
  if (!smtpSender()) return 0;
  return dispatch(
    {
      table: "notifications",
      queue: email,
      jobName: "deliver",
      data: (notificationId) => ({ notificationId }),
    },
    (limit) => dispatchableNotifications(redispatchAfterMs, limit),
  );
}

/**
 * The same for team-channel deliveries (they need no SMTP); one cut off mid-send is failed
 * first (see the module).
 */
export async function dispatchChannels(channels: Queue<DeliverChannel>, redispatchAfterMs: number) {
  return dispatch(
    {
      table: "channel_deliveries",
      queue: channels,
      jobName: "post",
      data: (deliveryId) => ({ deliveryId }),
    },
    (limit) => dispatchableChannelDeliveries(redispatchAfterMs, limit),
  );
}
