import { sql } from "kysely";
import { db } from "#db/database";
import { logger } from "~/lib/logger.server";
import { generateReport } from "./generate-report.server";

// The worker's report scan: every closed cycle gets a frozen report for the whole
// organisation and for each team that took part in it, once (a unique index per cycle and scope guards against
// two workers). A cycle closed within the last week also sends "report ready"; older ones
// (the first run after an upgrade, imported history) are reported silently.

const NOTIFY_WITHIN_DAYS = 7;
const PER_RUN = 50;

export async function generateDueReports(
  now = new Date(),
  { organizationId }: { organizationId?: string } = {},
): Promise<number> {
  const { rows } = await sql<{
    organization_id: string;
    cycle_id: string;
    team_id: string | null;
    recent: boolean;
  }>`
    SELECT c.organization_id, c.id AS cycle_id, s.team_id,
      coalesce(c.closed_at >= ${now}::timestamptz - make_interval(days => ${NOTIFY_WITHIN_DAYS}), false)
        AS recent
    FROM cycles c
    CROSS JOIN LATERAL (
      SELECT NULL::uuid AS team_id
      UNION ALL SELECT t.id FROM teams t WHERE t.organization_id = c.organization_id
        -- Only teams that took part: there before the cycle closed, with a member who was
        -- assessed or rated in it.
        AND t.created_at <= coalesce(c.closed_at, 'infinity')
        AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = t.id
          AND (EXISTS (SELECT 1 FROM assessments a
                 WHERE a.cycle_id = c.id AND a.member_id = tm.membership_id)
            OR EXISTS (SELECT 1 FROM ratings r
                 WHERE r.cycle_id = c.id AND r.member_id = tm.membership_id)))
    ) s
    WHERE c.status = 'closed'
      ${organizationId ? sql`AND c.organization_id = ${organizationId}` : sql``}
      AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.cycle_id = c.id
        AND r.trigger = 'cycle_closed' AND r.team_id IS NOT DISTINCT FROM s.team_id)
    ORDER BY c.starts_on, s.team_id NULLS FIRST
    LIMIT ${PER_RUN}`.execute(db);
  let generated = 0;
  for (const due of rows) {
    try {
      await generateReport({
        organizationId: due.organization_id,
        cycleId: due.cycle_id,
        teamId: due.team_id,
        generatedByUserId: null,
        trigger: "cycle_closed",
        notify: due.recent,
      });
      generated += 1;
    } catch (error) {
      // Another worker made it first: the unique index said so.
      if ((error as { code?: string }).code === "23505") continue;
      throw error;
    }
  }
  if (generated) logger.info({ generated }, "reports: generated for closed cycles");
  return generated;
}
