import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { TargetPriority } from "#db/schema";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import type { GapScope } from "~/modules/gaps/gap-scope";
import { priorityWeight } from "~/modules/gaps/priority-weight.server";
import { meetsPrivacyFloor } from "~/modules/gaps/privacy-floor";
import { scopeCtes } from "~/modules/gaps/team-gaps.server";

// Readiness of a member for a profile (by default the next one up from theirs, in the
// profiles' order): targets met per priority, the weighted gap and the topics that block.
// A person's level is member_levels (migration 0006); the weight of a shortfall is the gap
// formula's (priorityWeight); the people and topics in view are the gap view's scope
// (scopeCtes), so every figure here is the one the gap pages show, per person.
//
// - met: level ≥ target. A topic the person marked N/A is left out of its priority's total;
//   an unrated one counts in the total and is not met (it is not yet shown to be met).
// - score: Σ weight × levels short over rated topics below target (the gap formula).
// - blocking: the rated topics below target, biggest weight × shortfall first.

export const READINESS_SORTS = ["name", "ready", "gap"] as const;
export type ReadinessSort = (typeof READINESS_SORTS)[number];

export interface BlockingTopic {
  topicId: string;
  name: string;
  category: string;
  priority: TargetPriority;
  target: number;
  level: number;
  score: number;
}

export interface Readiness {
  memberId: string;
  displayName: string;
  /** The member's own profile; null when they have none. */
  ownProfile: { id: string; name: string } | null;
  /** The profile readiness is measured against; null when the framework has no profiles. */
  profile: { id: string; name: string } | null;
  /** Whether `profile` is the default (the next one up), not one the viewer chose. */
  isDefaultProfile: boolean;
  mustHave: { met: number; total: number };
  goodToHave: { met: number; total: number };
  advanced: { met: number; total: number };
  unrated: number;
  score: number;
  /** Every must-have target met. */
  ready: boolean;
  blocking: BlockingTopic[];
}

interface ReadinessQuery {
  /** Restrict to these members (one person's page). */
  memberIds?: string[];
  /** Measure everyone against this profile instead of their next one up. */
  against?: string | null;
  sort?: ReadinessSort;
  /** How many blocking topics to list per member (all when omitted). */
  blockingLimit?: number;
}

const weight = priorityWeight(sql`tt.priority`);

/** Readiness of every member in scope (a team, a profile, or the given members). */
export async function readinessOf(
  scope: GapScope,
  query: ReadinessQuery = {},
): Promise<Readiness[]> {
  const wide: GapScope = { ...scope, categoryId: null, priority: null };
  const ordering =
    query.sort === "ready"
      ? sql`r.ready DESC, r.must_met::float / nullif(r.must_total, 0) DESC NULLS LAST, r.score, r.name`
      : query.sort === "gap"
        ? sql`r.score DESC, r.name`
        : sql`r.name, r.member_id`;
  const { rows } = await sql<{ readiness: Readiness }>`
    WITH ${scopeCtes(wide, { memberIds: query.memberIds })},
    fw AS (SELECT framework_id FROM framework_versions WHERE id = ${scope.versionId}),
    yard AS (
      SELECT m.id AS member_id, own.id AS own_id, own.name AS own_name,
        coalesce(${query.against ?? null}::uuid, (
          SELECT p.id FROM target_profiles p, fw
          WHERE p.organization_id = ${scope.organizationId} AND p.framework_id = fw.framework_id
            AND (own.id IS NULL OR (p.position, p.name) > (own.position, own.name))
          ORDER BY p.position, p.name LIMIT 1), own.id) AS profile_id
      FROM scope_members m
      LEFT JOIN target_profiles own ON own.id = m.target_profile_id
        AND own.framework_id = (SELECT framework_id FROM fw)
    ),
    targets AS (
      SELECT y.member_id, t.topic_id, t.name, t.category_id, tt.priority,
        tt.target_level AS target, ml.topic_id IS NOT NULL AS answered, ml.level,
        ${weight} AS weight, t.category_position, t.position
      FROM yard y
      JOIN topic_targets tt ON tt.framework_version_id = ${scope.versionId}
        AND tt.target_profile_id = y.profile_id
      JOIN scope_topics t ON t.topic_id = tt.topic_id
      LEFT JOIN member_levels ml ON ml.organization_id = ${scope.organizationId}
        AND ml.member_id = y.member_id AND ml.topic_id = tt.topic_id
    ),
    per_member AS (
      SELECT y.member_id, u.display_name AS name, y.own_id, y.own_name, y.profile_id,
        p.name AS profile_name,
        count(*) FILTER (WHERE x.priority = 'must_have' AND (x.level IS NOT NULL OR NOT x.answered))::int AS must_total,
        count(*) FILTER (WHERE x.priority = 'must_have' AND x.level >= x.target)::int AS must_met,
        count(*) FILTER (WHERE x.priority = 'good_to_have' AND (x.level IS NOT NULL OR NOT x.answered))::int AS good_total,
        count(*) FILTER (WHERE x.priority = 'good_to_have' AND x.level >= x.target)::int AS good_met,
        count(*) FILTER (WHERE x.priority = 'advanced' AND (x.level IS NOT NULL OR NOT x.answered))::int AS adv_total,
        count(*) FILTER (WHERE x.priority = 'advanced' AND x.level >= x.target)::int AS adv_met,
        count(*) FILTER (WHERE x.topic_id IS NOT NULL AND NOT x.answered)::int AS unrated,
        coalesce(sum(x.weight * (x.target - x.level)) FILTER (WHERE x.level < x.target), 0)::int AS score
      FROM yard y
      JOIN memberships mm ON mm.id = y.member_id
      JOIN users u ON u.id = mm.user_id
      LEFT JOIN target_profiles p ON p.id = y.profile_id
      LEFT JOIN targets x ON x.member_id = y.member_id
      GROUP BY y.member_id, u.display_name, y.own_id, y.own_name, y.profile_id, p.name
    ),
    r AS (
      SELECT pm.*, pm.must_met = pm.must_total AND pm.profile_id IS NOT NULL AS ready
      FROM per_member pm
    )
    SELECT json_build_object(
      'memberId', r.member_id, 'displayName', r.name,
      'ownProfile', CASE WHEN r.own_id IS NOT NULL
        THEN json_build_object('id', r.own_id, 'name', r.own_name) END,
      'profile', CASE WHEN r.profile_id IS NOT NULL
        THEN json_build_object('id', r.profile_id, 'name', r.profile_name) END,
      'isDefaultProfile', ${query.against ?? null}::uuid IS NULL,
      'mustHave', json_build_object('met', r.must_met, 'total', r.must_total),
      'goodToHave', json_build_object('met', r.good_met, 'total', r.good_total),
      'advanced', json_build_object('met', r.adv_met, 'total', r.adv_total),
      'unrated', r.unrated, 'score', r.score, 'ready', r.ready,
      'blocking', coalesce((
        SELECT json_agg(json_build_object('topicId', b.topic_id, 'name', b.name,
            'category', c.name, 'priority', b.priority, 'target', b.target, 'level', b.level,
            'score', b.weight * (b.target - b.level))
          ORDER BY b.weight * (b.target - b.level) DESC, b.category_position, b.position)
        FROM (SELECT * FROM targets x WHERE x.member_id = r.member_id AND x.level < x.target
          ORDER BY x.weight * (x.target - x.level) DESC, x.category_position, x.position
          LIMIT ${query.blockingLimit ?? null}) b
        JOIN category_revisions c ON c.framework_version_id = ${scope.versionId}
          AND c.category_id = b.category_id), '[]')
    ) AS readiness
    FROM r
    ORDER BY ${ordering}`.execute(db);
  return rows.map((r) => r.readiness);
}

export interface ReadinessTrendPoint {
  cycleId: string;
  cycleName: string;
  mustHaveMet: number;
  mustHaveTotal: number;
  score: number;
}

/**
 * The same figures as of each open or closed cycle (member_levels_as_of), against the
 * profile's targets in the framework version in use today, so the points compare.
 */
export async function readinessTrend(
  scope: GapScope,
  memberId: string,
  profileId: string,
): Promise<ReadinessTrendPoint[]> {
  const { rows } = await sql<ReadinessTrendPoint>`
    WITH shown AS (
      SELECT id, name, starts_on FROM cycles
      WHERE organization_id = ${scope.organizationId} AND status IN ('open', 'closed')
    ),
    levels AS (
      SELECT cy.id AS cycle_id, a.topic_id, a.level
      FROM shown cy CROSS JOIN LATERAL member_levels_as_of(cy.id, ARRAY[${memberId}::uuid]) a
    )
    SELECT cy.id AS "cycleId", cy.name AS "cycleName",
      count(*) FILTER (WHERE tt.priority = 'must_have' AND (a.level IS NOT NULL OR a.topic_id IS NULL))::int
        AS "mustHaveTotal",
      count(*) FILTER (WHERE tt.priority = 'must_have' AND a.level >= tt.target_level)::int
        AS "mustHaveMet",
      coalesce(sum(${weight} * (tt.target_level - a.level))
        FILTER (WHERE a.level < tt.target_level), 0)::int AS score
    FROM shown cy
    CROSS JOIN topic_targets tt
    JOIN topic_revisions t ON t.framework_version_id = tt.framework_version_id
      AND t.topic_id = tt.topic_id AND NOT t.retired
    LEFT JOIN levels a ON a.cycle_id = cy.id AND a.topic_id = tt.topic_id
    WHERE tt.framework_version_id = ${scope.versionId} AND tt.target_profile_id = ${profileId}
    GROUP BY cy.id, cy.name, cy.starts_on
    ORDER BY cy.starts_on`.execute(db);
  return rows;
}

/** The organisation's framework version and privacy floor, as a scope over everyone. */
export async function organisationScope(organizationId: string): Promise<GapScope> {
  const org = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.current_version_id", "o.privacy_floor", "o.stale_after_days"])
    .where("o.id", "=", organizationId)
    .executeTakeFirst();
  if (!org?.current_version_id) throw notFound("Framework");
  return {
    organizationId,
    versionId: org.current_version_id,
    teamId: null,
    categoryId: null,
    priority: null,
    profileId: null,
    compareProfileId: null,
    staleBefore: new Date(Date.now() - org.stale_after_days * 86_400_000),
    privacyFloor: org.privacy_floor,
  };
}

/** A profile of the organisation's framework, or null (an unknown id in a link is dropped). */
export async function profileOfFramework(scope: GapScope, profileId: string | null | undefined) {
  if (!profileId || !z.uuid().safeParse(profileId).success) return null;
  const row = await db
    .selectFrom("target_profiles as p")
    .innerJoin("framework_versions as v", "v.framework_id", "p.framework_id")
    .select(["p.id", "p.name"])
    .where("p.organization_id", "=", scope.organizationId)
    .where("v.id", "=", scope.versionId)
    .where("p.id", "=", profileId)
    .executeTakeFirst();
  return row ?? null;
}

/** The framework's profiles in their order (the order "next level up" follows). */
export function orderedProfiles(scope: GapScope) {
  return db
    .selectFrom("target_profiles as p")
    .innerJoin("framework_versions as v", "v.framework_id", "p.framework_id")
    .select(["p.id", "p.name"])
    .where("p.organization_id", "=", scope.organizationId)
    .where("v.id", "=", scope.versionId)
    .orderBy("p.position")
    .orderBy("p.name")
    .execute();
}

/** One member's readiness (they must be reachable: see member-reach.server.ts) and trend. */
export async function memberReadiness(
  organizationId: string,
  memberId: string,
  against: string | null = null,
) {
  const scope = await organisationScope(organizationId);
  const chosen = await profileOfFramework(scope, against);
  const [readiness] = await readinessOf(scope, { memberIds: [memberId], against: chosen?.id });
  if (!readiness) throw notFound("Member");
  const [trend, profiles] = await Promise.all([
    readiness.profile ? readinessTrend(scope, memberId, readiness.profile.id) : [],
    orderedProfiles(scope),
  ]);
  return { readiness, trend, profiles };
}

const TableQuery = z.object({
  sort: z.enum(READINESS_SORTS).catch("name"),
  against: z.uuid().optional().catch(undefined),
});

/**
 * The readiness table of a team (or the organisation, for admins) as the gap view resolves
 * it (team and profile filters, who may see what), sorted, optionally against one profile.
 * The count of people ready is an aggregate: hidden when fewer people rated than the
 * organisation's privacy floor.
 */
export async function teamReadiness(ctx: MemberContext, params: URLSearchParams) {
  const { scope, filters, options } = await resolveGapScope(ctx, params);
  const query = TableQuery.parse({
    sort: params.get("sort") ?? undefined,
    against: params.get("against") || undefined,
  });
  const against = await profileOfFramework(scope, query.against);
  const rows = await readinessOf(scope, {
    sort: query.sort,
    against: against?.id,
    blockingLimit: 3,
  });
  // The floor counts the people who rated (ADR 015), not everyone in the table.
  const raters = rows.filter(
    (r) => r.mustHave.total + r.goodToHave.total + r.advanced.total > r.unrated,
  ).length;
  const hidden = !meetsPrivacyFloor(raters, scope.privacyFloor);
  return {
    rows,
    filters,
    options,
    sort: query.sort,
    against: against?.id ?? null,
    summary: hidden ? null : { ready: rows.filter((r) => r.ready).length, members: rows.length },
    privacyFloor: scope.privacyFloor,
  };
}
