import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { memberProfile, type MemberProfile } from "~/modules/assessments/member-profile.server";
import * as profileRoute from "~/routes/_app.profile";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

async function setUp() {
  const { organizationId } = await createOrgWithAdmin();
  const eng = await addMember(organizationId, "engineer", "Prof Ile");
  const org = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.id as framework_id", "f.current_version_id"])
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const versionId = org.current_version_id as string;
  const senior = await db
    .selectFrom("target_profiles")
    .select(["id", "name"])
    .where("framework_id", "=", org.framework_id)
    .where("name", "like", "Senior%")
    .executeTakeFirstOrThrow();
  await db
    .updateTable("memberships")
    .set({ target_profile_id: senior.id })
    .where("id", "=", eng.membershipId)
    .execute();
  const category = await db
    .selectFrom("category_revisions")
    .select(["category_id", "name"])
    .where("framework_version_id", "=", versionId)
    .orderBy("position")
    .executeTakeFirstOrThrow();
  const topics = await db
    .selectFrom("topic_revisions")
    .select(["topic_id", "name"])
    .where("framework_version_id", "=", versionId)
    .where("category_id", "=", category.category_id)
    .orderBy("position")
    .execute();
  const cycle = (
    name: string,
    startsOn: string,
    endsOn: string,
    status: "open" | "closed" = "closed",
  ) =>
    db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: versionId,
        name,
        status,
        starts_on: startsOn,
        due_on: startsOn,
        ends_on: endsOn,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
      .then((r) => r.id);
  const rate = (
    cycleId: string,
    topicId: string,
    source: "self" | "lead",
    level: number | null,
    createdAt = new Date("2026-05-01T10:00:00Z"),
  ) =>
    db
      .insertInto("ratings")
      .values({
        organization_id: organizationId,
        cycle_id: cycleId,
        member_id: eng.membershipId,
        topic_id: topicId,
        source,
        level,
        created_at: createdAt,
      })
      .execute();
  return { organizationId, eng, versionId, senior, category, topics, cycle, rate };
}

const categoryOf = (profile: MemberProfile, id: string) =>
  profile.categories.find((c) => c.id === id);

describe("the engineer's profile", () => {
  it("averages self, lead and target per category in SQL, leaving out N/A and retired topics", async () => {
    const { organizationId, eng, versionId, senior, category, topics, cycle, rate } = await setUp();
    const q2 = await cycle("2026-Q2", "2026-04-01", "2026-06-30");
    const [a, b, c, d] = topics;
    await rate(q2, a!.topic_id, "self", 4);
    await rate(q2, b!.topic_id, "self", 2);
    await rate(q2, c!.topic_id, "self", null); // N/A
    await rate(q2, d!.topic_id, "self", 0);
    await rate(q2, a!.topic_id, "lead", 3);
    // The lead's level shows (and counts) once the lead has validated the assessment.
    await db
      .insertInto("assessments")
      .values({
        organization_id: organizationId,
        cycle_id: q2,
        member_id: eng.membershipId,
        status: "validated",
        validated_at: new Date(),
      })
      .execute();
    // d is retired: its rating stays in history but leaves the averages.
    await db
      .updateTable("topic_revisions")
      .set({ retired: true })
      .where("framework_version_id", "=", versionId)
      .where("topic_id", "=", d!.topic_id)
      .execute();

    const targets = await db
      .selectFrom("topic_targets")
      .select(["topic_id", "target_level"])
      .where("framework_version_id", "=", versionId)
      .where("target_profile_id", "=", senior.id)
      .where(
        "topic_id",
        "in",
        topics.filter((t) => t !== d).map((t) => t.topic_id),
      )
      .execute();
    const expectedTarget =
      Math.round((targets.reduce((n, t) => n + t.target_level, 0) / targets.length) * 10) / 10;

    const profile = await memberProfile(organizationId, eng.membershipId);
    expect(profile.member).toMatchObject({ displayName: "Prof Ile", profileName: senior.name });
    expect(categoryOf(profile, category.category_id)).toEqual({
      id: category.category_id,
      name: category.name,
      kind: "skills",
      self: 3, // (4 + 2) / 2
      lead: 3,
      target: expectedTarget,
    });
    expect(profile.topics.some((t) => t.id === d!.topic_id)).toBe(false);
    expect(profile.topics.find((t) => t.id === c!.topic_id)?.self).toBeNull();
    expect(profile.topics.find((t) => t.id === topics[4]?.topic_id)?.self).toBeUndefined();
  });

  it("draws history as of each cycle: a level not re-rated carries into the next cycle", async () => {
    const { organizationId, eng, category, topics, cycle, rate } = await setUp();
    const q1 = await cycle("2026-Q1", "2026-01-01", "2026-03-31");
    const q2 = await cycle("2026-Q2", "2026-04-01", "2026-06-30");
    const q3 = await cycle("2026-Q3", "2026-07-01", "2026-09-30", "open");
    const [a, b] = topics;
    await rate(q1, a!.topic_id, "self", 1);
    await rate(q1, b!.topic_id, "self", 3);
    await rate(q2, a!.topic_id, "self", 3); // b not re-rated in Q2
    await rate(q3, b!.topic_id, "self", 4);

    const profile = await memberProfile(organizationId, eng.membershipId);
    expect(profile.history.map((p) => [p.cycleName, p.categories[category.category_id]])).toEqual([
      ["2026-Q1", 2],
      ["2026-Q2", 3],
      ["2026-Q3", 3.5],
    ]);
    expect(profile.history.map((p) => p.cycleId)).toEqual([q1, q2, q3]);
  });

  it("flags a self rating older than the organisation's setting as stale", async () => {
    const { organizationId, eng, topics, cycle, rate } = await setUp();
    const q2 = await cycle("2026-Q2", "2026-04-01", "2026-06-30");
    await rate(q2, topics[0]!.topic_id, "self", 2, new Date("2026-04-02T10:00:00Z"));
    await rate(q2, topics[1]!.topic_id, "self", 2, new Date("2026-11-01T10:00:00Z"));
    const profile = await memberProfile(
      organizationId,
      eng.membershipId,
      new Date("2026-11-25T12:00:00Z"),
    );
    expect(profile.topics.find((t) => t.id === topics[0]!.topic_id)?.stale).toBe(true);
    expect(profile.topics.find((t) => t.id === topics[1]!.topic_id)?.stale).toBe(false);
  });

  it("answers not found for another organisation's member", async () => {
    const { eng } = await setUp();
    const other = await createOrgWithAdmin();
    await expect(memberProfile(other.organizationId, eng.membershipId)).rejects.toMatchObject({
      kind: "not_found",
    });
  });

  it("shows the caller their own profile only, with an empty state before any rating", async () => {
    const { organizationId, eng, topics, cycle, rate } = await setUp();
    const colleague = await addMember(organizationId, "engineer", "Col League");
    const q2 = await cycle("2026-Q2", "2026-04-01", "2026-06-30");
    await rate(q2, topics[0]!.topic_id, "self", 3);

    const own = await call<{ profile: MemberProfile }>(
      profileRoute.loader,
      buildRequest(`/profile?member=${colleague.membershipId}`, { cookie: eng.cookie }),
    );
    expect(own.status).toBe(200);
    expect(own.data.profile.member.id).toBe(eng.membershipId);

    const empty = await call<{ profile: MemberProfile }>(
      profileRoute.loader,
      buildRequest("/profile", { cookie: colleague.cookie }),
    );
    expect(empty.data.profile.member.displayName).toBe("Col League");
    expect(empty.data.profile.topics.every((t) => t.self === undefined)).toBe(true);
    expect(empty.data.profile.history).toEqual([]);

    expect((await call(profileRoute.loader, buildRequest("/profile"))).status).toBe(302);
  });
});
