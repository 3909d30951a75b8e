/** A message's statuses in the order it moves through them (client-safe, for filters). */
export const OUTBOX_STATUSES = ["pending", "sending", "sent", "failed"] as const;
