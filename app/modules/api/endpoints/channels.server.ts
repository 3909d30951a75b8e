import { z } from "zod";
import { invalid } from "~/lib/errors.server";
import { sendTestMessage } from "~/modules/notifications/channel-delivery.server";
import { CHANNEL_KINDS, MAX_CHANNEL_URL_LENGTH } from "~/modules/notifications/channel-schemas";
import {
  channelInput,
  listTeamChannels,
  removeTeamChannel,
  setTeamChannel,
  type TeamChannelView,
} from "~/modules/notifications/channels.server";
import { getTeam } from "~/modules/accounts/teams.server";
import { endpoint, id, isoTime } from "../api-endpoint.server";

// Team channels (Slack, Microsoft Teams, signed webhooks): the admin page's operations for
// an admin token. The URL and secret are write-only: a webhook's secret is in the answer to
// its creation and nowhere else.

const ChannelSchema = z.object({
  id,
  teamId: id,
  kind: z.enum(CHANNEL_KINDS),
  host: z.string().describe("The URL's host; the URL itself is never shown again."),
  disabled: z.boolean(),
  disabledReason: z
    .string()
    .nullable()
    .describe("Why it stopped, e.g. the receiver answered 410 Gone. Setting it again resumes it."),
  createdAt: isoTime,
});

const channelJson = (c: TeamChannelView): z.input<typeof ChannelSchema> => ({
  id: c.id,
  teamId: c.teamId,
  kind: c.kind,
  host: c.host,
  disabled: c.disabledAt !== null,
  disabledReason: c.disabledReason,
  createdAt: c.createdAt.toISOString(),
});

const ChannelRef = z.strictObject({ teamId: id, channelId: id });

export const channelEndpoints = [
  endpoint({
    operationId: "listTeamChannels",
    method: "GET",
    path: "/teams/{teamId}/channels",
    tag: "Channels",
    summary: "List a team's channels",
    write: false,
    params: z.object({ teamId: id }),
    success: { status: 200, schema: z.object({ data: z.array(ChannelSchema) }) },
    async handle({ actor, params }) {
      const team = await getTeam(actor.organization.id, params.teamId);
      const channels = await listTeamChannels(actor.organization.id, team.id);
      return { json: { data: channels.map(channelJson) } };
    },
  }),
  endpoint({
    operationId: "setTeamChannel",
    method: "POST",
    path: "/channels",
    tag: "Channels",
    summary: "Connect or replace a team's channel",
    description:
      "One channel of each kind per team; setting a kind again replaces its URL (and a webhook's secret) and resumes a disabled channel. The URL must be https. A signed webhook's `secret` is returned here only: store it in the receiver, which verifies each request's `Gapmap-Signature` (see the README).",
    write: true,
    body: z.strictObject({
      teamId: id,
      kind: z.enum(CHANNEL_KINDS),
      url: z
        .string()
        .max(MAX_CHANNEL_URL_LENGTH * 16)
        .describe(`An https URL of at most ${MAX_CHANNEL_URL_LENGTH} characters.`),
    }),
    success: {
      status: 201,
      schema: z.object({
        channel: ChannelSchema,
        secret: z
          .string()
          .nullable()
          .describe("A signed webhook's signing secret, shown once; null for Slack and Teams."),
      }),
    },
    async handle({ actor, body, ip, principal }) {
      const input = channelInput().safeParse({ kind: body.kind, url: body.url });
      if (!input.success)
        throw invalid(
          "The channel is not valid.",
          Object.fromEntries(input.error.issues.map((i) => [String(i.path[0]), i.message])),
        );
      const { channel, secret } = await setTeamChannel(actor, body.teamId, input.data, {
        ip,
        actorTokenId: principal.tokenId,
      });
      return {
        status: 201,
        json: { channel: channelJson(channel), secret },
        auditObjectId: channel.id,
      };
    },
  }),
  endpoint({
    operationId: "testTeamChannel",
    method: "POST",
    path: "/channels/test",
    tag: "Channels",
    summary: "Send a test message to a channel",
    description:
      "Posts a test message now, outside the outbox, and says whether the receiver accepted it.",
    write: true,
    body: ChannelRef,
    success: {
      status: 200,
      schema: z.object({ delivered: z.boolean(), reason: z.string().nullable() }),
    },
    async handle({ actor, body, ip, principal }) {
      const outcome = await sendTestMessage(actor, body.teamId, body.channelId, {
        ip,
        actorTokenId: principal.tokenId,
      });
      return {
        json: { delivered: outcome.ok, reason: outcome.ok ? null : outcome.reason },
        auditObjectId: body.channelId,
      };
    },
  }),
  endpoint({
    operationId: "removeTeamChannel",
    method: "POST",
    path: "/channels/remove",
    tag: "Channels",
    summary: "Remove a channel",
    write: true,
    body: ChannelRef,
    success: { status: 200, schema: z.object({ removed: z.literal(true) }) },
    async handle({ actor, body, ip, principal }) {
      await removeTeamChannel(actor, body.teamId, body.channelId, {
        ip,
        actorTokenId: principal.tokenId,
      });
      return { json: { removed: true }, auditObjectId: body.channelId };
    },
  }),
];
