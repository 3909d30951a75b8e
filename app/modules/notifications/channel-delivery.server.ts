import { createHmac } from "node:crypto";
import {
  IncomingWebhook,
  IncomingWebhookHTTPError,
  IncomingWebhookRequestError,
} from "@slack/webhook";
import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import { env } from "~/lib/env.server";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { CHANNEL_LABEL } from "./channel-schemas";
import { dispatchable } from "./dispatch-rounds.server";
import { channelTarget, disableChannel, type ChannelTarget } from "./channels.server";
import type { MessageContent } from "./message-content";

// Sends the channel outbox (ADR 012): each delivery is claimed ("sending", committed) before
// its POST, so it goes out at most once whatever happens to the worker. A refusal the
// receiver answered (an HTTP error status) or a connection that never opened is retried with
// backoff; a connection lost mid-request may have delivered, so it is failed for an admin to
// check and send again, never resent on its own. HTTP 410 means the webhook is gone: the
// channel is disabled with the reason, shown on the team's page.

const TIMEOUT_MS = 10_000;

// ------------------------------------------------------------------ payloads

const slackEscape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** A Block Kit message: the heading, one section per line, a button back to the page. */
export function slackPayload(content: MessageContent, teamName: string) {
  return {
    text: content.title,
    blocks: [
      { type: "header", text: { type: "plain_text", text: content.title.slice(0, 150) } },
      ...content.lines.map((line) => ({
        type: "section",
        text: { type: "mrkdwn", text: slackEscape(line).slice(0, 3000) },
      })),
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: "open",
            text: { type: "plain_text", text: content.action.label.slice(0, 75) },
            url: content.action.url,
          },
        ],
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: slackEscape(`Gapmap · ${teamName}`) }],
      },
    ],
  };
}

/** An Adaptive Card 1.5 in the message envelope Teams' incoming webhooks (Workflows) take. */
export function teamsPayload(content: MessageContent, teamName: string) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.5",
          body: [
            {
              type: "TextBlock",
              text: content.title,
              weight: "Bolder",
              size: "Medium",
              wrap: true,
            },
            ...content.lines.map((line) => ({ type: "TextBlock", text: line, wrap: true })),
            {
              type: "TextBlock",
              text: `Gapmap · ${teamName}`,
              isSubtle: true,
              size: "Small",
              wrap: true,
            },
          ],
          actions: [
            { type: "Action.OpenUrl", title: content.action.label, url: content.action.url },
          ],
        },
      },
    ],
  };
}

/** The signed webhook's JSON body (schema in README, "Signed webhooks"). */
export function webhookBody(
  content: MessageContent,
  delivery: { id: string; createdAt: Date },
  target: Pick<ChannelTarget, "organizationId" | "teamId" | "teamName">,
) {
  return {
    id: delivery.id,
    type: content.kind,
    createdAt: delivery.createdAt.toISOString(),
    organizationId: target.organizationId,
    team: { id: target.teamId, name: target.teamName },
    title: content.title,
    lines: content.lines,
    action: content.action,
    data: content.data ?? {},
  };
}

/** `v1=` + hex HMAC-SHA256 of "<timestamp>.<body>" under the channel's secret. */
export function webhookSignature(secret: string, timestamp: number, body: string) {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

// ------------------------------------------------------------------ sending

export type SendOutcome =
  | { ok: true }
  | { ok: false; reason: string; status?: number; gone: boolean; mayHaveArrived: boolean };

/** A request that failed before any byte could reach the receiver: safe to send again. */
function neverConnected(error: unknown): boolean {
  const code =
    (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(
    code ?? "",
  );
}

function httpRefusal(label: string, status: number, body: string): SendOutcome {
  return {
    ok: false,
    status,
    gone: status === 410,
    mayHaveArrived: false,
    reason: `${label} answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ""}`,
  };
}

function networkFailure(label: string, error: unknown): SendOutcome {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { message?: string } })?.cause?.message;
  const detail = cause ? `${message} (${cause})` : message;
  return neverConnected(error)
    ? {
        ok: false,
        gone: false,
        mayHaveArrived: false,
        reason: `${label} could not be reached: ${detail}`,
      }
    : {
        ok: false,
        gone: false,
        mayHaveArrived: true,
        reason: `${label}: ${detail}; the connection was lost after the message was sent, so it may have arrived`,
      };
}

async function postJson(url: string, body: string, headers: Record<string, string>) {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "Gapmap", ...headers },
    body,
    // A webhook that redirects is refused rather than followed somewhere unchecked.
    redirect: "error",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

/** Posts a message to a channel and says how it went; never throws. */
export async function postToChannel(
  target: ChannelTarget,
  content: MessageContent,
  delivery: { id: string; createdAt: Date },
): Promise<SendOutcome> {
  const label = CHANNEL_LABEL[target.kind];
  try {
    if (target.kind === "slack") {
      await new IncomingWebhook(target.url, { timeout: TIMEOUT_MS }).send(
        slackPayload(content, target.teamName) as never,
      );
      return { ok: true };
    }
    let body: string;
    const headers: Record<string, string> = {};
    if (target.kind === "teams") body = JSON.stringify(teamsPayload(content, target.teamName));
    else {
      body = JSON.stringify(webhookBody(content, delivery, target));
      const timestamp = Math.floor(Date.now() / 1000);
      headers["Gapmap-Delivery"] = delivery.id;
      headers["Gapmap-Timestamp"] = String(timestamp);
      headers["Gapmap-Signature"] = webhookSignature(target.secret ?? "", timestamp, body);
    }
    const response = await postJson(target.url, body, headers);
    const text = await response.text().catch(() => "");
    return response.ok ? { ok: true } : httpRefusal(label, response.status, text);
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError)
      return httpRefusal(label, error.statusCode, error.body);
    if (error instanceof IncomingWebhookRequestError) return networkFailure(label, error.original);
    return networkFailure(label, error);
  }
}

const goneReason = (outcome: SendOutcome & { ok: false }) =>
  `${outcome.reason} on ${new Date().toISOString().slice(0, 10)}: the webhook no longer exists. Set the channel again to resume.`;

/** sent by this call; skipped: not pending (sent, failed, or claimed by another delivery). */
export type ChannelDeliveryResult = "sent" | "skipped" | "failed";

/**
 * Delivers one channel outbox row. A refusal worth retrying leaves it pending with the
 * reason (failed on the last attempt) and throws, so the job retries with backoff.
 */
export async function deliverChannelMessage(
  deliveryId: string,
  { finalAttempt = false }: { finalAttempt?: boolean } = {},
): Promise<ChannelDeliveryResult> {
  const claimed = await db
    .updateTable("channel_deliveries")
    .set((eb) => ({
      status: "sending",
      sending_since: new Date(),
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "=", deliveryId)
    .where("status", "=", "pending")
    .returning(["id", "channel_id", "content", "created_at"])
    .executeTakeFirst();
  if (!claimed) return "skipped";
  const finish = (status: "sent" | "pending" | "failed", lastError: string | null) =>
    db
      .updateTable("channel_deliveries")
      .set({
        status,
        last_error: lastError?.slice(0, 1000) ?? null,
        sending_since: null,
        sent_at: status === "sent" ? new Date() : null,
      })
      .where("id", "=", deliveryId)
      .where("status", "=", "sending")
      .execute();
  const target = await channelTarget(claimed.channel_id);
  if (!target || target.disabledReason) {
    await finish("failed", `The channel is disabled: ${target?.disabledReason ?? "removed"}`);
    return "failed";
  }
  const outcome = await postToChannel(target, claimed.content as MessageContent, {
    id: claimed.id,
    createdAt: claimed.created_at,
  });
  if (outcome.ok) {
    await finish("sent", null);
    return "sent";
  }
  if (outcome.gone) {
    const reason = goneReason(outcome);
    await disableChannel(target.id, reason);
    await finish("failed", `${reason} The channel is now disabled.`);
    return "failed";
  }
  if (outcome.mayHaveArrived) {
    await finish("failed", outcome.reason);
    return "failed";
  }
  await finish(finalAttempt ? "failed" : "pending", outcome.reason);
  throw new Error(outcome.reason);
}

/** Sends a test message to a channel now, outside the outbox, and says how it went. */
export async function sendTestMessage(
  ctx: MemberContext,
  teamId: string,
  channelId: string,
  { ip = null, actorTokenId = null }: { ip?: string | null; actorTokenId?: string | null } = {},
): Promise<SendOutcome> {
  if (!z.uuid().safeParse(channelId).success || !z.uuid().safeParse(teamId).success)
    throw notFound("Channel");
  const target = await channelTarget(channelId);
  if (!target || target.organizationId !== ctx.organization.id || target.teamId !== teamId)
    throw notFound("Channel");
  const outcome = await postToChannel(
    target,
    {
      kind: "test",
      title: `Test message from Gapmap for ${target.teamName}`,
      lines: [
        `${ctx.user.displayName} connected this channel: ${target.teamName} will get its review cycles, the lead's weekly digest and its quarterly reports here.`,
      ],
      action: { label: "Open Gapmap", url: `${env().APP_URL}/dashboard` },
      data: {},
    },
    { id: `test-${Date.now()}`, createdAt: new Date() },
  );
  if (!outcome.ok) {
    if (outcome.gone) await disableChannel(target.id, goneReason(outcome));
    return outcome;
  }
  // A message went out in the organisation's name: recorded (a refused one changed nothing).
  await recordAudit({
    organizationId: ctx.organization.id,
    actorUserId: ctx.user.id,
    actorTokenId,
    action: "team_channel.test",
    objectType: "team",
    objectId: teamId,
    details: { kind: target.kind },
    ip,
  });
  return outcome;
}

// ------------------------------------------------------------------ dispatching

/**
 * Pending deliveries needing a job (never dispatched, or dispatched long ago: the job may be
 * lost), after failing those a delivery claimed and never finished (the worker was killed
 * mid-send: it may have arrived, so it is not sent again on its own).
 */
export async function dispatchableChannelDeliveries(redispatchAfterMs: number, limit: number) {
  const cutoff = new Date(Date.now() - redispatchAfterMs);
  await db
    .updateTable("channel_deliveries")
    .set({
      status: "failed",
      sending_since: null,
      last_error:
        "The worker stopped during the send, so the message may have arrived; send it again if it did not.",
    })
    .where("status", "=", "sending")
    .where("sending_since", "<", cutoff)
    .execute();
  const rows = await db
    .selectFrom("channel_deliveries")
    .select(["id", "dispatch_round", "dispatched_at"])
    .where("status", "=", "pending")
    .where((eb) => eb.or([eb("dispatched_at", "is", null), eb("dispatched_at", "<", cutoff)]))
    .orderBy(sql`dispatched_at NULLS FIRST`)
    .orderBy("created_at")
    .limit(limit)
    .execute();
  return rows.map(dispatchable);
}

// ------------------------------------------------------------------ reading, retrying

export function listChannelDeliveries(organizationId: string, { limit = 100 } = {}) {
  return db
    .selectFrom("channel_deliveries as d")
    .innerJoin("team_channels as c", "c.id", "d.channel_id")
    .innerJoin("teams as t", "t.id", "c.team_id")
    .select([
      "d.id",
      "d.kind",
      "c.kind as channel_kind",
      "t.name as team_name",
      sql<string>`d.content->>'title'`.as("title"),
      "d.status",
      "d.attempts",
      "d.last_error",
      "d.created_at",
      "d.sent_at",
    ])
    .where("d.organization_id", "=", organizationId)
    .orderBy("d.created_at", "desc")
    .limit(limit)
    .execute();
}
