import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { addMember, createOrgWithAdmin } from "./support/factories";

async function fixture() {
  const { organizationId, admin } = await createOrgWithAdmin();
  const eng = await addMember(organizationId);
  const version = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select("f.current_version_id")
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const topic = await db
    .selectFrom("topic_revisions")
    .select("topic_id")
    .where("framework_version_id", "=", version.current_version_id as string)
    .orderBy("position")
    .executeTakeFirstOrThrow();
  const cycle = await db
    .insertInto("cycles")
    .values({
      organization_id: organizationId,
      framework_version_id: version.current_version_id as string,
      name: "2026-Q4",
      status: "open",
      starts_on: "2026-10-01",
      due_on: "2026-11-30",
      ends_on: "2026-12-31",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const rate = (level: number | null) =>
    db
      .insertInto("ratings")
      .values({
        organization_id: organizationId,
        cycle_id: cycle.id,
        member_id: eng.membershipId,
        topic_id: topic.topic_id,
        source: "self",
        level,
        rated_by_user_id: eng.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
  return { organizationId, admin, eng, topicId: topic.topic_id, cycleId: cycle.id, rate };
}

describe("append-only ratings", () => {
  it("keeps every rating and refuses to change or delete one", async () => {
    const { rate } = await fixture();
    const first = await rate(2);
    await expect(sql`UPDATE ratings SET level = 4 WHERE id = ${first.id}`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM ratings WHERE id = ${first.id}`.execute(db)).rejects.toThrow(/append-only/);
    const kept = await db.selectFrom("ratings").select("level").where("id", "=", first.id).executeTakeFirstOrThrow();
    expect(kept.level).toBe(2);
  });

  it("keeps the current rating equal to the newest row, N/A included", async () => {
    const { rate, eng, topicId } = await fixture();
    await rate(1);
    await rate(3);
    const current = () =>
      db
        .selectFrom("current_levels")
        .select(["self_level as level", "self_rating_id as rating_id"])
        .where("member_id", "=", eng.membershipId)
        .where("topic_id", "=", topicId)
        .executeTakeFirstOrThrow();
    expect((await current()).level).toBe(3);
    const na = await rate(null);
    expect(await current()).toEqual({ level: null, rating_id: na.id });
    const history = await db
      .selectFrom("ratings")
      .select("level")
      .where("member_id", "=", eng.membershipId)
      .orderBy("id")
      .execute();
    expect(history.map((h) => h.level)).toEqual([1, 3, null]);
  });

  it("cannot point a rating at another organisation's member", async () => {
    const { cycleId, topicId, organizationId } = await fixture();
    const other = await createOrgWithAdmin();
    await expect(
      db
        .insertInto("ratings")
        .values({
          organization_id: organizationId,
          cycle_id: cycleId,
          member_id: other.admin.membershipId,
          topic_id: topicId,
          source: "self",
          level: 2,
        })
        .execute(),
    ).rejects.toThrow(/foreign key/);
  });
});
