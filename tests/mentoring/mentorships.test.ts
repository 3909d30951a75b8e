import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { setMemberActive } from "~/modules/accounts/members.server";
import { todayIn } from "~/modules/assessments/cycles.server";
import { suggestMentors } from "~/modules/mentoring/mentor-suggestions.server";
import {
  endMentorship,
  getMentorship,
  listMentorships,
  logCheckIn,
  proposeMentorship,
  respondToMentorship,
  type ProposeMentorship,
} from "~/modules/mentoring/mentorships.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { createOrgWithAdmin } from "../support/factories";
import { buildRequest } from "../support/remix";

let data: GapData;

const contextOf = (cookie: string) => requireMember(buildRequest("/mentoring", { cookie }));

async function rate(memberId: string, topicId: string, level: number) {
  await db
    .insertInto("ratings")
    .values({
      organization_id: data.organizationId,
      cycle_id: data.cycleId,
      member_id: memberId,
      topic_id: topicId,
      source: "self",
      level,
    })
    .execute();
}

async function setCapacity(capacity: number) {
  await db
    .updateTable("organizations")
    .set({ mentor_capacity: capacity })
    .where("id", "=", data.organizationId)
    .execute();
}

function proposal(overrides: Partial<ProposeMentorship> = {}): ProposeMentorship {
  return {
    mentorId: data.cat.membershipId,
    menteeId: data.ben.membershipId,
    topicId: data.topic.b1,
    goalLevel: 3,
    cadenceDays: 14,
    dueOn: null,
    overrideCapacity: false,
    ...overrides,
  };
}

// On b1 (Ben is at 1): Ann 4 (already mentors Ben on a1), Cat 4 (rated here), the admin Ada
// 3 (in no team), Dan unrated but offering to mentor (another team).
beforeEach(async () => {
  data = await buildGapData();
  await rate(data.cat.membershipId, data.topic.b1, 4);
  await rate(data.admin.membershipId, data.topic.b1, 3);
  await db
    .insertInto("topic_flags")
    .values({
      organization_id: data.organizationId,
      member_id: data.dan.membershipId,
      topic_id: data.topic.b1,
      can_mentor: true,
    })
    .execute();
});

describe("mentor suggestions", () => {
  it("ranks by level, then free slots, then a shared team, with the reason", async () => {
    const lee = await contextOf(data.lee.cookie);
    const suggestions = await suggestMentors(lee, data.ben.membershipId, data.topic.b1);
    expect(suggestions.map((s) => [s.displayName, s.reason])).toEqual([
      ["Cat", "Expert · 0 of 3 slots used · same team"],
      ["Ann", "Expert · 1 of 3 slots used · same team"],
      ["Ada Admin", "Proficient · 0 of 3 slots used"],
      ["Dan", "Offers to mentor · 0 of 3 slots used"],
    ]);
  });

  it("puts mentors at the organisation's cap last and leaves out the mentee and their mentor", async () => {
    await setCapacity(1);
    const lee = await contextOf(data.lee.cookie);
    const onB1 = await suggestMentors(lee, data.ben.membershipId, data.topic.b1);
    expect(onB1.map((s) => s.displayName)).toEqual(["Cat", "Ada Admin", "Dan", "Ann"]);
    expect(onB1.at(-1)!.reason).toBe("Expert · at capacity (1 of 1) · same team");
    // On a1 Ann already mentors Ben; Ben never appears for himself.
    const onA1 = await suggestMentors(lee, data.ben.membershipId, data.topic.a1);
    expect(onA1.map((s) => s.displayName)).toEqual(["Cat"]);
  });

  it("is only for gaps the viewer may see", async () => {
    const lee = await contextOf(data.lee.cookie);
    await expect(suggestMentors(lee, data.dan.membershipId, data.topic.b1)).rejects.toMatchObject({
      kind: "not_found",
    });
    const other = await createOrgWithAdmin();
    const outsider = await contextOf(other.admin.cookie);
    await expect(
      suggestMentors(outsider, data.ben.membershipId, data.topic.b1),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});

describe("proposing a mentorship", () => {
  it("creates it with the mentee's level as the baseline and notifies mentor and mentee", async () => {
    const lee = await contextOf(data.lee.cookie);
    const { id } = await proposeMentorship(lee, proposal());
    const row = await db
      .selectFrom("mentorships")
      .select(["status", "baseline_level", "goal_level", "proposed_by_user_id"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      status: "proposed",
      baseline_level: 1,
      goal_level: 3,
      proposed_by_user_id: data.lee.id,
    });
    const mail = await db
      .selectFrom("notifications")
      .select(["kind", "recipient_email", "subject", "idempotency_key"])
      .where("organization_id", "=", data.organizationId)
      .where("kind", "=", "mentorship_proposed")
      .orderBy("recipient_email")
      .execute();
    expect(mail.map((m) => m.recipient_email).sort()).toEqual(
      [data.ben.email, data.cat.email].sort(),
    );
    expect(mail.find((m) => m.recipient_email === data.cat.email)?.subject).toBe(
      "Would you mentor Ben on b1?",
    );
  });

  it("refuses every invalid proposal with a message beside the field, changing nothing", async () => {
    const lee = await contextOf(data.lee.cookie);
    await proposeMentorship(lee, proposal());
    const cases: [Partial<ProposeMentorship>, string, RegExp][] = [
      [{ mentorId: data.ben.membershipId }, "mentorId", /cannot mentor themselves/],
      [{}, "mentorId", /already mentors Ben on b1/],
      [
        { goalLevel: 1, mentorId: data.admin.membershipId },
        "goalLevel",
        /above Ben's current level \(1\)/,
      ],
    ];
    for (const [change, field, message] of cases) {
      const error = await proposeMentorship(lee, proposal(change)).catch((e: unknown) => e);
      expect(error, field).toMatchObject({
        fieldErrors: { [field]: expect.stringMatching(message) },
      });
    }
    await db
      .updateTable("memberships")
      .set({ active: false })
      .where("id", "=", data.dan.membershipId)
      .execute();
    const deactivated = await proposeMentorship(
      lee,
      proposal({ mentorId: data.dan.membershipId }),
    ).catch((e: unknown) => e);
    expect(deactivated).toMatchObject({ fieldErrors: { mentorId: "Dan is deactivated." } });
    const count = await db
      .selectFrom("mentorships")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", data.organizationId)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(2);
  });

  it("holds the cap for leads; an admin may override it, and that is audited", async () => {
    await setCapacity(1);
    const lee = await contextOf(data.lee.cookie);
    const atCap = { mentorId: data.ann.membershipId };
    await expect(
      proposeMentorship(lee, proposal({ ...atCap, overrideCapacity: true })),
    ).rejects.toMatchObject({
      fieldErrors: { mentorId: "Ann already has 1 of 1 mentorships (the organisation's cap)." },
    });
    const admin = await contextOf(data.admin.cookie);
    await expect(proposeMentorship(admin, proposal(atCap))).rejects.toMatchObject({
      fieldErrors: { mentorId: expect.stringContaining("Tick the override") },
    });
    await proposeMentorship(admin, proposal({ ...atCap, overrideCapacity: true }));
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "details"])
      .where("organization_id", "=", data.organizationId)
      .where("action", "=", "mentorship.proposed_over_capacity")
      .execute();
    expect(audit).toMatchObject([{ details: { slotsUsed: 1, capacity: 1 } }]);
  });

  it("is for leads of the mentee's team and admins only", async () => {
    const ann = await contextOf(data.ann.cookie);
    await expect(proposeMentorship(ann, proposal())).rejects.toMatchObject({ kind: "forbidden" });
    const lee = await contextOf(data.lee.cookie);
    await expect(
      proposeMentorship(
        lee,
        proposal({ menteeId: data.dan.membershipId, mentorId: data.cat.membershipId }),
      ),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});

describe("accepting, checking in and ending", () => {
  it("the mentor accepts, both log check-ins on a cadence, and it completes", async () => {
    const lee = await contextOf(data.lee.cookie);
    const cat = await contextOf(data.cat.cookie);
    const ben = await contextOf(data.ben.cookie);
    const { id } = await proposeMentorship(lee, proposal({ cadenceDays: 7 }));

    await expect(respondToMentorship(ben, id, "accept")).rejects.toMatchObject({
      kind: "forbidden",
    });
    await respondToMentorship(cat, id, "accept");
    await expect(respondToMentorship(cat, id, "accept")).rejects.toMatchObject({
      kind: "conflict",
    });
    const accepted = await db
      .selectFrom("notifications")
      .select("recipient_email")
      .where("idempotency_key", "=", `mentorship_accepted:${id}`)
      .execute();
    expect(accepted).toEqual([{ recipient_email: data.ben.email }]);

    const today = todayIn(lee.organization.timeZone);
    await logCheckIn(ben, id, { occurredOn: today, notes: "Paired on b1", levelEstimate: 2 });
    await expect(
      logCheckIn(ben, id, { occurredOn: "2999-01-01", notes: "", levelEstimate: null }),
    ).rejects.toMatchObject({ fieldErrors: { occurredOn: "A check-in cannot be in the future." } });
    await expect(
      logCheckIn(lee, id, { occurredOn: today, notes: "", levelEstimate: null }),
    ).rejects.toMatchObject({ kind: "forbidden" });

    const { mentorship, checkIns, role } = await getMentorship(ben, id);
    expect(role).toBe("mentee");
    expect(checkIns).toMatchObject([{ notes: "Paired on b1", level_estimate: 2 }]);
    const next = new Date(`${today}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 7);
    expect(mentorship).toMatchObject({
      status: "active",
      levelBefore: 1,
      levelNow: 1,
      checkIns: 1,
      lastCheckIn: today,
      nextCheckIn: next.toISOString().slice(0, 10),
      overdue: false,
    });

    await endMentorship(cat, id, "completed");
    await expect(endMentorship(cat, id, "completed")).rejects.toMatchObject({ kind: "conflict" });
    await expect(
      logCheckIn(ben, id, { occurredOn: today, notes: "", levelEstimate: null }),
    ).rejects.toMatchObject({ kind: "conflict" });
  });

  it("shows a mentorship overdue when no check-in came within its cadence", async () => {
    const { id } = await proposeMentorship(await contextOf(data.lee.cookie), proposal());
    await respondToMentorship(await contextOf(data.cat.cookie), id, "accept");
    await db
      .updateTable("mentorships")
      .set({ starts_on: "2026-01-05" })
      .where("id", "=", id)
      .execute();
    const [row] = await listMentorships(data.organizationId, { mentorshipId: id }, "2026-02-01");
    expect(row).toMatchObject({ nextCheckIn: "2026-01-19", overdue: true });
  });

  it("cancels a deactivated member's open mentorships", async () => {
    const admin = await contextOf(data.admin.cookie);
    await setMemberActive(admin, data.ann.membershipId, false);
    const rows = await db
      .selectFrom("mentorships")
      .select("status")
      .where("mentor_id", "=", data.ann.membershipId)
      .execute();
    expect(rows).toEqual([{ status: "cancelled" }]);
  });

  it("answers 404 to anyone outside it, and to another organisation", async () => {
    const { id } = await proposeMentorship(await contextOf(data.lee.cookie), proposal());
    await expect(getMentorship(await contextOf(data.dan.cookie), id)).rejects.toMatchObject({
      kind: "not_found",
    });
    const other = await createOrgWithAdmin();
    await expect(getMentorship(await contextOf(other.admin.cookie), id)).rejects.toMatchObject({
      kind: "not_found",
    });
    await expect(
      respondToMentorship(await contextOf(other.admin.cookie), id, "decline"),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});
