import { sql, type Kysely } from "kysely";
import { db } from "#db/database";
import type { Database } from "#db/schema";

// A quarterly report freezes the development-plan goals of its members that were in play in
// its cycle (made in a plan of that cycle or an earlier one, due in it or later), each with
// the person's level as of the cycle (member_levels_as_of, migrations 0006 and 0026) and its
// outcome:
// - met: the level reached the target;
// - missed: not met, and it was due before this cycle, or in it and the cycle is closed;
// - carried over: not met, still due later (or in this cycle while it is still open).

export async function freezePlanGoals(
  trx: Kysely<Database>,
  report: { id: string; organizationId: string },
  cycle: { id: string; starts_on: string; status: string },
) {
  await sql`
    WITH members AS (SELECT DISTINCT member_id FROM report_draft),
    goals AS (
      SELECT p.member_id, g.id, g.topic_id, g.target_level, g.position, pc.starts_on AS plan_start,
        dc.name AS due_name, dc.starts_on AS due_start
      FROM development_plans p
      JOIN cycles pc ON pc.id = p.cycle_id
      JOIN plan_goals g ON g.plan_id = p.id
      JOIN cycles dc ON dc.id = g.due_cycle_id
      WHERE p.organization_id = ${report.organizationId} AND p.status = 'active'
        AND p.member_id IN (SELECT member_id FROM members)
        AND pc.starts_on <= ${cycle.starts_on}::date AND dc.starts_on >= ${cycle.starts_on}::date
    )
    INSERT INTO report_plan_goals (report_id, organization_id, member_id, goal_id, topic_name,
      target_level, due_cycle_name, level, outcome, position)
    SELECT ${report.id}, ${report.organizationId}, g.member_id, g.id,
      coalesce((SELECT t.name FROM topic_revisions t JOIN cycles cy
          ON cy.framework_version_id = t.framework_version_id
        WHERE cy.id = ${cycle.id} AND t.topic_id = g.topic_id), '(removed topic)'),
      g.target_level, g.due_name, a.level,
      CASE WHEN a.level >= g.target_level THEN 'met'
        WHEN g.due_start < ${cycle.starts_on}::date
          OR (g.due_start = ${cycle.starts_on}::date AND ${cycle.status} = 'closed') THEN 'missed'
        ELSE 'carried_over' END,
      row_number() OVER (PARTITION BY g.member_id ORDER BY g.plan_start, g.position)::int
    FROM goals g
    LEFT JOIN member_levels_as_of(${cycle.id}, ARRAY(SELECT member_id FROM members)) a
      ON a.member_id = g.member_id AND a.topic_id = g.topic_id`.execute(trx);
}

/** The goals a report froze for one member, in plan order. */
export function frozenPlanGoals(organizationId: string, reportId: string, memberId: string) {
  return db
    .selectFrom("report_plan_goals")
    .select(["goal_id", "topic_name", "target_level", "due_cycle_name", "level", "outcome"])
    .where("organization_id", "=", organizationId)
    .where("report_id", "=", reportId)
    .where("member_id", "=", memberId)
    .orderBy("position")
    .execute();
}
