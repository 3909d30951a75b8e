import { db } from "#db/database";
import type { NotificationStatus } from "#db/schema";

// Reading the outbox in the app: each person their own messages, admins the organisation's,
// with the reason a message failed (sending again: dispatch-rounds.server.ts).

export interface OutboxFilter {
  recipientUserId?: string;
  status?: NotificationStatus;
  limit?: number;
}

export function listOutbox(organizationId: string, filter: OutboxFilter = {}) {
  let query = db
    .selectFrom("notifications")
    .select([
      "id",
      "kind",
      "recipient_email",
      "subject",
      "body_text",
      "status",
      "attempts",
      "last_error",
      "created_at",
      "sent_at",
    ])
    .where("organization_id", "=", organizationId)
    .orderBy("created_at", "desc")
    .limit(filter.limit ?? 100);
  if (filter.recipientUserId) query = query.where("recipient_user_id", "=", filter.recipientUserId);
  if (filter.status) query = query.where("status", "=", filter.status);
  return query.execute();
}

export async function outboxCounts(organizationId: string) {
  const rows = await db
    .selectFrom("notifications")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("organization_id", "=", organizationId)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Partial<
    Record<NotificationStatus, number>
  >;
}
