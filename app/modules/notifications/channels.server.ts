import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { env } from "~/lib/env.server";
import { invalid, notFound } from "~/lib/errors.server";
import { openSecret, sealSecret } from "~/lib/secret-box.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { channelInputSchema, type ChannelInput } from "./channel-schemas";
import { isTeamKind, type MessageContent } from "./message-content";

// A team's channels (Slack, Microsoft Teams, a signed webhook): set, listed, removed and
// tested by admins, and the one way team messages enter the channel outbox. The URL and
// the webhook secret are sealed with ENCRYPTION_KEY, bound to the channel's id, and never
// shown again; the page shows the URL's host.

/** Plain http to a loopback receiver is allowed outside production only. */
export const channelInput = () => channelInputSchema(env().NODE_ENV !== "production");

const urlPurpose = (channelId: string) => `team-channel-url:${channelId}`;
const secretPurpose = (channelId: string) => `team-channel-secret:${channelId}`;

export interface TeamChannelView {
  id: string;
  teamId: string;
  kind: ChannelInput["kind"];
  host: string;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
}

const isUuid = (value: string) => z.uuid().safeParse(value).success;

async function requireTeam(organizationId: string, teamId: string) {
  if (!isUuid(teamId)) throw notFound("Team");
  const team = await db
    .selectFrom("teams")
    .select(["id", "name"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", teamId)
    .executeTakeFirst();
  if (!team) throw notFound("Team");
  return team;
}

export async function listTeamChannels(
  organizationId: string,
  teamId?: string,
): Promise<TeamChannelView[]> {
  let query = db
    .selectFrom("team_channels")
    .select(["id", "team_id", "kind", "url_host", "disabled_at", "disabled_reason", "created_at"])
    .where("organization_id", "=", organizationId)
    .orderBy("created_at");
  if (teamId) query = query.where("team_id", "=", teamId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    teamId: r.team_id,
    kind: r.kind,
    host: r.url_host,
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
  }));
}

/**
 * Connects (or replaces) the team's channel of this kind. A signed webhook gets a new
 * secret, returned here once for the admin to copy; it is never shown again.
 */
export async function setTeamChannel(
  ctx: MemberContext,
  teamId: string,
  input: ChannelInput,
  { ip = null, actorTokenId = null }: { ip?: string | null; actorTokenId?: string | null } = {},
): Promise<{ channel: TeamChannelView; secret: string | null }> {
  await requireTeam(ctx.organization.id, teamId);
  const secret = input.kind === "webhook" ? `whsec_${randomBytes(32).toString("base64url")}` : null;
  const host = new URL(input.url).host;
  // Setting a kind again replaces its URL (and secret) in place, so its delivery history
  // stays, and clears a "gone" mark: the admin has given a working address.
  const id = await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("team_channels")
      .select("id")
      .where("organization_id", "=", ctx.organization.id)
      .where("team_id", "=", teamId)
      .where("kind", "=", input.kind)
      .forUpdate()
      .executeTakeFirst();
    const id = existing?.id ?? randomUUID();
    const sealed = {
      url_sealed: sealSecret(input.url, urlPurpose(id)),
      url_host: host,
      secret_sealed: secret ? sealSecret(secret, secretPurpose(id)) : null,
      disabled_at: null,
      disabled_reason: null,
    };
    if (existing) await trx.updateTable("team_channels").set(sealed).where("id", "=", id).execute();
    else
      await trx
        .insertInto("team_channels")
        .values({
          id,
          organization_id: ctx.organization.id,
          team_id: teamId,
          kind: input.kind,
          created_by_user_id: ctx.user.id,
          ...sealed,
        })
        .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        actorTokenId,
        action: "team_channel.set",
        objectType: "team",
        objectId: teamId,
        details: { kind: input.kind, host },
        ip,
      },
      trx,
    );
    return id;
  });
  const [channel] = (await listTeamChannels(ctx.organization.id, teamId)).filter(
    (c) => c.id === id,
  );
  return { channel: channel!, secret };
}

export async function removeTeamChannel(
  ctx: MemberContext,
  teamId: string,
  channelId: string,
  { ip = null, actorTokenId = null }: { ip?: string | null; actorTokenId?: string | null } = {},
) {
  if (!isUuid(teamId) || !isUuid(channelId)) throw notFound("Channel");
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom("team_channels")
      .where("organization_id", "=", ctx.organization.id)
      .where("team_id", "=", teamId)
      .where("id", "=", channelId)
      .returning(["kind", "url_host"])
      .executeTakeFirst();
    if (!removed) throw notFound("Channel");
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        actorTokenId,
        action: "team_channel.remove",
        objectType: "team",
        objectId: teamId,
        details: { kind: removed.kind, host: removed.url_host },
        ip,
      },
      trx,
    );
  });
}

export interface ChannelTarget {
  id: string;
  organizationId: string;
  teamId: string;
  teamName: string;
  kind: ChannelInput["kind"];
  url: string;
  secret: string | null;
  disabledReason: string | null;
}

/** A channel with its URL and secret opened, for sending. */
export async function channelTarget(channelId: string): Promise<ChannelTarget | null> {
  const row = await db
    .selectFrom("team_channels as c")
    .innerJoin("teams as t", "t.id", "c.team_id")
    .select([
      "c.id",
      "c.organization_id",
      "c.team_id",
      "t.name as team_name",
      "c.kind",
      "c.url_sealed",
      "c.secret_sealed",
      "c.disabled_at",
      "c.disabled_reason",
    ])
    .where("c.id", "=", channelId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    organizationId: row.organization_id,
    teamId: row.team_id,
    teamName: row.team_name,
    kind: row.kind,
    url: openSecret(row.url_sealed, urlPurpose(row.id)),
    secret: row.secret_sealed ? openSecret(row.secret_sealed, secretPurpose(row.id)) : null,
    disabledReason: row.disabled_at ? (row.disabled_reason ?? "disabled") : null,
  };
}

/** The receiver said the channel is gone: nothing more goes to it until an admin sets it again. */
export async function disableChannel(channelId: string, reason: string) {
  await db
    .updateTable("team_channels")
    .set({ disabled_at: new Date(), disabled_reason: reason.slice(0, 500) })
    .where("id", "=", channelId)
    .where("disabled_at", "is", null)
    .execute();
}

/**
 * Writes a team message to the channel outbox: one delivery per enabled channel of the given
 * teams, keyed by the message's key and the channel, so writing it again adds nothing. Only
 * team kinds are accepted: a channel never carries one person's reminder.
 */
export async function enqueueTeamMessage(
  executor: Kysely<Database>,
  message: { organizationId: string; teamIds: string[]; key: string; content: MessageContent },
): Promise<number> {
  if (!isTeamKind(message.content.kind))
    throw invalid(`"${message.content.kind}" is a personal message, not one for a team channel.`);
  if (!message.teamIds.length) return 0;
  const channels = await executor
    .selectFrom("team_channels")
    .select("id")
    .where("organization_id", "=", message.organizationId)
    .where("team_id", "in", message.teamIds)
    .where("disabled_at", "is", null)
    .execute();
  if (!channels.length) return 0;
  const inserted = await executor
    .insertInto("channel_deliveries")
    .values(
      channels.map((c) => ({
        organization_id: message.organizationId,
        channel_id: c.id,
        kind: message.content.kind,
        idempotency_key: `${message.key}@${c.id}`,
        content: JSON.stringify(message.content),
      })),
    )
    .onConflict((oc) => oc.columns(["idempotency_key", "organization_id"]).doNothing())
    .returning("id")
    .execute();
  return inserted.length;
}
