import { z } from "zod";
import { db } from "#db/database";
import type { NotificationStatus } from "#db/schema";
import { conflict, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";

// Reading the outbox in the app: each person their own messages, admins the organisation's,
// with the reason a message failed and a way to send it again.

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

/**
 * Sends a failed message again: back to pending in a new dispatch round, so the worker gives
 * it a fresh delivery job. Audited.
 */
export async function retryNotification(
  ctx: MemberContext,
  notificationId: string,
  ip: string | null = null,
) {
  if (!z.uuid().safeParse(notificationId).success) throw notFound("Message");
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("notifications")
      .select(["id", "status"])
      .where("organization_id", "=", ctx.organization.id)
      .where("id", "=", notificationId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound("Message");
    if (row.status !== "failed") throw conflict("Only a failed message can be sent again.");
    await trx
      .updateTable("notifications")
      .set((eb) => ({
        status: "pending",
        dispatch_round: eb("dispatch_round", "+", 1),
        dispatched_at: null,
      }))
      .where("id", "=", row.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "notification.retry",
        objectType: "notification",
        objectId: row.id,
        ip,
      },
      trx,
    );
  });
}
