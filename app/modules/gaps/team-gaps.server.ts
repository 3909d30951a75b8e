import { sql, type RawBuilder } from "kysely";
import { db } from "#db/database";
import type { RatingSource, TargetPriority } from "#db/schema";
import type { GapScope } from "./gap-scope.server";
import { BUS_FACTOR_RISK_AT, PRIORITY_WEIGHT, PROFICIENT } from "./gap-formula";

// Every figure here is computed by Postgres from current_ratings (one row per member × topic ×
// source, kept by trigger), never by loading ratings into JavaScript. The `cells` CTE is the
// one definition of a member's level on a topic against their target; every view builds on it.

interface CellOptions {
  /** Restrict to these members (a heatmap page). */
  memberIds?: string[];
  /** Restrict to one topic (the topic page). */
  topicId?: string;
}

const weight = sql`CASE c.priority
  WHEN 'must_have' THEN ${sql.lit(PRIORITY_WEIGHT.must_have)}
  WHEN 'good_to_have' THEN ${sql.lit(PRIORITY_WEIGHT.good_to_have)}
  WHEN 'advanced' THEN ${sql.lit(PRIORITY_WEIGHT.advanced)} END`;

/**
 * scope_members, scope_topics and cells (member × topic: shown level — the lead's where there
 * is one, else the member's own — its source and date, the target and priority from the
 * member's profile, the shortfall, and whether an active mentorship covers it).
 */
export function scopeCtes(scope: GapScope, options: CellOptions = {}): RawBuilder<unknown> {
  const org = scope.organizationId;
  const version = scope.versionId;
  const team = scope.teamId
    ? sql`AND EXISTS (SELECT 1 FROM team_members tm
          WHERE tm.team_id = ${scope.teamId} AND tm.membership_id = m.id)`
    : sql``;
  const profile = scope.profileId ? sql`AND m.target_profile_id = ${scope.profileId}` : sql``;
  const members = options.memberIds ? sql`AND m.id = ANY(${options.memberIds}::uuid[])` : sql``;
  const category = scope.categoryId ? sql`AND t.category_id = ${scope.categoryId}` : sql``;
  const topic = options.topicId ? sql`AND t.topic_id = ${options.topicId}` : sql``;
  // A priority filter keeps the topics where that priority applies to someone in scope, and
  // only those members' targets count.
  const priorityTopics = scope.priority
    ? sql`AND EXISTS (SELECT 1 FROM topic_targets tt JOIN scope_members m
            ON m.target_profile_id = tt.target_profile_id
          WHERE tt.framework_version_id = ${version} AND tt.topic_id = t.topic_id
            AND tt.priority = ${scope.priority})`
    : sql``;
  const targetMatches = scope.priority ? sql`tt.priority = ${scope.priority}` : sql`true`;
  return sql`
    scope_members AS (
      SELECT m.id, m.target_profile_id FROM memberships m
      WHERE m.organization_id = ${org} AND m.active ${team} ${profile} ${members}
    ),
    scope_topics AS (
      SELECT t.topic_id, t.category_id, t.name, t.position, c.position AS category_position
      FROM topic_revisions t
      JOIN category_revisions c
        ON c.framework_version_id = t.framework_version_id AND c.category_id = t.category_id
      WHERE t.organization_id = ${org} AND t.framework_version_id = ${version} AND NOT t.retired
        ${category} ${topic} ${priorityTopics}
    ),
    cells AS (
      SELECT m.id AS member_id, t.topic_id, t.category_id,
        CASE WHEN l.rating_id IS NOT NULL THEN l.level ELSE s.level END AS level,
        CASE WHEN l.rating_id IS NOT NULL THEN 'lead' WHEN s.rating_id IS NOT NULL THEN 'self' END
          AS source,
        CASE WHEN l.rating_id IS NOT NULL THEN l.rated_at ELSE s.rated_at END AS rated_at,
        CASE WHEN ${targetMatches} THEN tt.target_level END AS target,
        CASE WHEN ${targetMatches} THEN tt.priority END AS priority,
        s.level AS self_level, s.rating_id IS NOT NULL AS self_rated,
        l.level AS lead_level, l.rating_id IS NOT NULL AS lead_rated
      FROM scope_members m
      CROSS JOIN scope_topics t
      LEFT JOIN current_ratings s
        ON s.member_id = m.id AND s.topic_id = t.topic_id AND s.source = 'self'
      LEFT JOIN current_ratings l
        ON l.member_id = m.id AND l.topic_id = t.topic_id AND l.source = 'lead'
      LEFT JOIN topic_targets tt ON tt.framework_version_id = ${version}
        AND tt.target_profile_id = m.target_profile_id AND tt.topic_id = t.topic_id
    ),
    graded AS (
      -- greatest() skips NULLs, so an unrated or N/A cell needs its NULL gap kept explicitly.
      SELECT c.*, CASE WHEN c.level IS NOT NULL AND c.target IS NOT NULL
          THEN greatest(c.target - c.level, 0) END AS gap,
        ${weight} AS weight,
        CASE WHEN c.level < c.target THEN EXISTS (
          SELECT 1 FROM mentorships ms
          WHERE ms.mentee_id = c.member_id AND ms.topic_id = c.topic_id AND ms.status = 'active'
        ) ELSE false END AS mentored
      FROM cells c
    )`;
}

export interface TopicGap {
  topicId: string;
  name: string;
  categoryId: string;
  /** People with a level (not N/A, not unrated). */
  rated: number;
  notApplicable: number;
  unrated: number;
  /** People with both a target and a level: the coverage denominator. */
  withTarget: number;
  met: number;
  /** People at Proficient or above. */
  proficient: number;
  /** People below their target. */
  affected: number;
  /** Of those, how many an active mentorship covers. */
  mentored: number;
  /** Σ weight × shortfall over the people affected (the top-gaps ranking). */
  score: number;
  averageLevel: number | null;
  busFactorRisk: boolean;
  /** The team's capability target on this topic, when the scope is one team that has one. */
  capability: { minPeople: number; minLevel: number; atLevel: number; met: boolean } | null;
}

export interface CategoryGap {
  categoryId: string;
  name: string;
  averageGap: number | null;
  averageLevel: number | null;
  averageTarget: number | null;
  /** People × topics at each level 0–4, N/A and unrated. */
  levels: [number, number, number, number, number];
  notApplicable: number;
  unrated: number;
  mustHaveTotal: number;
  mustHaveMet: number;
}

export interface GapSummary {
  members: number;
  topics: TopicGap[];
  categories: CategoryGap[];
  mustHave: { total: number; met: number };
  /** Charts that aggregate people are hidden below the organisation's privacy floor. */
  chartsHidden: boolean;
}

/**
 * Coverage, bus factor, shortfall score and capability targets per topic, and the level mix
 * and average gap per category, for everyone in scope — in one statement.
 */
export async function gapSummary(scope: GapScope): Promise<GapSummary> {
  // Capability targets belong to a team; the organisation view has none to check.
  const capability = scope.teamId
    ? sql`SELECT t.topic_id, ct.min_people, ct.min_level,
          (SELECT count(*) FROM graded g WHERE g.topic_id = t.topic_id AND g.level >= ct.min_level)
            AS at_level
        FROM scope_topics t
        JOIN capability_targets ct ON ct.team_id = ${scope.teamId} AND ct.topic_id = t.topic_id`
    : sql`SELECT NULL::uuid AS topic_id, NULL::int AS min_people, NULL::int AS min_level,
          NULL::bigint AS at_level WHERE false`;
  const { rows } = await sql<{ summary: RawSummary }>`
    WITH ${scopeCtes(scope)},
    topic_stats AS (
      SELECT topic_id,
        count(*) FILTER (WHERE source IS NOT NULL AND level IS NOT NULL) AS rated,
        count(*) FILTER (WHERE source IS NOT NULL AND level IS NULL) AS not_applicable,
        count(*) FILTER (WHERE source IS NULL) AS unrated,
        count(*) FILTER (WHERE target IS NOT NULL AND level IS NOT NULL) AS with_target,
        count(*) FILTER (WHERE level >= target) AS met,
        count(*) FILTER (WHERE level >= ${PROFICIENT}) AS proficient,
        count(*) FILTER (WHERE gap > 0) AS affected,
        count(*) FILTER (WHERE gap > 0 AND mentored) AS mentored,
        coalesce(sum(gap * weight) FILTER (WHERE gap > 0), 0) AS score,
        round(avg(level), 2) AS average_level
      FROM graded GROUP BY topic_id
    ),
    capability AS (${capability}),
    category_stats AS (
      SELECT category_id,
        round(avg(gap), 2) AS average_gap,
        round(avg(level), 2) AS average_level,
        round(avg(target), 2) AS average_target,
        json_build_array(
          count(*) FILTER (WHERE level = 0), count(*) FILTER (WHERE level = 1),
          count(*) FILTER (WHERE level = 2), count(*) FILTER (WHERE level = 3),
          count(*) FILTER (WHERE level = 4)) AS levels,
        count(*) FILTER (WHERE source IS NOT NULL AND level IS NULL) AS not_applicable,
        count(*) FILTER (WHERE source IS NULL) AS unrated,
        count(*) FILTER (WHERE priority = 'must_have' AND level IS NOT NULL) AS must_total,
        count(*) FILTER (WHERE priority = 'must_have' AND level >= target) AS must_met
      FROM graded GROUP BY category_id
    )
    SELECT json_build_object(
      'members', (SELECT count(*) FROM scope_members),
      'topics', (
        SELECT coalesce(json_agg(json_build_object(
          'topicId', t.topic_id, 'name', t.name, 'categoryId', t.category_id,
          'rated', coalesce(s.rated, 0), 'notApplicable', coalesce(s.not_applicable, 0),
          'unrated', coalesce(s.unrated, 0), 'withTarget', coalesce(s.with_target, 0),
          'met', coalesce(s.met, 0), 'proficient', coalesce(s.proficient, 0),
          'affected', coalesce(s.affected, 0), 'mentored', coalesce(s.mentored, 0),
          'score', coalesce(s.score, 0), 'averageLevel', s.average_level,
          'capability', CASE WHEN cap.topic_id IS NOT NULL THEN json_build_object(
            'minPeople', cap.min_people, 'minLevel', cap.min_level, 'atLevel', cap.at_level,
            'met', cap.at_level >= cap.min_people) END
        ) ORDER BY t.category_position, t.position), '[]')
        FROM scope_topics t
        LEFT JOIN topic_stats s ON s.topic_id = t.topic_id
        LEFT JOIN capability cap ON cap.topic_id = t.topic_id
      ),
      'categories', (
        SELECT coalesce(json_agg(json_build_object(
          'categoryId', c.category_id, 'name', c.name,
          'averageGap', s.average_gap, 'averageLevel', s.average_level,
          'averageTarget', s.average_target, 'levels', s.levels,
          'notApplicable', s.not_applicable, 'unrated', s.unrated,
          'mustHaveTotal', s.must_total, 'mustHaveMet', s.must_met
        ) ORDER BY c.position), '[]')
        FROM category_stats s
        JOIN category_revisions c
          ON c.category_id = s.category_id AND c.framework_version_id = ${scope.versionId}
      )
    ) AS summary`.execute(db);
  const raw = rows[0]!.summary;
  const topics: TopicGap[] = raw.topics.map((t) => ({
    ...t,
    busFactorRisk: t.proficient <= BUS_FACTOR_RISK_AT,
  }));
  const mustHave = raw.categories.reduce(
    (sum, c) => ({ total: sum.total + c.mustHaveTotal, met: sum.met + c.mustHaveMet }),
    { total: 0, met: 0 },
  );
  return {
    members: raw.members,
    topics,
    categories: raw.categories,
    mustHave,
    chartsHidden: raw.members < scope.privacyFloor,
  };
}

interface RawSummary {
  members: number;
  topics: Omit<TopicGap, "busFactorRisk">[];
  categories: CategoryGap[];
}

/** Topics ranked by score (then people affected, then framework order); only real gaps. */
export function topGaps(summary: GapSummary, limit = 10) {
  return summary.topics
    .filter((t) => t.score > 0)
    .toSorted((a, b) => b.score - a.score || b.affected - a.affected)
    .slice(0, limit);
}

export interface TrendPoint {
  cycleId: string;
  cycleName: string;
  /** Must-have (member × topic) pairs with a level as of the cycle, and how many met target. */
  total: number;
  met: number;
}

/**
 * Share of must-have targets met as of each opened cycle: a member's level as of a cycle is
 * their newest rating from a cycle that started no later (the lead's where there is one).
 * People, profiles and targets are today's, so the line shows how the current team moved.
 */
export async function mustHaveTrend(scope: GapScope): Promise<TrendPoint[]> {
  const { rows } = await sql<TrendPoint>`
    WITH ${scopeCtes(scope)},
    must AS (SELECT member_id, topic_id, target FROM cells WHERE priority = 'must_have'),
    cycle_list AS (
      SELECT id, name, starts_on FROM cycles
      WHERE organization_id = ${scope.organizationId} AND status IN ('open', 'closed')
    ),
    history AS (
      SELECT r.member_id, r.topic_id, r.source, r.level, rc.starts_on,
        lead(rc.starts_on) OVER (
          PARTITION BY r.member_id, r.topic_id, r.source ORDER BY rc.starts_on, r.id
        ) AS next_starts
      FROM ratings r
      JOIN must mu ON mu.member_id = r.member_id AND mu.topic_id = r.topic_id
      JOIN cycles rc ON rc.id = r.cycle_id
      WHERE r.organization_id = ${scope.organizationId}
    ),
    as_of AS (
      SELECT cy.id AS cycle_id, h.member_id, h.topic_id,
        (array_agg(h.level ORDER BY h.source = 'lead' DESC))[1] AS level
      FROM cycle_list cy
      JOIN history h ON h.starts_on <= cy.starts_on
        AND (h.next_starts IS NULL OR h.next_starts > cy.starts_on)
      GROUP BY cy.id, h.member_id, h.topic_id
    )
    SELECT cy.id AS "cycleId", cy.name AS "cycleName",
      count(a.level)::int AS total,
      count(*) FILTER (WHERE a.level >= mu.target)::int AS met
    FROM cycle_list cy
    LEFT JOIN as_of a ON a.cycle_id = cy.id
    LEFT JOIN must mu ON mu.member_id = a.member_id AND mu.topic_id = a.topic_id
    GROUP BY cy.id, cy.name, cy.starts_on
    ORDER BY cy.starts_on`.execute(db);
  return rows;
}

export interface HeatmapCell {
  level: number | null;
  source: RatingSource | null;
  stale: boolean;
  target: number | null;
  priority: TargetPriority | null;
  mentored: boolean;
}

export interface HeatmapMember {
  id: string;
  displayName: string;
  title: string | null;
  profile: string | null;
  /** Aligned with the heatmap's topics; null when the member has no row for it. */
  cells: HeatmapCell[];
}

export const HEATMAP_PAGE_SIZE = 100;

/**
 * One page of the heatmap (every member with `pageSize: null`): members (by name) × topics
 * (framework order), each cell with the level shown, whose it is, whether it is stale, and
 * the member's target.
 */
export async function heatmap(
  scope: GapScope,
  { page = 1, pageSize = HEATMAP_PAGE_SIZE }: { page?: number; pageSize?: number | null } = {},
) {
  const offset = pageSize === null ? 0 : (Math.max(1, page) - 1) * pageSize;
  const { rows: memberRows } = await sql<{
    id: string;
    display_name: string;
    title: string | null;
    profile: string | null;
    total: number;
  }>`
    WITH ${scopeCtes(scope)}
    SELECT m.id, u.display_name, mm.title, p.name AS profile, count(*) OVER ()::int AS total
    FROM scope_members m
    JOIN memberships mm ON mm.id = m.id
    JOIN users u ON u.id = mm.user_id
    LEFT JOIN target_profiles p ON p.id = m.target_profile_id
    ORDER BY u.display_name, m.id
    LIMIT ${pageSize} OFFSET ${offset}`.execute(db);
  const memberIds = memberRows.map((m) => m.id);
  const [{ rows: topicRows }, { rows: cellRows }] = await Promise.all([
    sql<{ topic_id: string; name: string; category_id: string; category_name: string }>`
      WITH ${scopeCtes(scope, { memberIds })}
      SELECT t.topic_id, t.name, t.category_id, c.name AS category_name
      FROM scope_topics t
      JOIN category_revisions c
        ON c.category_id = t.category_id AND c.framework_version_id = ${scope.versionId}
      ORDER BY t.category_position, t.position`.execute(db),
    sql<{
      member_id: string;
      topic_id: string;
      level: number | null;
      source: RatingSource | null;
      stale: boolean;
      target: number | null;
      priority: TargetPriority | null;
      mentored: boolean;
    }>`
      WITH ${scopeCtes(scope, { memberIds })}
      SELECT member_id, topic_id, level, source, rated_at < ${scope.staleBefore} AS stale,
        target, priority, mentored
      FROM graded`.execute(db),
  ]);

  const topicIndex = new Map(topicRows.map((t, i) => [t.topic_id, i]));
  const byMember = new Map<string, HeatmapCell[]>(
    memberIds.map((id) => [id, Array.from({ length: topicRows.length })]),
  );
  for (const row of cellRows) {
    const cells = byMember.get(row.member_id);
    const index = topicIndex.get(row.topic_id);
    if (!cells || index === undefined) continue;
    cells[index] = {
      level: row.level,
      source: row.source,
      stale: row.stale === true,
      target: row.target,
      priority: row.priority,
      mentored: row.mentored,
    };
  }
  const categories: { id: string; name: string; span: number }[] = [];
  for (const topic of topicRows) {
    const last = categories.at(-1);
    if (last?.id === topic.category_id) last.span += 1;
    else categories.push({ id: topic.category_id, name: topic.category_name, span: 1 });
  }
  const total = memberRows[0]?.total ?? 0;
  return {
    categories,
    topics: topicRows.map((t) => ({ id: t.topic_id, name: t.name, categoryId: t.category_id })),
    members: memberRows.map<HeatmapMember>((m) => ({
      id: m.id,
      displayName: m.display_name,
      title: m.title,
      profile: m.profile,
      cells: byMember.get(m.id) ?? [],
    })),
    page: Math.max(1, page),
    pageSize,
    pages: pageSize === null ? 1 : Math.max(1, Math.ceil(total / pageSize)),
    totalMembers: total,
  };
}

export type Heatmap = Awaited<ReturnType<typeof heatmap>>;

export interface TopicPerson {
  memberId: string;
  displayName: string;
  title: string | null;
  level: number | null;
  source: RatingSource | null;
  stale: boolean;
  /** Each side as rated; undefined when that side has not rated the topic. */
  self: number | null | undefined;
  lead: number | null | undefined;
  target: number | null;
  gap: number | null;
  mentored: boolean;
  wantToLearn: boolean;
  canMentor: boolean;
}

/**
 * One topic across the people in scope: who is strong (Proficient+ or offering to mentor —
 * the future mentors), who is short of their target, and the level distribution.
 */
export async function topicDetail(scope: GapScope, topicId: string) {
  const topic = await db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .select(["t.topic_id as id", "t.name", "t.description", "t.retired", "c.name as category"])
    .where("t.organization_id", "=", scope.organizationId)
    .where("t.framework_version_id", "=", scope.versionId)
    .where("t.topic_id", "=", topicId)
    .executeTakeFirst();
  if (!topic) return null;
  // The topic page keeps the team and profile filters but shows the topic whatever its
  // category or priority.
  const topicScope: GapScope = { ...scope, categoryId: null, priority: null };
  const ctes = scopeCtes(topicScope, { topicId });
  const [{ rows: people }, { rows: levels }] = await Promise.all([
    sql<{
      member_id: string;
      display_name: string;
      title: string | null;
      level: number | null;
      source: RatingSource | null;
      stale: boolean | null;
      self_level: number | null;
      self_rated: boolean;
      lead_level: number | null;
      lead_rated: boolean;
      target: number | null;
      gap: number | null;
      mentored: boolean;
      want_to_learn: boolean | null;
      can_mentor: boolean | null;
    }>`
      WITH ${ctes}
      SELECT g.member_id, u.display_name, mm.title, g.level, g.source,
        g.rated_at < ${scope.staleBefore} AS stale, g.self_level, g.self_rated, g.lead_level,
        g.lead_rated, g.target, g.gap, g.mentored, f.want_to_learn, f.can_mentor
      FROM graded g
      JOIN memberships mm ON mm.id = g.member_id
      JOIN users u ON u.id = mm.user_id
      LEFT JOIN topic_flags f ON f.member_id = g.member_id AND f.topic_id = g.topic_id
      ORDER BY g.level DESC NULLS LAST, u.display_name`.execute(db),
    sql<{ level: number | null; rated: boolean; people: number }>`
      WITH ${ctes}
      SELECT level, source IS NOT NULL AS rated, count(*)::int AS people
      FROM graded GROUP BY level, source IS NOT NULL`.execute(db),
  ]);
  const rows: TopicPerson[] = people.map((p) => ({
    memberId: p.member_id,
    displayName: p.display_name,
    title: p.title,
    level: p.level,
    source: p.source,
    stale: p.stale === true,
    self: p.self_rated ? p.self_level : undefined,
    lead: p.lead_rated ? p.lead_level : undefined,
    target: p.target,
    gap: p.gap,
    mentored: p.mentored,
    wantToLearn: p.want_to_learn === true,
    canMentor: p.can_mentor === true,
  }));
  const distribution = [0, 1, 2, 3, 4].map(
    (level) => levels.find((l) => l.rated && l.level === level)?.people ?? 0,
  );
  return {
    topic,
    members: rows.length,
    distribution,
    notApplicable: levels.find((l) => l.rated && l.level === null)?.people ?? 0,
    unrated: levels.find((l) => !l.rated)?.people ?? 0,
    strong: rows.filter((p) => (p.level ?? -1) >= PROFICIENT || p.canMentor),
    short: rows
      .filter((p) => (p.gap ?? 0) > 0)
      .toSorted(
        (a, b) => (b.gap ?? 0) - (a.gap ?? 0) || Number(b.wantToLearn) - Number(a.wantToLearn),
      ),
    chartsHidden: rows.length < scope.privacyFloor,
  };
}

export type TopicDetail = NonNullable<Awaited<ReturnType<typeof topicDetail>>>;
