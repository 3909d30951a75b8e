import { sql } from "kysely";
import { db } from "#db/database";
import type { RatingSource } from "#db/schema";
import { createFramework } from "~/modules/frameworks/create-framework.server";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";

/**
 * A small organisation whose gap figures are worked out by hand in the tests.
 *
 * Framework (profile Senior): A/a1 target 3 must-have, A/a2 target 2 good-to-have,
 * B/b1 target 4 advanced. Team T: lead Lee (no profile, never rated), Ann, Ben, Cat.
 * Team U: Dan. Levels shown (lead's where there is one):
 *
 *          a1          a2             b1
 *   Ann    3 (lead; self 1)  2        4
 *   Ben    1           N/A            1
 *   Cat    4 (stale)   1 (lead; self 0)  —
 *   Dan    0           —              —
 *
 * In the closed 2026-Q3, Ben was at 3 on a1 (his only rating then), and Cat's a2 was rated
 * (self 0, lead 1, validated); she carries it. Lead levels count once validated: Ann's
 * assessment of 2026-Q4 is.
 * Ben has an active mentorship on a1 (mentor Ann). Team T's capability targets: a1 ≥ 2 people
 * at 3 (met), b1 ≥ 2 people at 4 (not met). Ben has submitted his assessment; Cat's is a draft.
 */
/**
 * The hand-built team has topics two people rated: tests of how figures are defined lower the
 * privacy floor to 1 so every figure shows (tests/gaps/privacy-floor.test.ts tests the floor).
 */
export async function showEveryFigure(organizationId: string) {
  await db
    .updateTable("organizations")
    .set({ privacy_floor: 1 })
    .where("id", "=", organizationId)
    .execute();
}

export async function buildGapData() {
  const { organizationId, admin } = await createOrgWithAdmin();
  const framework = await db.transaction().execute((trx) =>
    createFramework(trx, {
      organizationId,
      name: "Hand-built",
      outline: {
        categories: [
          { name: "A", kind: "skills", topics: [{ name: "a1" }, { name: "a2" }] },
          { name: "B", kind: "skills", topics: [{ name: "b1" }] },
        ],
        ignored: [],
      },
      profiles: [
        {
          name: "Senior",
          targetFor: (t) =>
            t.name === "a1"
              ? { level: 3, priority: "must_have" }
              : t.name === "a2"
                ? { level: 2, priority: "good_to_have" }
                : { level: 4, priority: "advanced" },
        },
      ],
      createdByUserId: admin.id,
    }),
  );
  await db
    .updateTable("organizations")
    .set({ default_framework_id: framework.frameworkId })
    .where("id", "=", organizationId)
    .execute();
  const senior = framework.profileIds["Senior"]!;
  const topicRows = await db
    .selectFrom("topic_revisions")
    .select(["topic_id", "name", "category_id"])
    .where("framework_version_id", "=", framework.versionId)
    .execute();
  const topic = Object.fromEntries(topicRows.map((t) => [t.name, t.topic_id])) as Record<
    "a1" | "a2" | "b1",
    string
  >;
  const categoryOf = Object.fromEntries(topicRows.map((t) => [t.name, t.category_id]));

  const lee = await addMember(organizationId, "lead", "Lee Lead");
  const ann = await addMember(organizationId, "engineer", "Ann");
  const ben = await addMember(organizationId, "engineer", "Ben");
  const cat = await addMember(organizationId, "engineer", "Cat");
  const dan = await addMember(organizationId, "engineer", "Dan");
  await db
    .updateTable("memberships")
    .set({ target_profile_id: senior })
    .where("id", "in", [ann.membershipId, ben.membershipId, cat.membershipId, dan.membershipId])
    .execute();
  const teamT = await createTeamRow(organizationId, "Team T");
  const teamU = await createTeamRow(organizationId, "Team U");
  await db
    .insertInto("team_members")
    .values([
      {
        organization_id: organizationId,
        team_id: teamT.id,
        membership_id: lee.membershipId,
        is_lead: true,
      },
      { organization_id: organizationId, team_id: teamT.id, membership_id: ann.membershipId },
      { organization_id: organizationId, team_id: teamT.id, membership_id: ben.membershipId },
      { organization_id: organizationId, team_id: teamT.id, membership_id: cat.membershipId },
      { organization_id: organizationId, team_id: teamU.id, membership_id: dan.membershipId },
    ])
    .execute();

  const cycle = await db
    .insertInto("cycles")
    .values({
      organization_id: organizationId,
      framework_version_id: framework.versionId,
      name: "2026-Q4",
      status: "open",
      starts_on: "2026-10-01",
      due_on: "2026-11-15",
      ends_on: "2026-12-31",
      opened_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();

  // An earlier, closed quarter in which Ben was at 3 on a1 (inserted first: ids give order).
  const earlier = await db
    .insertInto("cycles")
    .values({
      organization_id: organizationId,
      framework_version_id: framework.versionId,
      name: "2026-Q3",
      status: "closed",
      starts_on: "2026-07-01",
      due_on: "2026-08-15",
      ends_on: "2026-09-30",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // Cat's a2 is carried from there: her own 0, and her lead's 1, validated then.
  const earlierRating = (
    memberId: string,
    name: "a1" | "a2",
    level: number,
    source: RatingSource,
  ) => ({
    organization_id: organizationId,
    cycle_id: earlier.id,
    member_id: memberId,
    topic_id: topic[name],
    source,
    level,
  });
  await db
    .insertInto("ratings")
    .values([
      earlierRating(ben.membershipId, "a1", 3, "self"),
      earlierRating(cat.membershipId, "a2", 0, "self"),
      earlierRating(cat.membershipId, "a2", 1, "lead"),
    ])
    .execute();
  await db
    .insertInto("assessments")
    .values({
      organization_id: organizationId,
      cycle_id: earlier.id,
      member_id: cat.membershipId,
      status: "validated",
      submitted_at: new Date(),
      validated_at: new Date(),
      validated_by_user_id: lee.id,
    })
    .execute();
  await sql`SELECT record_cycle_progress(${earlier.id})`.execute(db);

  const rate = (
    memberId: string,
    name: keyof typeof topic,
    level: number | null,
    source: RatingSource = "self",
    createdAt = new Date(),
  ) => ({
    organization_id: organizationId,
    cycle_id: cycle.id,
    member_id: memberId,
    topic_id: topic[name],
    source,
    level,
    rated_by_user_id: null,
    created_at: createdAt,
  });
  const longAgo = new Date(Date.now() - 400 * 86_400_000);
  await db
    .insertInto("ratings")
    .values([
      rate(ann.membershipId, "a1", 1),
      rate(ann.membershipId, "a2", 2),
      rate(ann.membershipId, "b1", 4),
      rate(ann.membershipId, "a1", 3, "lead"),
      rate(ben.membershipId, "a1", 1),
      rate(ben.membershipId, "a2", null),
      rate(ben.membershipId, "b1", 1),
      rate(cat.membershipId, "a1", 4, "self", longAgo),
      rate(dan.membershipId, "a1", 0),
    ])
    .execute();
  await db
    .insertInto("assessments")
    .values([
      {
        organization_id: organizationId,
        cycle_id: cycle.id,
        member_id: ben.membershipId,
        status: "submitted",
        submitted_at: new Date(),
      },
      {
        organization_id: organizationId,
        cycle_id: cycle.id,
        member_id: cat.membershipId,
        status: "draft",
      },
      // Ann's lead level counts: Lee has validated her assessment.
      {
        organization_id: organizationId,
        cycle_id: cycle.id,
        member_id: ann.membershipId,
        status: "validated",
        submitted_at: new Date(),
        validated_at: new Date(),
        validated_by_user_id: lee.id,
      },
    ])
    .execute();
  await db
    .insertInto("mentorships")
    .values({
      organization_id: organizationId,
      mentor_id: ann.membershipId,
      mentee_id: ben.membershipId,
      topic_id: topic.a1,
      goal_level: 3,
      cadence_days: 14,
      status: "active",
    })
    .execute();
  await db
    .insertInto("capability_targets")
    .values([
      {
        organization_id: organizationId,
        team_id: teamT.id,
        topic_id: topic.a1,
        min_people: 2,
        min_level: 3,
      },
      {
        organization_id: organizationId,
        team_id: teamT.id,
        topic_id: topic.b1,
        min_people: 2,
        min_level: 4,
      },
    ])
    .execute();

  return {
    organizationId,
    admin,
    versionId: framework.versionId,
    senior,
    topic,
    categoryOf,
    cycleId: cycle.id,
    teamT,
    teamU,
    lee,
    ann,
    ben,
    cat,
    dan,
  };
}

export type GapData = Awaited<ReturnType<typeof buildGapData>>;

/** A new engineer on the Senior profile in `teamId`, who rates `topics` at `level` in the cycle. */
export async function addSeniorRater(
  data: GapData,
  teamId: string,
  name: string,
  topics: (keyof GapData["topic"])[],
  level: number,
) {
  const member = await addMember(data.organizationId, "engineer", name);
  await db
    .updateTable("memberships")
    .set({ target_profile_id: data.senior })
    .where("id", "=", member.membershipId)
    .execute();
  await db
    .insertInto("team_members")
    .values({
      organization_id: data.organizationId,
      team_id: teamId,
      membership_id: member.membershipId,
    })
    .execute();
  await db
    .insertInto("ratings")
    .values(
      topics.map((topic) => ({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: member.membershipId,
        topic_id: data.topic[topic],
        source: "self" as const,
        level,
      })),
    )
    .execute();
  return member;
}
