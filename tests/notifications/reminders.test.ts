import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { readMuteToken, setMuted } from "~/modules/notifications/mutes.server";
import { planReminders } from "~/modules/notifications/reminders.server";
import * as muteRoute from "~/routes/mute.$token";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";
import { buildRequest, call } from "../support/remix";

let org: Awaited<ReturnType<typeof createOrgWithAdmin>>;
let people: Record<
  "lead" | "drafting" | "submitted" | "gone",
  Awaited<ReturnType<typeof addMember>>
>;
let mentorshipId: string;

// Tokyo is UTC+9: the scan must use the organisation's date, not the server's.
beforeEach(async () => {
  org = await createOrgWithAdmin();
  await db
    .updateTable("organizations")
    .set({ time_zone: "Asia/Tokyo" })
    .where("id", "=", org.organizationId)
    .execute();
  people = {
    lead: await addMember(org.organizationId, "lead", "Lena Lead"),
    drafting: await addMember(org.organizationId, "engineer", "Dora Draft"),
    submitted: await addMember(org.organizationId, "engineer", "Sam Submitted"),
    gone: await addMember(org.organizationId, "engineer", "Gus Gone"),
  };
  await db
    .updateTable("memberships")
    .set({ active: false })
    .where("id", "=", people.gone.membershipId)
    .execute();
  const team = await createTeamRow(org.organizationId, "Core");
  await db
    .insertInto("team_members")
    .values([
      {
        organization_id: org.organizationId,
        team_id: team.id,
        membership_id: people.lead.membershipId,
        is_lead: true,
      },
      {
        organization_id: org.organizationId,
        team_id: team.id,
        membership_id: people.drafting.membershipId,
      },
      {
        organization_id: org.organizationId,
        team_id: team.id,
        membership_id: people.submitted.membershipId,
      },
    ])
    .execute();
  const framework = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.current_version_id"])
    .where("o.id", "=", org.organizationId)
    .executeTakeFirstOrThrow();
  const cycle = await db
    .insertInto("cycles")
    .values({
      organization_id: org.organizationId,
      framework_version_id: framework.current_version_id as string,
      name: "2026-Q4",
      status: "open",
      starts_on: "2026-10-01",
      due_on: "2026-11-20",
      ends_on: "2026-12-31",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("assessments")
    .values([
      {
        organization_id: org.organizationId,
        cycle_id: cycle.id,
        member_id: people.drafting.membershipId,
      },
      ...[people.submitted.membershipId, people.lead.membershipId, org.admin.membershipId].map(
        (memberId) => ({
          organization_id: org.organizationId,
          cycle_id: cycle.id,
          member_id: memberId,
          status: "submitted" as const,
          submitted_at: new Date(),
        }),
      ),
    ])
    .execute();
  const topic = await db
    .selectFrom("topic_revisions")
    .select("topic_id")
    .where("framework_version_id", "=", framework.current_version_id as string)
    .executeTakeFirstOrThrow();
  const mentorship = await db
    .insertInto("mentorships")
    .values({
      organization_id: org.organizationId,
      mentor_id: people.lead.membershipId,
      mentee_id: people.drafting.membershipId,
      topic_id: topic.topic_id,
      goal_level: 3,
      cadence_days: 7,
      status: "active",
      starts_on: "2026-11-01",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  mentorshipId = mentorship.id;
});

const scan = (now: Date) => planReminders(now, { organizationId: org.organizationId });

async function outbox() {
  const rows = await db
    .selectFrom("notifications")
    .select(["kind", "recipient_email", "idempotency_key", "subject", "body_text"])
    .where("organization_id", "=", org.organizationId)
    .orderBy("kind")
    .orderBy("recipient_email")
    .execute();
  return rows;
}

const keysOf = async (kind: string) =>
  (await outbox()).filter((r) => r.kind === kind).map((r) => r.recipient_email);

describe("the reminder scan", () => {
  it("decides on the organisation's date: 1 day before the due date in Tokyo is 2 in UTC", async () => {
    // 2026-11-18 16:00 UTC is 2026-11-19 01:00 in Tokyo, the day before the due date.
    await scan(new Date("2026-11-18T16:00:00Z"));
    const due = (await outbox()).filter((r) => r.kind === "assessment_due");
    expect(due.map((r) => r.recipient_email)).toEqual([people.drafting.email]);
    expect(due[0]!.idempotency_key).toMatch(/^assessment_due:[0-9a-f-]+:1:/);
    expect(due[0]!.subject).toBe("Your 2026-Q4 self-assessment is due in 1 day");
    expect(due[0]!.body_text).toContain("/mute/");
  });

  it("writes each reminder once however often it runs, and only to active members", async () => {
    const now = new Date("2026-11-13T16:00:00Z"); // 2026-11-14 in Tokyo: 6 days before
    const first = await scan(now);
    expect(await scan(now)).toBe(0);
    const all = await outbox();
    expect(all).toHaveLength(first);
    const active = [
      org.admin.email,
      people.lead.email,
      people.drafting.email,
      people.submitted.email,
    ];
    expect((await keysOf("cycle_opened")).sort()).toEqual(active.sort());
    expect(await keysOf("assessment_due")).toEqual([people.drafting.email]);
    expect(all.find((r) => r.kind === "assessment_due")!.idempotency_key).toContain(":7:");
    // The check-in was due on 11-08 (start + 7 days, none logged): mentor and mentee.
    expect((await keysOf("check_in_due")).sort()).toEqual(
      [people.lead.email, people.drafting.email].sort(),
    );
    expect(all.find((r) => r.kind === "check_in_due")!.idempotency_key).toBe(
      `check_in_due:${mentorshipId}:2026-11-08:${all.find((r) => r.kind === "check_in_due")!.idempotency_key.split(":")[3]}`,
    );
    // The lead's weekly digest: one submission waits (the lead's own is not theirs to validate).
    const digest = all.filter((r) => r.kind === "lead_digest");
    expect(digest.map((r) => r.recipient_email)).toEqual([people.lead.email]);
    expect(digest[0]!.subject).toMatch(/^Your teams this week: 1 to validate/);
    expect(digest[0]!.idempotency_key).toMatch(/^lead_digest:2026-W46:/);
    expect(all.some((r) => r.recipient_email === people.gone.email)).toBe(false);
  });

  it("reminds on the days before the due date the organisation chose, or never", async () => {
    const setDays = (days: number[]) =>
      db
        .updateTable("organizations")
        .set({ due_reminder_days: days })
        .where("id", "=", org.organizationId)
        .execute();
    await setDays([3]);
    await scan(new Date("2026-11-13T16:00:00Z")); // 6 days before (Tokyo)
    expect(await keysOf("assessment_due")).toEqual([]);
    await scan(new Date("2026-11-16T16:00:00Z")); // 3 days before
    expect(await keysOf("assessment_due")).toEqual([people.drafting.email]);
    const key = (await outbox()).find((r) => r.kind === "assessment_due")!.idempotency_key;
    expect(key).toContain(":3:");

    await db
      .deleteFrom("notifications")
      .where("organization_id", "=", org.organizationId)
      .execute();
    await setDays([]);
    await scan(new Date("2026-11-18T16:00:00Z")); // the day before
    expect(await keysOf("assessment_due")).toEqual([]);
  });

  it("sends overdue reminders after the due date, and no cycle-opened ones any more", async () => {
    await scan(new Date("2026-11-21T00:00:00Z"));
    expect(await keysOf("assessment_overdue")).toEqual([people.drafting.email]);
    expect(await keysOf("cycle_opened")).toEqual([]);
    expect(await keysOf("assessment_due")).toEqual([]);
  });

  it("skips kinds a person muted, through the signed link's token", async () => {
    await scan(new Date("2026-11-13T16:00:00Z"));
    const link = (await outbox()).find((r) => r.kind === "assessment_due")!.body_text;
    const token = /\/mute\/([A-Za-z0-9_.-]+)/.exec(link)![1]!;
    const subject = readMuteToken(token);
    expect(subject).toEqual({
      organizationId: org.organizationId,
      userId: people.drafting.id,
      kind: "assessment_due",
    });
    expect(readMuteToken(`${token.slice(0, -2)}xx`)).toBeNull();
    await setMuted(subject!, true);
    await scan(new Date("2026-11-18T16:00:00Z"));
    const due = (await outbox()).filter((r) => r.kind === "assessment_due");
    expect(due.map((r) => r.idempotency_key.split(":")[2])).toEqual(["7"]);
  });

  it("mutes and unmutes through the link's page, and refuses a tampered link", async () => {
    await scan(new Date("2026-11-13T16:00:00Z"));
    const body = (await outbox()).find((r) => r.kind === "assessment_due")!.body_text;
    const token = /\/mute\/([A-Za-z0-9_.-]+)/.exec(body)![1]!;
    const page = await call(muteRoute.loader, buildRequest(`/mute/${token}`), { token });
    expect(page.data).toEqual({
      label: "Self-assessment due soon",
      organizationName: expect.any(String),
    });
    const mutes = () =>
      db
        .selectFrom("notification_mutes")
        .select("kind")
        .where("user_id", "=", people.drafting.id)
        .execute();
    await call(muteRoute.action, buildRequest(`/mute/${token}`, { form: { muted: "true" } }), {
      token,
    });
    expect(await mutes()).toEqual([{ kind: "assessment_due" }]);
    await call(muteRoute.action, buildRequest(`/mute/${token}`, { form: { muted: "false" } }), {
      token,
    });
    expect(await mutes()).toEqual([]);
    const forged = `${token.split(".")[0]}.AAAA`;
    const refused = await call(muteRoute.action, buildRequest(`/mute/${forged}`, { form: {} }), {
      token: forged,
    });
    expect(refused.status).toBe(404);
  });
});
