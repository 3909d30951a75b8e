import { sql } from "kysely";
import { db } from "#db/database";
import type { AssessmentStatus, CalibrationResolution } from "#db/schema";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { findOpenCycle } from "~/modules/assessments/open-cycle.server";
import { CALIBRATION_DIFFERENCE } from "./gap-formula";
import { cachedGapFigures } from "./gap-cache.server";
import type { GapScope } from "./gap-scope";
import { scopeCtes } from "./team-gaps.server";
import { viewableMember } from "~/modules/accounts/visibility.server";

// What a lead reviews: the calibration queue, the assessments waiting for validation, and one
// member's assessment as the validating lead sees it. The lead's writes are in
// app/modules/ratings/lead-ratings.server.ts.

export interface CalibrationHistoryEntry {
  resolution: CalibrationResolution;
  note: string | null;
  self: number | null;
  lead: number | null;
  by: string | null;
  at: string;
}

export interface CalibrationItem {
  memberId: string;
  displayName: string;
  topicId: string;
  topicName: string;
  self: number;
  lead: number;
  /** The pair of ratings the item is about (a resolution settles exactly this pair). */
  selfRatingId: number;
  leadRatingId: number;
  /** When the levels came apart: the later of the two ratings. */
  since: string;
  /** Earlier resolutions of this member's topic, newest first (a reopened item has some). */
  history: CalibrationHistoryEntry[];
}

/** A resolution of a pair as it was: the levels, what was done, by whom, when. */
const HISTORY_ENTRY = sql`json_build_object('resolution', cr.resolution, 'note', cr.note,
  'self', rs.level, 'lead', rl.level, 'by', ru.display_name, 'at', cr.created_at)`;
const HISTORY_JOINS = sql`JOIN ratings rs ON rs.id = cr.self_rating_id
  JOIN ratings rl ON rl.id = cr.lead_rating_id
  LEFT JOIN users ru ON ru.id = cr.resolved_by_user_id`;

export const CALIBRATION_PAGE = 200;

/**
 * Topics where the member's own level and the lead's differ by two or more, biggest first:
 * the first `limit` items and how many there are in all.
 */
export function calibrationQueue(
  scope: GapScope,
  limit = CALIBRATION_PAGE,
): Promise<{ items: CalibrationItem[]; total: number }> {
  return cachedGapFigures("calibrationQueue", scope, [limit], () =>
    computeCalibrationQueue(scope, limit),
  );
}

async function computeCalibrationQueue(
  scope: GapScope,
  limit: number,
): Promise<{ items: CalibrationItem[]; total: number }> {
  const { rows } = await sql<{ items: CalibrationItem[]; total: number }>`
    WITH ${scopeCtes(scope)},
    -- The organisation's differing pairs first, from their own index
    -- (current_levels_calibration): a few per person, where reading each topic's levels in
    -- view means everyone's.
    differing AS MATERIALIZED (
      SELECT cl.member_id, cl.topic_id, cl.self_level, cl.lead_level, cl.self_rating_id,
        cl.lead_rating_id, cl.self_rated_at, cl.lead_rated_at
      FROM current_levels cl
      WHERE cl.organization_id = ${scope.organizationId}
        AND abs(cl.self_level - cl.lead_level) >= ${sql.lit(CALIBRATION_DIFFERENCE)}
    ),
    queue AS (
      SELECT cl.member_id, cl.topic_id, cl.self_level, cl.lead_level, t.category_position,
        t.position, cl.self_rating_id, cl.lead_rating_id,
        greatest(cl.self_rated_at, cl.lead_rated_at) AS since
      FROM differing cl
      JOIN scope_members m ON m.id = cl.member_id
      JOIN scope_topics t ON t.topic_id = cl.topic_id
      -- Open until a lead resolves this very pair; a newer rating that differs reopens it.
      WHERE NOT EXISTS (SELECT 1 FROM calibration_resolutions cr
          WHERE cr.member_id = cl.member_id AND cr.topic_id = cl.topic_id
            AND cr.self_rating_id = cl.self_rating_id AND cr.lead_rating_id = cl.lead_rating_id)
    )
    SELECT (SELECT count(*)::int FROM queue) AS total,
      coalesce((SELECT json_agg(item) FROM (
        SELECT q.member_id AS "memberId", u.display_name AS "displayName",
          q.topic_id AS "topicId", tr.name AS "topicName", q.self_level AS self,
          q.lead_level AS lead, q.self_rating_id AS "selfRatingId",
          q.lead_rating_id AS "leadRatingId", q.since,
          coalesce((SELECT json_agg(${HISTORY_ENTRY} ORDER BY cr.id DESC)
            FROM calibration_resolutions cr ${HISTORY_JOINS}
            WHERE cr.member_id = q.member_id AND cr.topic_id = q.topic_id), '[]') AS history
        FROM queue q
        JOIN memberships mm ON mm.id = q.member_id
        JOIN users u ON u.id = mm.user_id
        JOIN topic_revisions tr
          ON tr.framework_version_id = ${scope.versionId} AND tr.topic_id = q.topic_id
        ORDER BY abs(q.self_level - q.lead_level) DESC, u.display_name, q.category_position,
          q.position
        LIMIT ${limit}) item), '[]') AS items`.execute(db);
  return rows[0]!;
}

export interface ResolvedCalibration extends CalibrationHistoryEntry {
  memberId: string;
  displayName: string;
  topicId: string;
  topicName: string;
}

/** The latest resolutions of calibration items in scope, newest first. */
export function recentResolutions(scope: GapScope, limit = 20): Promise<ResolvedCalibration[]> {
  return cachedGapFigures("recentResolutions", scope, [limit], async () => {
    const { rows } = await sql<{ item: ResolvedCalibration }>`
      WITH ${scopeCtes(scope)}
      SELECT ${HISTORY_ENTRY}::jsonb || jsonb_build_object('memberId', cr.member_id,
          'displayName', u.display_name, 'topicId', cr.topic_id, 'topicName', t.name) AS item
      FROM calibration_resolutions cr
      JOIN scope_members m ON m.id = cr.member_id
      JOIN scope_topics t ON t.topic_id = cr.topic_id
      JOIN memberships mm ON mm.id = cr.member_id
      JOIN users u ON u.id = mm.user_id
      ${HISTORY_JOINS}
      WHERE cr.organization_id = ${scope.organizationId}
      ORDER BY cr.id DESC
      LIMIT ${limit}`.execute(db);
    return rows.map((r) => r.item);
  });
}

export interface ValidatedAssessment {
  memberId: string;
  displayName: string;
  validatedAt: string;
  validator: string | null;
  acknowledgedAt: string | null;
}

/**
 * Assessments of the open cycle in scope that a lead validated, and whether each member has
 * acknowledged the validation: unacknowledged first.
 */
export async function validatedAssessments(scope: GapScope): Promise<ValidatedAssessment[]> {
  const { rows } = await sql<ValidatedAssessment>`
    WITH ${scopeCtes(scope)}
    SELECT m.id AS "memberId", u.display_name AS "displayName", a.validated_at AS "validatedAt",
      v.display_name AS validator, a.acknowledged_at AS "acknowledgedAt"
    FROM scope_members m
    JOIN memberships mm ON mm.id = m.id
    JOIN users u ON u.id = mm.user_id
    JOIN assessments a ON a.member_id = m.id AND a.organization_id = ${scope.organizationId}
    JOIN cycles c ON c.id = a.cycle_id AND c.status = 'open'
    LEFT JOIN users v ON v.id = a.validated_by_user_id
    WHERE a.status = 'validated'
    ORDER BY a.acknowledged_at IS NOT NULL, u.display_name`.execute(db);
  return rows;
}

export interface PendingValidation {
  memberId: string;
  displayName: string;
  status: AssessmentStatus;
  submittedAt: string | null;
}

/** Assessments of the open cycle in scope that are submitted and wait for their lead. */
export function pendingValidations(scope: GapScope): Promise<PendingValidation[]> {
  return cachedGapFigures("pendingValidations", scope, [], () => computePendingValidations(scope));
}

async function computePendingValidations(scope: GapScope): Promise<PendingValidation[]> {
  const { rows } = await sql<PendingValidation>`
    WITH ${scopeCtes(scope)}
    SELECT m.id AS "memberId", u.display_name AS "displayName", a.status,
      a.submitted_at AS "submittedAt"
    FROM scope_members m
    JOIN memberships mm ON mm.id = m.id
    JOIN users u ON u.id = mm.user_id
    JOIN cycles c ON c.organization_id = ${scope.organizationId} AND c.status = 'open'
    JOIN assessments a ON a.cycle_id = c.id AND a.member_id = m.id
      AND a.organization_id = ${scope.organizationId}
    WHERE a.status = 'submitted'
    ORDER BY a.submitted_at, u.display_name`.execute(db);
  return rows;
}

export interface ValidationTopic {
  id: string;
  name: string;
  categoryId: string;
  categoryName: string;
  target: number | null;
  self: { level: number | null; note: string | null; evidence: string[] } | null;
  /** The lead's newest rating, of any cycle; `thisCycle` when it was given in this cycle. */
  lead: {
    ratingId: number;
    level: number | null;
    note: string | null;
    ratedAt: string;
    thisCycle: boolean;
  } | null;
}

/**
 * The member's assessment in the open cycle as the validating lead sees it: per topic the
 * member's level, note and evidence, the lead's current level and comment, and the target.
 */
export async function loadValidation(ctx: MemberContext, memberId: string) {
  const member = await viewableMember(ctx, memberId);
  const cycle = await findOpenCycle(ctx.organization.id);
  if (!cycle) return { member, cycle: null, assessment: null, topics: [] };
  const assessment = await db
    .selectFrom("assessments as a")
    .leftJoin("users as v", "v.id", "a.validated_by_user_id")
    .select(["a.id", "a.status", "a.submitted_at", "a.validated_at", "v.display_name as validator"])
    .where("a.cycle_id", "=", cycle.id)
    .where("a.member_id", "=", member.id)
    .executeTakeFirst();
  const rows = await db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .innerJoin("memberships as m", (join) => join.on("m.id", "=", member.id))
    .leftJoin("topic_targets as tt", (join) =>
      join
        .onRef("tt.framework_version_id", "=", "t.framework_version_id")
        .onRef("tt.topic_id", "=", "t.topic_id")
        .onRef("tt.target_profile_id", "=", "m.target_profile_id"),
    )
    .leftJoin("current_levels as cl", (join) =>
      join.onRef("cl.topic_id", "=", "t.topic_id").on("cl.member_id", "=", member.id),
    )
    .leftJoin("ratings as rs", "rs.id", "cl.self_rating_id")
    .leftJoin("ratings as rl", "rl.id", "cl.lead_rating_id")
    .select([
      "t.topic_id",
      "t.name",
      "c.category_id",
      "c.name as category_name",
      "tt.target_level",
      "cl.self_rating_id as self_id",
      "cl.self_level",
      "rs.note as self_note",
      "rs.evidence_urls",
      "cl.lead_rating_id as lead_id",
      "cl.lead_level",
      "cl.lead_cycle_id",
      "cl.lead_rated_at",
      "rl.note as lead_note",
    ])
    .where("t.organization_id", "=", ctx.organization.id)
    .where("t.framework_version_id", "=", cycle.framework_version_id)
    .where("t.retired", "=", false)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
  const topics: ValidationTopic[] = rows.map((r) => ({
    id: r.topic_id,
    name: r.name,
    categoryId: r.category_id,
    categoryName: r.category_name,
    target: r.target_level,
    self:
      r.self_id === null
        ? null
        : { level: r.self_level, note: r.self_note, evidence: r.evidence_urls ?? [] },
    lead:
      r.lead_id === null
        ? null
        : {
            ratingId: r.lead_id,
            level: r.lead_level,
            note: r.lead_note,
            ratedAt: new Date(r.lead_rated_at!).toISOString(),
            thisCycle: r.lead_cycle_id === cycle.id,
          },
  }));
  return {
    member,
    cycle: { id: cycle.id, name: cycle.name },
    assessment: assessment
      ? {
          status: assessment.status,
          submittedAt: assessment.submitted_at?.toISOString() ?? null,
          validatedAt: assessment.validated_at?.toISOString() ?? null,
          validator: assessment.validator,
        }
      : null,
    topics,
  };
}
