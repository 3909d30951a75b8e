import type { Kysely } from "kysely";
import { db as defaultDb } from "#db/database";
import type { Database } from "#db/schema";
import { logger } from "~/lib/logger.server";
import type { MessageContent } from "./message-content";

// Email is written here and sent from here only (the worker delivers pending rows).

export type NotificationKind =
  | "invitation"
  | "password_reset"
  | "cycle_opened"
  | "assessment_due"
  | "assessment_overdue"
  | "lead_digest"
  | "mentorship_proposed"
  | "mentorship_accepted"
  | "check_in_due"
  | "report_ready"
  | "plan_goal_due"
  | "assessment_validated";

export interface OutgoingMessage {
  organizationId: string | null;
  kind: NotificationKind;
  recipientUserId: string | null;
  recipientEmail: string;
  /** kind + recipient + subject period: the same key is never written twice. */
  idempotencyKey: string;
  subject: string;
  text: string;
  html?: string;
  actionUrl?: string;
  /** What it says, for a team channel carrying the same message. */
  content?: MessageContent;
}

/** Writes a message to the outbox unless one with the same key exists; true when written. */
export async function enqueueNotification(
  message: OutgoingMessage,
  executor: Kysely<Database> = defaultDb,
): Promise<boolean> {
  const inserted = await executor
    .insertInto("notifications")
    .values({
      organization_id: message.organizationId,
      kind: message.kind,
      recipient_user_id: message.recipientUserId,
      recipient_email: message.recipientEmail,
      idempotency_key: message.idempotencyKey,
      subject: message.subject,
      body_text: message.text,
      body_html: message.html ?? null,
      action_url: message.actionUrl ?? null,
      content: message.content ? JSON.stringify(message.content) : null,
    })
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (inserted) {
    logger.info(
      { kind: message.kind, to: message.recipientEmail, notificationId: inserted.id },
      `outbox: ${message.subject}`,
    );
  }
  return Boolean(inserted);
}
