import { sql } from "kysely";
import { db } from "#db/database";
import { findOpenCycle } from "./open-cycle.server";

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
      .leftJoin("current_levels as cl", (join) =>
        join.onRef("cl.topic_id", "=", "tr.topic_id").on("cl.member_id", "=", memberId),
      )
      .select((eb) => [
        eb.fn.countAll<number>().as("topics"),
        eb.fn.count<number>("cl.self_rating_id").as("rated"),
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

export interface CycleCompletion {
  /** Active members (of the team, or of the organisation). */
  people: number;
  /** Their assessments in the open cycle that are submitted or validated. */
  done: number;
  /** Not submitted although the cycle's due date has passed in the organisation's calendar. */
  overdue: number;
}

/**
 * How far the open cycle has come, per team and for the whole organisation (`team: null`;
 * a person in two teams counts once there). Null when no cycle is open.
 */
export async function openCycleCompletion(organizationId: string, today: string) {
  const cycle = await findOpenCycle(organizationId);
  if (!cycle) return null;
  const { rows } = await sql<CycleCompletion & { team: string | null }>`
    WITH people AS (
      SELECT m.id, coalesce(a.status IN ('submitted', 'validated'), false) AS done
      FROM memberships m
      LEFT JOIN assessments a ON a.member_id = m.id AND a.cycle_id = ${cycle.id}
      WHERE m.organization_id = ${organizationId} AND m.active
    ),
    counted AS (
      SELECT tm.team_id AS team, p.done FROM people p
      JOIN team_members tm ON tm.membership_id = p.id AND tm.organization_id = ${organizationId}
      UNION ALL
      SELECT NULL, p.done FROM people p
    )
    SELECT team, count(*)::int AS people, count(*) FILTER (WHERE done)::int AS done,
      count(*) FILTER (WHERE NOT done AND ${cycle.due_on}::date < ${today}::date)::int AS overdue
    FROM counted GROUP BY team`.execute(db);
  return { cycle: { id: cycle.id, name: cycle.name, dueOn: cycle.due_on }, rows };
}
