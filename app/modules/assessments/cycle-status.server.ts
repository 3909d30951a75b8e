import { db } from "#db/database";

/**
 * The member's place in the organisation's current cycle: the open cycle (else the most
 * recent one), their assessment status in it and how many of its topics they have answered
 * (a rating carried from an earlier cycle pre-fills the draft, so it counts).
 */
export async function memberCycleStatus(organizationId: string, memberId: string) {
  const cycle = await db
    .selectFrom("cycles")
    .select(["id", "name", "status", "starts_on", "due_on", "ends_on", "framework_version_id"])
    .where("organization_id", "=", organizationId)
    .where("status", "in", ["open", "closed"])
    .orderBy((eb) => eb.case().when("status", "=", "open").then(0).else(1).end())
    .orderBy("starts_on", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!cycle) return null;
  const [assessment, counts] = await Promise.all([
    db
      .selectFrom("assessments")
      .select(["status", "submitted_at", "validated_at"])
      .where("organization_id", "=", organizationId)
      .where("cycle_id", "=", cycle.id)
      .where("member_id", "=", memberId)
      .executeTakeFirst(),
    db
      .selectFrom("topic_revisions as tr")
      .leftJoin("current_ratings as cr", (join) =>
        join
          .onRef("cr.topic_id", "=", "tr.topic_id")
          .on("cr.member_id", "=", memberId)
          .on("cr.source", "=", "self"),
      )
      .select((eb) => [
        eb.fn.countAll<number>().as("topics"),
        eb.fn.count<number>("cr.topic_id").as("rated"),
      ])
      .where("tr.framework_version_id", "=", cycle.framework_version_id)
      .where("tr.organization_id", "=", organizationId)
      .where("tr.retired", "=", false)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    cycle: {
      id: cycle.id,
      name: cycle.name,
      status: cycle.status,
      dueOn: cycle.due_on,
      endsOn: cycle.ends_on,
    },
    assessmentStatus: assessment?.status ?? "not_started",
    topics: counts.topics,
    rated: counts.rated,
  };
}
