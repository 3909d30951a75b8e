import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import {
  calibrationQueue,
  loadValidation,
  pendingValidations,
} from "~/modules/gaps/validation.server";
import {
  parseLeadRatingForm,
  saveLeadRatings,
  undoValidation,
} from "~/modules/ratings/lead-ratings.server";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest } from "../support/remix";
import { buildGapData, type GapData } from "./gap-data";

let data: GapData;

const contextOf = (cookie: string) => requireMember(buildRequest("/gaps", { cookie }));

async function scopeFor(cookie: string) {
  return (await resolveGapScope(await contextOf(cookie), new URLSearchParams())).scope;
}

function form(fields: Record<string, string>) {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  return body;
}

beforeEach(async () => {
  data = await buildGapData();
});

/** The member's lead ratings (of this cycle, when given), oldest first. */
async function leadRatingsOf(memberId: string, cycleId?: string) {
  let query = db
    .selectFrom("ratings")
    .select(["topic_id", "level"])
    .where("member_id", "=", memberId)
    .where("source", "=", "lead");
  if (cycleId) query = query.where("cycle_id", "=", cycleId);
  const rows = await query.orderBy("topic_id").orderBy("id").execute();
  return rows;
}

/** A lead rating in the closed 2026-Q3 (validated then); returns its id. */
async function rateInEarlierCycle(memberId: string, topicId: string, level: number) {
  const earlier = await db
    .selectFrom("cycles")
    .select("id")
    .where("organization_id", "=", data.organizationId)
    .where("name", "=", "2026-Q3")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("assessments")
    .values({
      organization_id: data.organizationId,
      cycle_id: earlier.id,
      member_id: memberId,
      status: "validated",
      validated_at: new Date(),
    })
    .onConflict((oc) => oc.columns(["cycle_id", "member_id", "organization_id"]).doNothing())
    .execute();
  const row = await db
    .insertInto("ratings")
    .values({
      organization_id: data.organizationId,
      cycle_id: earlier.id,
      member_id: memberId,
      topic_id: topicId,
      source: "lead",
      level,
      created_at: new Date(Date.now() - 90 * 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("calibration queue and pending validations", () => {
  it("lists topics where self and lead differ by two or more", async () => {
    const queue = await calibrationQueue(await scopeFor(data.lee.cookie));
    expect(queue.total).toBe(1);
    expect(queue.items).toEqual([
      {
        memberId: data.ann.membershipId,
        displayName: "Ann",
        topicId: data.topic.a1,
        topicName: "a1",
        self: 1,
        lead: 3,
        selfRatingId: expect.any(Number),
        leadRatingId: expect.any(Number),
        since: expect.any(String),
        history: [],
      },
    ]);
  });

  it("counts the whole queue even when asked for none of its items", async () => {
    expect(await calibrationQueue(await scopeFor(data.lee.cookie), 0)).toEqual({
      items: [],
      total: 1,
    });
  });

  it("lists submitted assessments of the open cycle waiting for their lead", async () => {
    const pending = await pendingValidations(await scopeFor(data.lee.cookie));
    expect(pending.map((p) => [p.displayName, p.status])).toEqual([["Ben", "submitted"]]);
  });
});

describe("validating an assessment", () => {
  it("appends lead ratings, marks it validated and moves the calibration queue", async () => {
    const lee = await contextOf(data.lee.cookie);
    const view = await loadValidation(lee, data.ben.membershipId);
    expect(view.assessment?.status).toBe("submitted");
    expect(view.topics.map((t) => [t.name, t.self?.level, t.target])).toEqual([
      ["a1", 1, 3],
      ["a2", null, 2],
      ["b1", 1, 4],
    ]);

    const entries = parseLeadRatingForm(
      form({
        [`lead.${data.topic.a1}`]: "1",
        [`comment.${data.topic.a1}`]: "",
        [`lead.${data.topic.a2}`]: "na",
        [`lead.${data.topic.b1}`]: "3",
        [`comment.${data.topic.b1}`]: "Ran the b1 migration alone.",
      }),
    );
    const result = await saveLeadRatings(lee, data.ben.membershipId, entries, {
      markValidated: true,
    });
    expect(result).toEqual({ ratingsAdded: 3, validated: true, withoutLeadLevel: 0 });

    const assessment = await db
      .selectFrom("assessments")
      .select(["status", "validated_by_user_id"])
      .where("member_id", "=", data.ben.membershipId)
      .executeTakeFirstOrThrow();
    expect(assessment).toEqual({ status: "validated", validated_by_user_id: data.lee.id });
    const b1 = await db
      .selectFrom("ratings")
      .select(["level", "note", "rated_by_user_id"])
      .where("member_id", "=", data.ben.membershipId)
      .where("topic_id", "=", data.topic.b1)
      .where("source", "=", "lead")
      .executeTakeFirstOrThrow();
    expect(b1).toEqual({
      level: 3,
      note: "Ran the b1 migration alone.",
      rated_by_user_id: data.lee.id,
    });

    const queue = await calibrationQueue(await scopeFor(data.lee.cookie));
    expect(queue.items.map((q) => [q.displayName, q.topicName, q.self, q.lead])).toEqual([
      ["Ann", "a1", 1, 3],
      ["Ben", "b1", 1, 3],
    ]);
    expect(await pendingValidations(await scopeFor(data.lee.cookie))).toEqual([]);

    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "actor_user_id"])
      .where("organization_id", "=", data.organizationId)
      .where("action", "=", "assessment.validated")
      .execute();
    expect(audit).toEqual([{ action: "assessment.validated", actor_user_id: data.lee.id }]);

    // Validated is locked until undone; saving the same levels again appends nothing.
    await expect(
      saveLeadRatings(lee, data.ben.membershipId, entries, { markValidated: false }),
    ).rejects.toMatchObject({ kind: "conflict" });
    await undoValidation(lee, data.ben.membershipId);
    expect(
      await saveLeadRatings(lee, data.ben.membershipId, entries, { markValidated: true }),
    ).toEqual({ ratingsAdded: 0, validated: true, withoutLeadLevel: 0 });
  });

  it("validates with topics the lead did not judge, counts them and writes nothing for them", async () => {
    const lee = await contextOf(data.lee.cookie);
    const entries = parseLeadRatingForm(
      form({ [`lead.${data.topic.a1}`]: "2", [`lead.${data.topic.a2}`]: "" }),
    );
    const result = await saveLeadRatings(lee, data.ben.membershipId, entries, {
      markValidated: true,
    });
    expect(result).toEqual({ ratingsAdded: 1, validated: true, withoutLeadLevel: 2 });
    expect(await leadRatingsOf(data.ben.membershipId)).toEqual([
      { topic_id: data.topic.a1, level: 2 },
    ]);
    // a2 and b1 keep Ben's own levels; a1 is the lead's.
    const levels = await db
      .selectFrom("member_levels")
      .select(["topic_id", "level", "source"])
      .where("member_id", "=", data.ben.membershipId)
      .orderBy("topic_id")
      .execute();
    expect(Object.fromEntries(levels.map((l) => [l.topic_id, [l.level, l.source]]))).toEqual({
      [data.topic.a1]: [2, "lead"],
      [data.topic.a2]: [null, "self"],
      [data.topic.b1]: [1, "self"],
    });
  });

  it("writes no lead rating for a topic left at the lead's earlier level, untouched", async () => {
    const earlierLead = await rateInEarlierCycle(data.ben.membershipId, data.topic.b1, 0);
    const lee = await contextOf(data.lee.cookie);
    const view = await loadValidation(lee, data.ben.membershipId);
    const b1 = view.topics.find((t) => t.id === data.topic.b1)!;
    // The page starts from the lead's earlier level, with its age; never from the self level.
    expect(b1.lead).toMatchObject({ ratingId: earlierLead, level: 0, thisCycle: false });
    expect(b1.self?.level).toBe(1);

    // The whole form posted back as shown: b1 at the earlier 0, a1 and a2 at "no level".
    const posted = {
      [`lead.${data.topic.a1}`]: "",
      [`base.${data.topic.a1}`]: "",
      [`comment.${data.topic.a1}`]: "",
      [`lead.${data.topic.a2}`]: "",
      [`base.${data.topic.a2}`]: "",
      [`comment.${data.topic.a2}`]: "",
      [`lead.${data.topic.b1}`]: "0",
      [`base.${data.topic.b1}`]: String(earlierLead),
      [`comment.${data.topic.b1}`]: "",
    };
    expect(
      await saveLeadRatings(lee, data.ben.membershipId, parseLeadRatingForm(form(posted)), {
        markValidated: true,
      }),
    ).toEqual({ ratingsAdded: 0, validated: true, withoutLeadLevel: 3 });
    expect(await leadRatingsOf(data.ben.membershipId, data.cycleId)).toEqual([]);
  });

  it("records the member's level as the lead's on Agree, per topic and for the rest of a category", async () => {
    const lee = await contextOf(data.lee.cookie);
    const blank = {
      [`lead.${data.topic.a1}`]: "",
      [`base.${data.topic.a1}`]: "",
      [`lead.${data.topic.a2}`]: "",
      [`base.${data.topic.a2}`]: "",
      [`lead.${data.topic.b1}`]: "",
      [`base.${data.topic.b1}`]: "",
    };
    // Agree on b1 (Ben's 1), with a comment typed beside it.
    const agreed = await saveLeadRatings(
      lee,
      data.ben.membershipId,
      parseLeadRatingForm(form({ ...blank, [`comment.${data.topic.b1}`]: "Fair." })),
      { markValidated: false, agree: { topicIds: [data.topic.b1] } },
    );
    expect(agreed).toEqual({ ratingsAdded: 1, validated: false, withoutLeadLevel: 2 });
    const b1 = await db
      .selectFrom("ratings")
      .select(["level", "note"])
      .where("member_id", "=", data.ben.membershipId)
      .where("source", "=", "lead")
      .executeTakeFirstOrThrow();
    expect(b1).toEqual({ level: 1, note: "Fair." });

    // Category A: a1 changed by hand to 3; "agree with the rest" then takes a2 (N/A) only.
    const rest = await saveLeadRatings(
      lee,
      data.ben.membershipId,
      parseLeadRatingForm(form({ ...blank, [`lead.${data.topic.a1}`]: "3" })),
      { markValidated: false, agree: { categoryId: data.categoryOf.a1! } },
    );
    expect(rest).toEqual({ ratingsAdded: 2, validated: false, withoutLeadLevel: 0 });
    expect(await leadRatingsOf(data.ben.membershipId)).toEqual(
      [
        { topic_id: data.topic.a1, level: 3 },
        { topic_id: data.topic.a2, level: null },
        { topic_id: data.topic.b1, level: 1 },
      ].sort((x, y) => x.topic_id.localeCompare(y.topic_id)),
    );
  });

  it("refuses a comment without a level beside the field", async () => {
    const lee = await contextOf(data.lee.cookie);
    const error = await saveLeadRatings(
      lee,
      data.ben.membershipId,
      parseLeadRatingForm(
        form({ [`lead.${data.topic.b1}`]: "", [`comment.${data.topic.b1}`]: "Fair." }),
      ),
      { markValidated: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: "invalid",
      fieldErrors: { [`lead.${data.topic.b1}`]: "Choose your level to go with the comment." },
    });
    expect(await leadRatingsOf(data.ben.membershipId)).toEqual([]);
  });

  it("refuses a change made from a stale base rating, and keeps what another lead saved", async () => {
    const lee = await contextOf(data.lee.cookie);
    // Lee's page was opened when b1 had no lead level; meanwhile another lead gave it 2.
    await saveLeadRatings(
      lee,
      data.ben.membershipId,
      [{ topicId: data.topic.b1, level: 2, note: "Other tab.", evidence: [], baseRatingId: null }],
      { markValidated: false },
    );
    const stale = {
      [`lead.${data.topic.a1}`]: "1",
      [`base.${data.topic.a1}`]: "",
      [`lead.${data.topic.b1}`]: "4",
      [`base.${data.topic.b1}`]: "",
    };
    const error = await saveLeadRatings(
      lee,
      data.ben.membershipId,
      parseLeadRatingForm(form(stale)),
      { markValidated: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: "invalid",
      fieldErrors: {
        [`lead.${data.topic.b1}`]:
          "Changed since you opened this page: the lead level is now 2. Reload the page to see it; nothing was saved.",
      },
    });
    expect(await leadRatingsOf(data.ben.membershipId)).toEqual([
      { topic_id: data.topic.b1, level: 2 },
    ]);
    const status = await db
      .selectFrom("assessments")
      .select("status")
      .where("member_id", "=", data.ben.membershipId)
      .where("cycle_id", "=", data.cycleId)
      .executeTakeFirstOrThrow();
    expect(status.status).toBe("submitted");
  });

  it("rejects bad levels and over-long comments beside the topic", () => {
    expect(() =>
      parseLeadRatingForm(
        form({
          [`lead.${data.topic.a1}`]: "7",
          [`lead.${data.topic.a2}`]: "2",
          [`comment.${data.topic.a2}`]: "x".repeat(2001),
        }),
      ),
    ).toThrow(
      expect.objectContaining({
        fieldErrors: {
          [`lead.${data.topic.a1}`]: "Choose a level from 0 to 4, or N/A.",
          [`comment.${data.topic.a2}`]: "Keep the comment under 2000 characters.",
        },
      }),
    );
  });

  it("refuses a post naming more topics than any framework has", () => {
    const fields = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`lead.${i}`, "3"]));
    expect(() => parseLeadRatingForm(form(fields))).toThrow("Too many topics in one save.");
  });

  it("does not validate drafts, one's own assessment, or members outside one's teams", async () => {
    const lee = await contextOf(data.lee.cookie);
    await expect(
      saveLeadRatings(lee, data.cat.membershipId, [], { markValidated: true }),
    ).rejects.toMatchObject({ kind: "conflict" });
    await expect(loadValidation(lee, data.dan.membershipId)).rejects.toMatchObject({
      kind: "not_found",
    });
    await expect(
      saveLeadRatings(lee, data.dan.membershipId, [], { markValidated: true }),
    ).rejects.toMatchObject({ kind: "not_found" });

    await db
      .insertInto("team_members")
      .values({
        organization_id: data.organizationId,
        team_id: data.teamT.id,
        membership_id: data.admin.membershipId,
        is_lead: true,
      })
      .execute();
    const admin = await contextOf(data.admin.cookie);
    await expect(
      saveLeadRatings(admin, data.admin.membershipId, [], { markValidated: false }),
    ).rejects.toMatchObject({ kind: "forbidden" });

    const other = await createOrgWithAdmin();
    const outsider = await contextOf(other.admin.cookie);
    await expect(loadValidation(outsider, data.ben.membershipId)).rejects.toMatchObject({
      kind: "not_found",
    });
    const engineer = await addMember(data.organizationId, "engineer", "Eve");
    await expect(
      loadValidation(await contextOf(engineer.cookie), data.ben.membershipId),
    ).rejects.toMatchObject({ kind: "not_found" });
  });

  it("rejects topics that are not in the cycle's framework", async () => {
    const lee = await contextOf(data.lee.cookie);
    const other = await createOrgWithAdmin();
    const foreignTopic = await db
      .selectFrom("topics")
      .select("id")
      .where("organization_id", "=", other.organizationId)
      .executeTakeFirstOrThrow();
    await expect(
      saveLeadRatings(
        lee,
        data.ben.membershipId,
        [{ topicId: foreignTopic.id, level: 3, note: null, evidence: [], baseRatingId: null }],
        { markValidated: false },
      ),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});
