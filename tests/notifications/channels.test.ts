import { createHmac, timingSafeEqual } from "node:crypto";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { sendAgain } from "~/modules/notifications/dispatch-rounds.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  deliverChannelMessage,
  dispatchableChannelDeliveries,
  listChannelDeliveries,
} from "~/modules/notifications/channel-delivery.server";
import {
  enqueueTeamMessage,
  listTeamChannels,
  setTeamChannel,
} from "~/modules/notifications/channels.server";
import { TEAM_KINDS } from "~/modules/notifications/message-content";
import { planReminders, withdrawCycleReminders } from "~/modules/notifications/reminders.server";
import { planTeamMessages } from "~/modules/notifications/team-messages.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import * as channelsRoute from "~/routes/_app.admin.teams.$teamId_.channels";
import { buildGapData } from "../gaps/gap-data";
import { startReceiver } from "../support/http-receiver";
import { buildRequest, call } from "../support/remix";

// Team channels against real HTTP receivers on loopback: what arrives, how often, signed
// how, and what never arrives (one person's reminders).

/** While the fixture's cycle is open and before its due date (2026-11-15). */
const DURING_CYCLE = new Date("2026-10-02T09:00:00Z");

async function fixture() {
  const g = await buildGapData();
  const ctx = await requireMember(buildRequest("/", { cookie: g.admin.cookie }), "admin");
  return { ...g, ctx };
}

async function deliveriesOf(organizationId: string) {
  return db
    .selectFrom("channel_deliveries")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .orderBy("created_at")
    .execute();
}

/** Delivers every pending row the way the worker does: attempts until sent or failed. */
async function deliverAll(organizationId: string, attempts = 5) {
  for (const d of await deliveriesOf(organizationId)) {
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const result = await deliverChannelMessage(d.id, {
        finalAttempt: attempt === attempts,
      }).catch(() => "retry" as const);
      if (result !== "retry") break;
    }
  }
}

// Block Kit (api.slack.com/reference/block-kit/blocks) and Adaptive Card 1.5
// (adaptivecards.io/explorer) as far as our messages use them, with the published limits.
const plainText = (max: number) => ({
  type: "object",
  required: ["type", "text"],
  properties: {
    type: { const: "plain_text" },
    text: { type: "string", minLength: 1, maxLength: max },
  },
});
const blockKitSchema = {
  type: "object",
  required: ["text", "blocks"],
  properties: {
    text: { type: "string", minLength: 1 },
    blocks: {
      type: "array",
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: "object",
            required: ["type", "text"],
            additionalProperties: false,
            properties: { type: { const: "header" }, text: plainText(150) },
          },
          {
            type: "object",
            required: ["type", "text"],
            additionalProperties: false,
            properties: {
              type: { const: "section" },
              text: {
                type: "object",
                required: ["type", "text"],
                properties: {
                  type: { const: "mrkdwn" },
                  text: { type: "string", minLength: 1, maxLength: 3000 },
                },
              },
            },
          },
          {
            type: "object",
            required: ["type", "elements"],
            additionalProperties: false,
            properties: {
              type: { const: "actions" },
              elements: {
                type: "array",
                maxItems: 25,
                items: {
                  type: "object",
                  required: ["type", "text", "action_id"],
                  additionalProperties: false,
                  properties: {
                    type: { const: "button" },
                    action_id: { type: "string", maxLength: 255 },
                    text: plainText(75),
                    url: { type: "string", format: "uri", maxLength: 3000 },
                  },
                },
              },
            },
          },
          {
            type: "object",
            required: ["type", "elements"],
            additionalProperties: false,
            properties: {
              type: { const: "context" },
              elements: {
                type: "array",
                maxItems: 10,
                items: {
                  type: "object",
                  required: ["type", "text"],
                  properties: { type: { const: "mrkdwn" } },
                },
              },
            },
          },
        ],
      },
    },
  },
};
const adaptiveCardMessageSchema = {
  type: "object",
  required: ["type", "attachments"],
  properties: {
    type: { const: "message" },
    attachments: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["contentType", "content"],
        properties: {
          contentType: { const: "application/vnd.microsoft.card.adaptive" },
          content: {
            type: "object",
            required: ["type", "version", "body"],
            properties: {
              type: { const: "AdaptiveCard" },
              version: { const: "1.5" },
              body: {
                type: "array",
                items: {
                  type: "object",
                  required: ["type", "text"],
                  properties: {
                    type: { const: "TextBlock" },
                    text: { type: "string" },
                    wrap: { type: "boolean" },
                    weight: { enum: ["Default", "Lighter", "Bolder"] },
                    size: { enum: ["Default", "Small", "Medium", "Large", "ExtraLarge"] },
                    isSubtle: { type: "boolean" },
                  },
                },
              },
              actions: {
                type: "array",
                items: {
                  type: "object",
                  required: ["type", "title", "url"],
                  properties: {
                    type: { const: "Action.OpenUrl" },
                    url: { type: "string", format: "uri" },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};
const ajv = new Ajv({ allErrors: true });
ajv.addFormat("uri", /^https?:\/\/\S+$/);

describe("team channels", () => {
  it("posts a cycle's announcement to Slack exactly once when the receiver answers 500, then 200, in Block Kit", async () => {
    const t = await fixture();
    const slack = await startReceiver([500, 200]);
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "slack", url: slack.url("/services/T0/B0/x") });
    expect(await planTeamMessages(DURING_CYCLE, { organizationId: t.organizationId })).toBe(1);
    // Scanning again writes nothing new: one key per message and channel.
    expect(await planTeamMessages(DURING_CYCLE, { organizationId: t.organizationId })).toBe(0);
    await deliverAll(t.organizationId);

    expect(slack.received.map((r) => r.answered)).toEqual([500, 200]);
    expect(slack.accepted()).toHaveLength(1);
    const payload = JSON.parse(slack.accepted()[0]!.body);
    expect(ajv.validate(blockKitSchema, payload), ajv.errorsText()).toBe(true);
    expect(payload.text).toContain("is open");
    expect(payload.blocks.at(-2).elements[0].url).toBe("http://localhost:3000/assessment");
    const [delivery] = await listChannelDeliveries(t.organizationId);
    expect(delivery).toMatchObject({
      status: "sent",
      attempts: 2,
      channel_kind: "slack",
      last_error: null,
    });
  });

  it("posts an Adaptive Card 1.5 to Microsoft Teams, and a team's report once it is ready", async () => {
    const t = await fixture();
    const teams = await startReceiver();
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "teams", url: teams.url() });
    const reportId = await generateReport({
      organizationId: t.organizationId,
      cycleId: t.cycleId,
      teamId: t.teamT.id,
      generatedByUserId: null,
      notify: true,
    });
    await deliverAll(t.organizationId);
    expect(teams.accepted()).toHaveLength(1);
    const payload = JSON.parse(teams.accepted()[0]!.body);
    expect(ajv.validate(adaptiveCardMessageSchema, payload), ajv.errorsText()).toBe(true);
    const card = payload.attachments[0].content;
    expect(card.body[0].text).toMatch(/report for .* is ready/);
    expect(card.actions[0].url).toBe(`http://localhost:3000/reports/${reportId}`);
  });

  it("signs the generic webhook so the README's recipe verifies it, and refuses a replay", async () => {
    const t = await fixture();
    const hook = await startReceiver();
    const { secret } = await setTeamChannel(t.ctx, t.teamT.id, {
      kind: "webhook",
      url: hook.url(),
    });
    expect(secret).toMatch(/^whsec_/);
    await planTeamMessages(DURING_CYCLE, { organizationId: t.organizationId });
    await deliverAll(t.organizationId);
    const [request] = hook.accepted();
    expect(request).toBeDefined();

    // The README's recipe, written out independently of the app's code.
    const verify = (
      headers: Record<string, string | string[] | undefined>,
      rawBody: string,
      now: number,
    ) => {
      const timestamp = Number(headers["gapmap-timestamp"]);
      if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > 300) return false;
      const expected = Buffer.from(
        `v1=${createHmac("sha256", secret!).update(`${timestamp}.${rawBody}`).digest("hex")}`,
      );
      const given = Buffer.from(String(headers["gapmap-signature"]));
      return expected.length === given.length && timingSafeEqual(expected, given);
    };
    const now = Math.floor(Date.now() / 1000);
    expect(verify(request!.headers, request!.body, now)).toBe(true);
    expect(verify(request!.headers, request!.body.replace("open", "shut"), now)).toBe(false);
    // Six minutes later the same request is a replay.
    expect(verify(request!.headers, request!.body, now + 360)).toBe(false);

    const body = JSON.parse(request!.body);
    expect(body).toMatchObject({
      id: request!.headers["gapmap-delivery"],
      type: "cycle_opened",
      organizationId: t.organizationId,
      team: { id: t.teamT.id, name: t.teamT.name },
      action: { label: "Open your self-assessment", url: "http://localhost:3000/assessment" },
      data: { cycleId: t.cycleId, dueOn: "2026-11-15" },
    });
    expect(Date.parse(body.createdAt)).not.toBeNaN();
  });

  it("disables a channel whose receiver answers 410, with the reason on the team's page, and sends it nothing more", async () => {
    const t = await fixture();
    const gone = await startReceiver([410]);
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "slack", url: gone.url() });
    await planTeamMessages(DURING_CYCLE, { organizationId: t.organizationId });
    await deliverAll(t.organizationId);
    expect(gone.received).toHaveLength(1);

    const page = await call<Awaited<ReturnType<typeof channelsRoute.loader>>>(
      channelsRoute.loader,
      buildRequest(`/admin/teams/${t.teamT.id}/channels`, { cookie: t.admin.cookie }),
      { teamId: t.teamT.id },
    );
    const [channel] = page.data.channels;
    expect(channel!.disabledAt).not.toBeNull();
    expect(channel!.disabledReason).toMatch(
      /Slack answered HTTP 410: channel_is_archived .*no longer exists/,
    );
    const [delivery] = await listChannelDeliveries(t.organizationId);
    expect(delivery).toMatchObject({ status: "failed" });
    expect(delivery!.last_error).toMatch(/410.*now disabled/);

    // A report later: nothing is written for a disabled channel, nothing more arrives.
    await generateReport({
      organizationId: t.organizationId,
      cycleId: t.cycleId,
      teamId: t.teamT.id,
      generatedByUserId: null,
      notify: true,
    });
    expect(await deliveriesOf(t.organizationId)).toHaveLength(1);
    // Sending the failed one again finds the channel disabled and says so.
    await sendAgain(t.ctx, "channel_deliveries", delivery!.id, null);
    await deliverAll(t.organizationId);
    expect(gone.received).toHaveLength(1);
    expect((await listChannelDeliveries(t.organizationId))[0]!.last_error).toMatch(
      /channel is disabled/,
    );
  });

  it("never posts one person's reminder to a team channel: only team kinds, and the lead's digest to the teams they lead", async () => {
    const t = await fixture();
    const receiverT = await startReceiver();
    const receiverU = await startReceiver();
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "webhook", url: receiverT.url() });
    await setTeamChannel(t.ctx, t.teamU.id, { kind: "webhook", url: receiverU.url() });
    // After the due date: overdue self-assessments, due check-ins and the lead's digest.
    const afterDue = new Date("2026-11-20T09:00:00Z");
    const personal = await planReminders(afterDue, { organizationId: t.organizationId });
    expect(personal).toBeGreaterThan(0);
    const kinds = await db
      .selectFrom("notifications")
      .select("kind")
      .distinct()
      .where("organization_id", "=", t.organizationId)
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining(["assessment_overdue", "lead_digest"]),
    );
    await planTeamMessages(afterDue, { organizationId: t.organizationId });
    await deliverAll(t.organizationId);

    const arrived = [...receiverT.accepted(), ...receiverU.accepted()].map(
      (r) => JSON.parse(r.body) as { type: string; title: string; lines: string[] },
    );
    expect(arrived.length).toBeGreaterThan(0);
    expect(arrived.every((m) => (TEAM_KINDS as readonly string[]).includes(m.type))).toBe(true);
    expect(arrived.some((m) => /overdue|due on/i.test(`${m.title} ${m.lines.join(" ")}`))).toBe(
      false,
    );
    // Lee leads Team T only: the digest reaches T's channel, not U's.
    expect(receiverT.accepted().map((r) => JSON.parse(r.body).type)).toContain("lead_digest");
    expect(receiverU.accepted().map((r) => JSON.parse(r.body).type)).not.toContain("lead_digest");
    // And the outbox refuses a personal kind outright.
    await expect(
      enqueueTeamMessage(db, {
        organizationId: t.organizationId,
        teamIds: [t.teamT.id],
        key: "x",
        content: {
          kind: "assessment_overdue",
          title: "x",
          lines: [],
          action: { label: "x", url: "http://x" },
        },
      }),
    ).rejects.toThrow(/personal message/);
  });

  it("a lead's muted digest is not posted to the team either", async () => {
    const t = await fixture();
    const receiver = await startReceiver();
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "webhook", url: receiver.url() });
    await db
      .insertInto("notification_mutes")
      .values({ organization_id: t.organizationId, user_id: t.lee.id, kind: "lead_digest" })
      .execute();
    const afterDue = new Date("2026-11-20T09:00:00Z");
    await planReminders(afterDue, { organizationId: t.organizationId });
    await planTeamMessages(afterDue, { organizationId: t.organizationId });
    await deliverAll(t.organizationId);
    expect(receiver.accepted().map((r) => JSON.parse(r.body).type)).not.toContain("lead_digest");
  });

  it("withdraws a cycle's announcement not yet posted when the cycle closes", async () => {
    const t = await fixture();
    const receiver = await startReceiver();
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "slack", url: receiver.url() });
    await planTeamMessages(DURING_CYCLE, { organizationId: t.organizationId });
    expect(await deliveriesOf(t.organizationId)).toHaveLength(1);
    await db
      .transaction()
      .execute((trx) => withdrawCycleReminders(trx, t.organizationId, t.cycleId));
    expect(await deliveriesOf(t.organizationId)).toHaveLength(0);
  });

  it("fails, without resending, a delivery cut off mid-send (the worker was killed): it may have arrived", async () => {
    const t = await fixture();
    const receiver = await startReceiver();
    await setTeamChannel(t.ctx, t.teamT.id, { kind: "slack", url: receiver.url() });
    await planTeamMessages(DURING_CYCLE, { organizationId: t.organizationId });
    const [row] = await deliveriesOf(t.organizationId);
    // What a killed worker leaves: claimed, never finished.
    await db
      .updateTable("channel_deliveries")
      .set({ status: "sending", sending_since: new Date(Date.now() - 600_000) })
      .where("id", "=", row!.id)
      .execute();
    const dispatchable = await dispatchableChannelDeliveries(120_000, 100);
    expect(dispatchable.map((d) => d.id)).not.toContain(row!.id);
    const [after] = await listChannelDeliveries(t.organizationId);
    expect(after).toMatchObject({ status: "failed" });
    expect(after!.last_error).toMatch(/may have arrived/);
    expect(await deliverChannelMessage(row!.id)).toBe("skipped");
    expect(receiver.received).toHaveLength(0);
  });

  it("stores the URL and secret sealed, shows only the host, and refuses plain http and over-long URLs beside the field", async () => {
    const t = await fixture();
    const receiver = await startReceiver();
    const url = receiver.url("/secret-path-token");
    const { secret } = await setTeamChannel(t.ctx, t.teamT.id, { kind: "webhook", url });
    const stored = await db
      .selectFrom("team_channels")
      .selectAll()
      .where("team_id", "=", t.teamT.id)
      .executeTakeFirstOrThrow();
    expect(stored.url_sealed).not.toContain("secret-path-token");
    expect(stored.secret_sealed).not.toContain(secret!.slice(6));
    const listed = JSON.stringify(await listTeamChannels(t.organizationId, t.teamT.id));
    expect(listed).not.toContain("secret-path-token");
    expect(listed).not.toContain(secret!);

    const post = (form: Record<string, string>) =>
      call<{ ok: boolean; fieldErrors: Record<string, string> }>(
        channelsRoute.action,
        buildRequest(`/admin/teams/${t.teamT.id}/channels`, { form, cookie: t.admin.cookie }),
        { teamId: t.teamT.id },
      );
    const plain = await post({
      intent: "set",
      kind: "slack",
      url: "http://hooks.example.com/services/x",
    });
    expect(plain.status).toBe(422);
    expect(plain.data.fieldErrors.url).toMatch(/https:\/\//);
    const long = await post({
      intent: "set",
      kind: "slack",
      url: `https://hooks.slack.com/${"a".repeat(20_000)}`,
    });
    expect(long.status).toBe(422);
    expect(long.data.fieldErrors.url).toMatch(/at most 2,048 characters/);
    // The channel saved before is still there.
    expect(await listTeamChannels(t.organizationId, t.teamT.id)).toHaveLength(1);

    // Another organisation's team is not found.
    const other = await fixture();
    const foreign = await call(
      channelsRoute.action,
      buildRequest(`/admin/teams/${t.teamT.id}/channels`, {
        form: { intent: "set", kind: "slack", url: "https://hooks.slack.com/x" },
        cookie: other.admin.cookie,
      }),
      { teamId: t.teamT.id },
    );
    expect(foreign.status).toBe(404);
    expect(await listTeamChannels(t.organizationId, t.teamT.id)).toHaveLength(1);
  });

  it("sends a test message from the team's page and reports a receiver's refusal beside the form", async () => {
    const t = await fixture();
    const receiver = await startReceiver([200, 500]);
    const { channel } = await setTeamChannel(t.ctx, t.teamT.id, {
      kind: "slack",
      url: receiver.url(),
    });
    const test = () =>
      call<{ ok: boolean; message?: string; formError?: string }>(
        channelsRoute.action,
        buildRequest(`/admin/teams/${t.teamT.id}/channels`, {
          form: { intent: "test", channelId: channel.id },
          cookie: t.admin.cookie,
        }),
        { teamId: t.teamT.id },
      );
    const first = await test();
    expect(first.data).toMatchObject({ ok: true, message: "Test message delivered." });
    expect(JSON.parse(receiver.received[0]!.body).text).toContain("Test message from Gapmap");
    const second = await test();
    expect(second.status).toBe(422);
    expect(second.data.formError).toMatch(/not delivered: Slack answered HTTP 500/);
  });
});
