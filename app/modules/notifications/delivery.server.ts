import { createHash } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";
import { type CompiledQuery, sql } from "kysely";
import type pg from "pg";
import { createPool, databaseUrl, db } from "#db/database";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { dispatchable } from "./dispatch-rounds.server";
import { createSmtpConnections } from "./smtp-connections.server";

// Sends outbox rows over SMTP, each at most once, even when jobs are retried, a worker is
// killed mid-send or several workers run (ADR 009). The row is locked and marked sent (one
// UPDATE of a pending row) in a transaction that lasts the whole send. Its COMMIT is written to
// Postgres immediately before the final "\r\n.\r\n" that makes the SMTP server accept the
// message, in the same synchronous step: a worker killed before that step leaves the row
// pending and the server discards the unfinished message; one killed after it has written
// both.

/** sent: by this call; skipped: already sent or failed (by another worker, or earlier). */
export type DeliveryResult = "sent" | "skipped";

export interface Outgoing {
  from: string;
  to: string;
  message: Buffer;
  /**
   * Called by the sender synchronously just before it writes the final dot, never after
   * the dot and never for a message it gives up on earlier.
   */
  beforeFinalDot: () => void;
}

/** How a message leaves: SMTP in production, a fake in tests of failure paths. */
export type SendMessage = (message: Outgoing) => Promise<void>;

/** Sends over SMTP at `url` through a few reused connections. */
export function createSmtpSender(url: string): SendMessage & { close(): void } {
  const connections = createSmtpConnections(url);
  const send = ({ from, to, message, beforeFinalDot }: Outgoing) =>
    connections.send({ from, to: [to] }, message, beforeFinalDot);
  return Object.assign(send, { close: () => connections.close() });
}

let smtp: ReturnType<typeof createSmtpSender> | undefined;

/** The sender for SMTP_URL, or null when none is configured (the outbox is read in the app). */
export function smtpSender(): SendMessage | null {
  const url = env().SMTP_URL;
  if (!url) return null;
  smtp ??= createSmtpSender(url);
  return smtp;
}

/** Closes the SMTP connections and the delivery's database connections. */
export async function closeDelivery() {
  smtp?.close();
  smtp = undefined;
  await pool?.end();
  pool = undefined;
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

export interface OutboxMessage {
  recipient_email: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  idempotency_key: string;
}

/** The MIME message an outbox row is sent as, and its sender. */
export async function composeMessage(row: OutboxMessage) {
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
  return { from, message };
}

/** Its own connections: the COMMIT must go out in one synchronous write (see above). */
let pool: pg.Pool | undefined;
function deliveryPool() {
  pool ??= createPool(databaseUrl());
  return pool;
}

function run(client: pg.PoolClient, query: { compile(): CompiledQuery }) {
  const { sql: text, parameters } = query.compile();
  return client.query(text, parameters as unknown[]);
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
  const client = await deliveryPool().connect();
  let commit: Promise<unknown> | undefined;
  let broken = false;
  try {
    await client.query("BEGIN");
    // Marked sent now, visible only once committed. The UPDATE waits for a concurrent sender
    // of the same row (or the dispatcher's brief stamp), then re-checks what it left: sent
    // (no row: skip) or still pending after its failure (send).
    const claimed = await run(
      client,
      db
        .updateTable("notifications")
        .set((eb) => ({
          status: "sent",
          sent_at: new Date(),
          attempts: eb("attempts", "+", 1),
          last_error: null,
        }))
        .where("id", "=", notificationId)
        .where("status", "=", "pending")
        .returning(["recipient_email", "subject", "body_text", "body_html", "idempotency_key"]),
    );
    const row = claimed.rows[0] as OutboxMessage | undefined;
    if (!row) {
      await client.query("ROLLBACK");
      return "skipped";
    }
    const { from, message } = await composeMessage(row);
    await send({
      from,
      to: row.recipient_email,
      message,
      beforeFinalDot: () => {
        // The client is idle here, so pg writes COMMIT to its socket before returning.
        commit = client.query("COMMIT");
        // Settled below; this keeps a failure here from going unhandled meanwhile.
        commit.catch(() => undefined);
      },
    });
    try {
      await commit;
    } catch (error) {
      // The server accepted the message, so it is sent, whatever became of the commit.
      broken = true;
      logger.warn({ err: error, notificationId }, "outbox: commit failed after delivery");
      await db
        .updateTable("notifications")
        .set((eb) => ({ status: "sent", sent_at: new Date(), attempts: eb("attempts", "+", 1) }))
        .where("id", "=", notificationId)
        .execute();
    }
    return "sent";
  } catch (error) {
    if (!commit) {
      await client.query("ROLLBACK").catch(() => (broken = true));
      await recordFailure(notificationId, error, finalAttempt ? "failed" : "pending");
      throw error;
    }
    // The message was finished and the row committed as sent before the server's verdict.
    // An SMTP answer means it was refused, so sending again is safe; a lost connection
    // leaves it unknown, so it is failed for an admin to check and retry, never resent on
    // its own.
    await commit.catch(() => (broken = true));
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
  } finally {
    client.release(broken);
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
 * `redispatchAfterMs` (their job may be lost, e.g. a Redis wipe, or finished without sending).
 * Mark them with `markDispatched` (dispatch-rounds.server.ts) once their jobs are queued.
 */
export async function dispatchableNotifications(redispatchAfterMs: number, limit: number) {
  const rows = await db
    .selectFrom("notifications")
    .select(["id", "dispatch_round", "dispatched_at"])
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
  return rows.map(dispatchable);
}
