import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import nodemailer, { type Transporter } from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer";
import { sql } from "kysely";
import { db } from "#db/database";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";

// Sends outbox rows over SMTP, each at most once, even when jobs are retried, a worker is
// killed mid-send or several workers run (ADR 009). The row is locked (FOR UPDATE) for the
// whole send, and marked sent in the same transaction at the one moment
// that decides delivery: after the server has the whole message and before the final
// "\r\n.\r\n" that makes it accept it. A worker killed before that commit leaves the row
// pending and the server discards the unfinished message; one killed after it has already
// recorded the send.

/** sent: by this call; skipped: already sent or failed (by another worker, or earlier). */
export type DeliveryResult = "sent" | "skipped";

export interface Outgoing {
  from: string;
  to: string;
  /** The server sees the whole message when this stream has been read to its end. */
  raw: Readable;
}

/** How a message leaves: SMTP in production, a fake in tests of failure paths. */
export type SendMessage = (message: Outgoing) => Promise<void>;

/** Sends over SMTP at `url` through a small pool of connections. */
export function createSmtpSender(url: string): SendMessage & { close(): void } {
  const transport: Transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 5,
    maxMessages: 500,
  });
  const send = async ({ from, to, raw }: Outgoing) => {
    await transport.sendMail({ envelope: { from, to: [to] }, raw });
  };
  return Object.assign(send, { close: () => transport.close() });
}

let smtp: ReturnType<typeof createSmtpSender> | undefined;

/** The sender for SMTP_URL, or null when none is configured (the outbox is read in the app). */
export function smtpSender(): SendMessage | null {
  const url = env().SMTP_URL;
  if (!url) return null;
  smtp ??= createSmtpSender(url);
  return smtp;
}

export function closeSmtp() {
  smtp?.close();
  smtp = undefined;
}

export function mailFrom() {
  const configured = env().MAIL_FROM;
  if (configured) return configured;
  return `gapmap@${new URL(env().APP_URL).hostname}`;
}

/** Message-ID derived from the idempotency key, so a receiver can also tell copies apart. */
function messageId(idempotencyKey: string) {
  const digest = createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 32);
  return `<${digest}@gapmap>`;
}

/**
 * A stream that yields the message and then waits for `beforeEnd` (the commit) before it
 * ends: only its end lets the SMTP server accept the message.
 */
function gatedMessage(message: Buffer, beforeEnd: () => Promise<void>): Readable {
  let stage: "body" | "gate" | "done" = "body";
  return new Readable({
    read() {
      if (stage === "body") {
        stage = "gate";
        this.push(message);
      } else if (stage === "gate") {
        stage = "done";
        beforeEnd().then(
          () => this.push(null),
          (error: unknown) => this.destroy(error as Error),
        );
      }
    },
  });
}

/**
 * Delivers one outbox row: sent when this call sent it, skipped when it is already sent or
 * failed. A send error leaves the row pending with
 * the error recorded (or failed, when `finalAttempt`) and is rethrown so the job retries.
 */
export async function deliverNotification(
  notificationId: string,
  send: SendMessage,
  { finalAttempt = false }: { finalAttempt?: boolean } = {},
): Promise<DeliveryResult> {
  const trx = await db.startTransaction().execute();
  let committed = false;
  try {
    const row = await trx
      .selectFrom("notifications")
      .select(["id", "recipient_email", "subject", "body_text", "body_html", "idempotency_key"])
      .where("id", "=", notificationId)
      .where("status", "=", "pending")
      // Waits for a concurrent sender of the same row (or the dispatcher's brief stamp), then
      // sees what it left: sent (skip) or still pending after its failure (send).
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      await trx.rollback().execute();
      return "skipped";
    }
    const from = mailFrom();
    const message = await new MailComposer({
      from,
      to: row.recipient_email,
      subject: row.subject,
      text: row.body_text,
      html: row.body_html ?? undefined,
      messageId: messageId(row.idempotency_key),
    })
      .compile()
      .build();
    await send({
      from,
      to: row.recipient_email,
      raw: gatedMessage(message, async () => {
        await trx
          .updateTable("notifications")
          .set((eb) => ({
            status: "sent",
            sent_at: new Date(),
            attempts: eb("attempts", "+", 1),
            last_error: null,
          }))
          .where("id", "=", row.id)
          .execute();
        await trx.commit().execute();
        committed = true;
      }),
    });
    return "sent";
  } catch (error) {
    if (!committed) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      await recordFailure(notificationId, error, finalAttempt ? "failed" : "pending");
      throw error;
    }
    // Recorded as sent before the server's verdict on the finished message. An SMTP answer
    // means it was refused, so sending again is safe; a lost connection leaves it unknown,
    // so it is failed for an admin to check and retry, never resent on its own.
    const refused = typeof (error as { responseCode?: unknown }).responseCode === "number";
    await recordFailure(
      notificationId,
      error,
      refused && !finalAttempt ? "pending" : "failed",
      refused
        ? undefined
        : "the connection was lost after the message was handed over; it may have arrived",
      false,
    );
    logger.error({ err: error, notificationId }, "outbox: message not confirmed by the server");
    throw error;
  }
}

async function recordFailure(
  notificationId: string,
  error: unknown,
  status: "pending" | "failed",
  note?: string,
  countAttempt = true,
) {
  const reason = `${error instanceof Error ? error.message : String(error)}${note ? ` (${note})` : ""}`;
  await db
    .updateTable("notifications")
    .set((eb) => ({
      status,
      attempts: countAttempt ? eb("attempts", "+", 1) : eb.ref("attempts"),
      last_error: reason.slice(0, 1000),
    }))
    .where("id", "=", notificationId)
    .where("status", "in", ["pending", "sent"])
    .execute();
}

/**
 * Pending rows that need a delivery job: never dispatched, or dispatched longer ago than
 * `redispatchAfterMs` (their job may be lost, e.g. a Redis wipe; re-adding a live job is a
 * no-op thanks to its id). Mark them with `markDispatched` once their jobs are queued.
 */
export async function dispatchableNotifications(limit = 5000, redispatchAfterMs = 120_000) {
  const rows = await db
    .selectFrom("notifications")
    .select(["id", "dispatch_round"])
    .where("status", "=", "pending")
    .where((eb) =>
      eb.or([
        eb("dispatched_at", "is", null),
        eb("dispatched_at", "<", new Date(Date.now() - redispatchAfterMs)),
      ]),
    )
    .orderBy(sql`dispatched_at NULLS FIRST`)
    .orderBy("created_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ notificationId: r.id, jobId: `${r.id}.${r.dispatch_round}` }));
}

export async function markDispatched(notificationIds: string[]) {
  if (!notificationIds.length) return;
  await db
    .updateTable("notifications")
    .set({ dispatched_at: new Date() })
    .where("id", "in", notificationIds)
    .execute();
}
