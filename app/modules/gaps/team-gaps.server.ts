import { sql, type RawBuilder } from "kysely";
import { db } from "#db/database";
import type { RatingSource, TargetPriority } from "#db/schema";
import { cachedGapFigures, withOwnPlansWhereLarge } from "./gap-cache.server";
import {
  cellAt,
  markStale,
  packRow,
  type HeatmapCell,
  type heatmapPayload,
} from "./heatmap-payload";
import type { GapScope } from "./gap-scope";
import { BUS_FACTOR_RISK_AT, PROFICIENT } from "./gap-formula";
import { priorityWeight } from "./priority-weight.server";
import { mayShowCells } from "./privacy-floor";

// Every figure here is computed by Postgres from member_levels (a person's level on a topic,
// defined once in migration 0006 over current_levels, kept by trigger; ADR 008), never by
// loading ratings into JavaScript. The `cells` CTE puts each level against the member's
// target; every view builds on it. Unrated pairs have no row: counts of them are people in
// scope minus rows.

interface CellOptions {
  /** Restrict to these members (a heatmap page). */
  memberIds?: string[];
  /** Restrict to one topic (the topic page). */
  topicId?: string;
  /**
   * Compute the people and topics in scope once rather than inline them where used: for a
   * statement that joins them many times (the summary), whose plan would otherwise take longer
   * to find than to run.
   */
  materialize?: boolean;
  /**
   * Give each cell its topic's name and positions (topic_name, topic_position,
   * category_position), for a statement that would otherwise join the view's topics a second
   * time: among many organisations the planner sizes that self-join for one topic of the 60,
   * and the mentoring board's gaps took 2 s instead of 0.55 s for the large organisation.
   */
  topicColumns?: boolean;
}

const weight = priorityWeight(sql`c.priority`);

/**
 * scope_members, scope_topics, cells and graded: per member × topic with a level (member_levels)
 * the level, its source and date, the target and priority from the member's profile, the
 * shortfall, and whether an active mentorship covers it.
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
  // The yardstick: targets come from target_profile_id, the compared-against profile when one
  // is chosen, else the member's own (own_profile_id, which the profile filter looks at).
  const yardstick = scope.compareProfileId
    ? sql`${scope.compareProfileId}::uuid`
    : sql`m.target_profile_id`;
  const inline = options.materialize ? sql`MATERIALIZED` : sql`NOT MATERIALIZED`;
  const topicColumns = options.topicColumns
    ? sql`, t.name AS topic_name, t.position AS topic_position, t.category_position`
    : sql``;
  return sql`
    scope_members AS ${inline} (
      SELECT m.id, ${yardstick} AS target_profile_id, m.target_profile_id AS own_profile_id
      FROM memberships m
      WHERE m.organization_id = ${org} AND m.active ${team} ${profile} ${members}
    ),
    scope_topics AS ${inline} (
      -- The category's position by a lookup, not a join: joined, the planner estimates the
      -- version's topics by the category ids of every organisation (one row where there are
      -- 56), and sizes every join after it for one topic.
      SELECT t.topic_id, t.category_id, t.name, t.position,
        (SELECT c.position FROM category_revisions c
          WHERE c.framework_version_id = t.framework_version_id
            AND c.category_id = t.category_id) AS category_position
      FROM topic_revisions t
      WHERE t.organization_id = ${org} AND t.framework_version_id = ${version} AND NOT t.retired
        ${category} ${topic} ${priorityTopics}
    ),
    cells AS (
      SELECT cl.member_id, t.topic_id, t.category_id, cl.level, cl.source, cl.rated_at,
        CASE WHEN ${targetMatches} THEN tt.target_level END AS target,
        CASE WHEN ${targetMatches} THEN tt.priority END AS priority,
        cl.self_level, cl.self_rating_id IS NOT NULL AS self_rated,
        cl.lead_level, cl.lead_rating_id IS NOT NULL AS lead_rated ${topicColumns}
      FROM scope_members m
      JOIN member_levels cl ON cl.member_id = m.id AND cl.organization_id = ${scope.organizationId}
      JOIN scope_topics t ON t.topic_id = cl.topic_id
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
          WHERE ms.organization_id = ${org} AND ms.mentee_id = c.member_id
            AND ms.topic_id = c.topic_id AND ms.status = 'active'
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
  /**
   * The figures below aggregate people: null when withheld under the privacy floor
   * (privacy-floor.ts), as is everything from withTarget to capability.atLevel.
   */
  withheld: boolean;
  /** People with both a target and a level: the coverage denominator. */
  withTarget: number | null;
  met: number | null;
  /** People at Proficient or above. */
  proficient: number | null;
  /** People below their target. */
  affected: number | null;
  /** Of those, how many an active mentorship covers. */
  mentored: number | null;
  /** Σ weight × shortfall over the people affected (the top-gaps ranking). */
  score: number | null;
  averageLevel: number | null;
  busFactorRisk: boolean | null;
  /** The team's capability target on this topic, when the scope is one team that has one. */
  capability: {
    minPeople: number;
    minLevel: number;
    atLevel: number | null;
    met: boolean | null;
  } | null;
}

export interface CategoryGap {
  categoryId: string;
  name: string;
  /**
   * The figures cover only the category's topics whose own figures are shown (else a
   * category minus its shown topics would give a withheld one); withheld when none is.
   */
  withheld: boolean;
  averageGap: number | null;
  averageLevel: number | null;
  averageTarget: number | null;
  /** People × topics at each level 0–4, N/A and unrated. */
  levels: [number, number, number, number, number] | null;
  notApplicable: number;
  unrated: number;
  mustHaveTotal: number | null;
  mustHaveMet: number | null;
}

export interface GapSummary {
  members: number;
  /** People in view with a level on at least one topic in view. */
  raters: number;
  topics: TopicGap[];
  categories: CategoryGap[];
  /** Over the topics whose figures are shown; null when the view is withheld. */
  mustHave: { total: number; met: number } | null;
  /**
   * Charts and totals that aggregate the view's people are withheld: fewer of them rated than
   * the privacy floor, or the view is a part of a wider one that would give it away.
   */
  chartsHidden: boolean;
}

/** A profile id, or this for people without one: the cells the no-derivation rule works on. */
const NO_PROFILE = "none";

interface RaterCells {
  topics: Map<string, { cells: Map<string, number>; withPriority: Set<string> }>;
  overall: Map<string, number>;
}

/** The kept level_counts rows of the scope's people (migration 0020): a team's or everyone's. */
function levelGroups(scope: GapScope) {
  const profile = scope.profileId ? sql`AND lc.target_profile_id = ${scope.profileId}` : sql``;
  return sql`
    SELECT lc.topic_id, lc.target_profile_id, lc.level, lc.people FROM level_counts lc
    WHERE lc.organization_id = ${scope.organizationId}
      AND lc.scope_id = ${scope.teamId ?? scope.organizationId} AND lc.people > 0 ${profile}`;
}

/**
 * The scope's members who have a level (not N/A) on a topic in view: distinct people cannot
 * be summed from level groups, so each is probed (current_levels_rated, by member and the
 * view's topics), stopping at the first. A lateral LIMIT 1 keeps it one probe per person
 * whatever the estimates: as a join the planner may instead read every topic's levels across
 * the organisation (116,000 rows for 2,000 people when it expected a few per topic). The
 * topics are an array computed once, not a join run again for each person.
 */
const ratedMembers = sql`scope_members m CROSS JOIN LATERAL (SELECT 1 FROM member_levels ml
  WHERE ml.member_id = m.id AND ml.level IS NOT NULL
    AND ml.topic_id = ANY (ARRAY(SELECT topic_id FROM scope_topics)) LIMIT 1) rated`;

/** The yardstick's profile for a group of people on `profile`: compared against, or their own. */
function yardstickOf(scope: GapScope, profile: RawBuilder<unknown>) {
  return scope.compareProfileId ? sql`${scope.compareProfileId}::uuid` : profile;
}

/**
 * Raters per topic and per target profile over the view's wider group (the view without its
 * profile and priority filters), and per profile over all its topics: the cells the privacy
 * floor's no-derivation rule is decided on. Per topic they are the kept level counts; over
 * all topics each person counts once, so they are counted from people.
 */
async function raterCells(scope: GapScope, topicId?: string): Promise<RaterCells> {
  const wide: GapScope = { ...scope, profileId: null, priority: null };
  const { rows } = await sql<{
    topic_id: string | null;
    profile: string;
    raters: number;
    with_priority: boolean | null;
  }>`
    WITH ${scopeCtes(wide, { topicId })}
    SELECT g.topic_id, coalesce(g.target_profile_id::text, ${NO_PROFILE}) AS profile,
      coalesce(sum(g.people) FILTER (WHERE g.level IS NOT NULL), 0)::int AS raters,
      bool_or(tt.priority = ${scope.priority}) AS with_priority
    FROM (${levelGroups(wide)}) g
    JOIN scope_topics t ON t.topic_id = g.topic_id
    LEFT JOIN topic_targets tt ON tt.framework_version_id = ${scope.versionId}
      AND tt.target_profile_id = ${yardstickOf(scope, sql`g.target_profile_id`)}
      AND tt.topic_id = g.topic_id
    GROUP BY 1, 2
    UNION ALL
    SELECT NULL, coalesce(m.own_profile_id::text, ${NO_PROFILE}), count(*)::int, NULL
    FROM ${ratedMembers}
    GROUP BY 2`.execute(db);
  const result: RaterCells = { topics: new Map(), overall: new Map() };
  for (const row of rows) {
    if (row.topic_id === null) {
      result.overall.set(row.profile, row.raters);
      continue;
    }
    let topic = result.topics.get(row.topic_id);
    if (!topic)
      result.topics.set(row.topic_id, (topic = { cells: new Map(), withPriority: new Set() }));
    topic.cells.set(row.profile, row.raters);
    if (row.with_priority) topic.withPriority.add(row.profile);
  }
  return result;
}

/** People who rated in the cells of `part`. */
function ratersIn(cells: ReadonlyMap<string, number>, part: Set<string> | "all") {
  let sum = 0;
  for (const [profile, n] of cells) if (part === "all" || part.has(profile)) sum += n;
  return sum;
}

/** The view's part of its wider group: everyone, or the people on the chosen profile. */
function viewPart(scope: GapScope): Set<string> | "all" {
  return scope.profileId ? new Set([scope.profileId]) : "all";
}

/**
 * Whether a topic's figures may be shown in this view: its levels over the view's people, and
 * its target figures over those of them the priority filter keeps.
 */
function topicShown(scope: GapScope, cells: RaterCells, topicId: string) {
  const topic = cells.topics.get(topicId);
  if (!topic) return true;
  const part = viewPart(scope);
  const targetPart = scope.priority
    ? new Set([...topic.withPriority].filter((p) => part === "all" || part.has(p)))
    : part;
  return (
    mayShowCells(topic.cells, part, scope.privacyFloor) &&
    mayShowCells(topic.cells, targetPart, scope.privacyFloor)
  );
}

/**
 * Coverage, bus factor, shortfall score and capability targets per topic, and the level mix
 * and average gap per category, for everyone in scope — in one statement — with the figures
 * the privacy floor withholds left out.
 */
export function gapSummary(scope: GapScope): Promise<GapSummary> {
  return cachedGapFigures("gapSummary", scope, [], () => computeGapSummary(scope));
}

async function computeGapSummary(scope: GapScope): Promise<GapSummary> {
  const version = scope.versionId;
  const cells = await raterCells(scope);
  const shownTopics = [...cells.topics.keys()].filter((t) => topicShown(scope, cells, t));
  const targetMatches = scope.priority ? sql`tt.priority = ${scope.priority}` : sql`true`;
  // Capability targets belong to a team; the organisation view has none to check.
  const capability = scope.teamId
    ? sql`LEFT JOIN capability_targets ct ON ct.team_id = ${scope.teamId} AND ct.topic_id = g.topic_id`
    : sql`LEFT JOIN (SELECT NULL::int AS min_people, NULL::int AS min_level) ct ON false`;
  const figures = sql`
        coalesce(sum(g.people) FILTER (WHERE g.level IS NOT NULL), 0) AS rated,
        coalesce(sum(g.people) FILTER (WHERE g.level IS NULL), 0) AS not_applicable,
        sum(g.people) AS answered,
        coalesce(sum(g.people) FILTER (WHERE g.target IS NOT NULL AND g.level IS NOT NULL), 0)
          AS with_target,
        coalesce(sum(g.people) FILTER (WHERE g.level >= g.target), 0) AS met,
        coalesce(sum(g.people) FILTER (WHERE g.level >= ${PROFICIENT}), 0) AS proficient,
        coalesce(sum(g.people) FILTER (WHERE g.gap > 0), 0) AS affected,
        coalesce(sum(g.people * g.gap * g.weight) FILTER (WHERE g.gap > 0), 0) AS score,
        round(sum(g.people * g.level)::numeric / nullif(sum(g.people) FILTER (WHERE g.level IS NOT NULL), 0), 2)
          AS average_level,
        round(sum(g.people * g.gap)::numeric / nullif(sum(g.people) FILTER (WHERE g.gap IS NOT NULL), 0), 2)
          AS average_gap,
        round(sum(g.people * g.target) FILTER (WHERE g.level IS NOT NULL)::numeric
          / nullif(sum(g.people) FILTER (WHERE g.level IS NOT NULL AND g.target IS NOT NULL), 0), 2)
          AS average_target,
        json_build_array(
          coalesce(sum(g.people) FILTER (WHERE g.level = 0), 0),
          coalesce(sum(g.people) FILTER (WHERE g.level = 1), 0),
          coalesce(sum(g.people) FILTER (WHERE g.level = 2), 0),
          coalesce(sum(g.people) FILTER (WHERE g.level = 3), 0),
          coalesce(sum(g.people) FILTER (WHERE g.level = 4), 0)) AS levels,
        coalesce(sum(g.people) FILTER (WHERE g.priority = 'must_have' AND g.level IS NOT NULL), 0)
          AS must_total,
        coalesce(sum(g.people) FILTER (WHERE g.priority = 'must_have' AND g.level >= g.target), 0)
          AS must_met`;
  // Targets depend only on profile × topic, so people are counted per topic, profile and level
  // (kept as ratings land: level_counts, a few hundred rows even for a large organisation), and
  // every figure is a sum over those groups. Mentoring coverage is counted from the (few)
  // active mentorships.
  // People who rated: without a priority filter the view's topics are its wider group's, so
  // they are the raterCells already counted; else they are counted here.
  const raterCount = scope.priority
    ? sql`SELECT count(*)::int AS n FROM ${ratedMembers}`
    : sql`SELECT ${ratersIn(cells.overall, viewPart(scope))}::int AS n`;
  const { rows } = await sql<{ summary: RawSummary }>`
    WITH ${scopeCtes(scope, { materialize: true })},
    member_count AS (SELECT count(*)::int AS n FROM scope_members),
    rater_count AS (${raterCount}),
    level_groups AS (
      SELECT g.topic_id, ${yardstickOf(scope, sql`g.target_profile_id`)} AS target_profile_id,
        g.level, sum(g.people)::int AS people
      FROM (${levelGroups(scope)}) g
      GROUP BY 1, 2, 3
    ),
    graded_counts AS (
      SELECT lc.topic_id, t.category_id, lc.level, lc.people, c.target, c.priority,
        CASE WHEN lc.level IS NOT NULL AND c.target IS NOT NULL
          THEN greatest(c.target - lc.level, 0) END AS gap,
        ${weight} AS weight
      FROM level_groups lc
      JOIN scope_topics t ON t.topic_id = lc.topic_id
      LEFT JOIN topic_targets tt ON tt.framework_version_id = ${version}
        AND tt.target_profile_id = lc.target_profile_id AND tt.topic_id = lc.topic_id
      CROSS JOIN LATERAL (SELECT
        CASE WHEN ${targetMatches} THEN tt.target_level END AS target,
        CASE WHEN ${targetMatches} THEN tt.priority END AS priority) c
    ),
    mentored AS (
      SELECT ms.topic_id, count(DISTINCT ms.mentee_id)::int AS people
      FROM mentorships ms
      JOIN scope_members m ON m.id = ms.mentee_id
      JOIN scope_topics t ON t.topic_id = ms.topic_id
      JOIN member_levels cl ON cl.member_id = ms.mentee_id AND cl.topic_id = ms.topic_id
      JOIN topic_targets tt ON tt.framework_version_id = ${version}
        AND tt.target_profile_id = m.target_profile_id AND tt.topic_id = ms.topic_id
      WHERE ms.organization_id = ${scope.organizationId} AND ms.status = 'active'
        AND ${targetMatches} AND cl.level < tt.target_level
      GROUP BY ms.topic_id
    ),
    stats AS (
      SELECT g.topic_id, ${figures},
        coalesce(sum(g.people) FILTER (WHERE g.level >= ct.min_level), 0) AS at_level
      FROM graded_counts g ${capability}
      GROUP BY g.topic_id
    ),
    -- A category's figures cover only its topics whose own figures are shown, so they never
    -- give a withheld topic away by difference; its answered count covers every topic.
    category_stats AS (
      SELECT g.category_id, ${figures},
        bool_or(g.level IS NOT NULL) AS any_rated
      FROM graded_counts g
      WHERE g.topic_id = ANY(${shownTopics}::uuid[])
      GROUP BY g.category_id
    ),
    category_answers AS (
      SELECT g.category_id, sum(g.people) AS answered,
        coalesce(sum(g.people) FILTER (WHERE g.level IS NULL), 0) AS not_applicable,
        bool_or(g.level IS NOT NULL) AS any_rated
      FROM graded_counts g GROUP BY g.category_id
    )
    SELECT json_build_object(
      'members', (SELECT n FROM member_count),
      'raters', (SELECT n FROM rater_count),
      'topics', (
        SELECT coalesce(json_agg(json_build_object(
          'topicId', t.topic_id, 'name', t.name, 'categoryId', t.category_id,
          'rated', coalesce(s.rated, 0), 'notApplicable', coalesce(s.not_applicable, 0),
          'unrated', (SELECT n FROM member_count) - coalesce(s.answered, 0),
          'withTarget', coalesce(s.with_target, 0),
          'met', coalesce(s.met, 0), 'proficient', coalesce(s.proficient, 0),
          'affected', coalesce(s.affected, 0), 'mentored', coalesce(mt.people, 0),
          'score', coalesce(s.score, 0), 'averageLevel', s.average_level,
          'capability', CASE WHEN ct.topic_id IS NOT NULL THEN json_build_object(
            'minPeople', ct.min_people, 'minLevel', ct.min_level,
            'atLevel', coalesce(s.at_level, 0),
            'met', coalesce(s.at_level, 0) >= ct.min_people) END
        ) ORDER BY t.category_position, t.position), '[]')
        FROM scope_topics t
        LEFT JOIN stats s ON s.topic_id = t.topic_id
        LEFT JOIN mentored mt ON mt.topic_id = t.topic_id
        LEFT JOIN capability_targets ct
          ON ct.team_id = ${scope.teamId} AND ct.topic_id = t.topic_id
      ),
      'categories', (
        SELECT coalesce(json_agg(json_build_object(
          'categoryId', c.category_id, 'name', c.name,
          'withheld', coalesce(a.any_rated, false) AND NOT coalesce(s.any_rated, false),
          'averageGap', s.average_gap, 'averageLevel', s.average_level,
          'averageTarget', s.average_target,
          'levels', coalesce(s.levels, json_build_array(0, 0, 0, 0, 0)),
          'notApplicable', coalesce(a.not_applicable, 0),
          'unrated', (SELECT n FROM member_count) * tc.topics - coalesce(a.answered, 0),
          'mustHaveTotal', coalesce(s.must_total, 0), 'mustHaveMet', coalesce(s.must_met, 0)
        ) ORDER BY c.position), '[]')
        FROM (SELECT category_id, count(*)::int AS topics FROM scope_topics GROUP BY category_id) tc
        JOIN category_revisions c
          ON c.category_id = tc.category_id AND c.framework_version_id = ${scope.versionId}
        LEFT JOIN category_stats s ON s.category_id = tc.category_id
        LEFT JOIN category_answers a ON a.category_id = tc.category_id
      )
    ) AS summary`.execute(db);
  const raw = rows[0]!.summary;
  const shown = new Set(shownTopics);
  const topics: TopicGap[] = raw.topics.map((t) =>
    shown.has(t.topicId) || !cells.topics.has(t.topicId)
      ? { ...t, withheld: false, busFactorRisk: (t.proficient ?? 0) <= BUS_FACTOR_RISK_AT }
      : {
          ...t,
          withheld: true,
          withTarget: null,
          met: null,
          proficient: null,
          affected: null,
          mentored: null,
          score: null,
          averageLevel: null,
          busFactorRisk: null,
          capability: t.capability && { ...t.capability, atLevel: null, met: null },
        },
  );
  const categories: CategoryGap[] = raw.categories.map((c) =>
    c.withheld
      ? {
          ...c,
          averageGap: null,
          averageLevel: null,
          averageTarget: null,
          levels: null,
          mustHaveTotal: null,
          mustHaveMet: null,
        }
      : c,
  );
  const chartsHidden = !mayShowCells(cells.overall, viewPart(scope), scope.privacyFloor);
  const mustHave = chartsHidden
    ? null
    : categories.reduce(
        (sum, c) => ({
          total: sum.total + (c.mustHaveTotal ?? 0),
          met: sum.met + (c.mustHaveMet ?? 0),
        }),
        { total: 0, met: 0 },
      );
  return {
    members: raw.members,
    raters: raw.raters,
    topics,
    categories,
    mustHave,
    chartsHidden,
  };
}

interface RawSummary {
  members: number;
  raters: number;
  topics: Omit<TopicGap, "busFactorRisk" | "withheld">[];
  categories: CategoryGap[];
}

/** Topics ranked by score (then people affected, then framework order); only real gaps. */
export function topGaps(summary: GapSummary, limit = 10) {
  return summary.topics
    .filter((t) => (t.score ?? 0) > 0)
    .toSorted((a, b) => b.score! - a.score! || b.affected! - a.affected!)
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
 * Share of must-have targets met per cycle, for the people in scope: closed cycles from the
 * figures recorded when each closed (as of that cycle, against its framework version's
 * targets), the open cycle from `current` (today's levels). Empty when a priority other than
 * must-have is filtered on, or when compared against another profile than each person's own.
 */
export async function mustHaveTrend(
  scope: GapScope,
  current: { total: number; met: number },
): Promise<TrendPoint[]> {
  if (scope.priority && scope.priority !== "must_have") return [];
  // Closed cycles' progress was recorded against each person's own profile.
  if (scope.compareProfileId) return [];
  const category = scope.categoryId ? sql`AND p.category_id = ${scope.categoryId}` : sql``;
  const rows = await cachedGapFigures(
    "mustHaveTrend",
    scope,
    [],
    async () => {
      const { rows } = await sql<TrendPoint & { open: boolean }>`
    WITH ${scopeCtes(scope)}
    SELECT cy.id AS "cycleId", cy.name AS "cycleName", cy.status = 'open' AS open,
      coalesce(sum(p.must_have_total), 0)::int AS total,
      coalesce(sum(p.must_have_met), 0)::int AS met
    FROM cycles cy
    LEFT JOIN cycle_progress p ON p.cycle_id = cy.id
      AND p.member_id IN (SELECT id FROM scope_members) ${category}
    WHERE cy.organization_id = ${scope.organizationId} AND cy.status IN ('open', 'closed')
    GROUP BY cy.id, cy.name, cy.status, cy.starts_on
    ORDER BY cy.starts_on`.execute(db);
      return rows;
    },
    // Closed cycles' figures were recorded when each closed; the open one's comes from
    // `current`: no levels are read, so the trend stays kept while people save.
    { readsLevels: false },
  );
  return rows.map(({ open, ...point }) => (open ? { ...point, ...current } : point));
}

export interface HeatmapMember {
  id: string;
  displayName: string;
  title: string | null;
  /** The member's own target profile (the yardstick may be another: scope.compareProfileId). */
  profile: string | null;
  /** Topics below the yardstick's target, and Σ priority weight × shortfall over them. */
  below: number;
  shortfall: number;
  /** Aligned with the heatmap's topics; null where the member has not rated the topic. */
  cells: (HeatmapCell | null)[];
}

export const HEATMAP_PAGE_SIZE = 100;
export const HEATMAP_ORDERS = ["name", "gap"] as const;
export type HeatmapOrder = (typeof HEATMAP_ORDERS)[number];

/**
 * One page of the heatmap (every member with `pageSize: null`): members (by name) × topics
 * (framework order), each member's cells packed into one string (heatmap-payload.ts): the
 * level shown, whose it is, whether it is stale, and the member's target. Pages are kept as
 * the gap view's figures are (ADR 008), packed, so a kept page is a few dozen KB; staleness
 * depends on the day, so it is marked on the kept cells on each request.
 */
export async function packedHeatmap(scope: GapScope, view: HeatmapView = {}) {
  const options = { page: 1, pageSize: HEATMAP_PAGE_SIZE, order: "name" as const, ...view };
  const figures =
    options.pageSize === null
      ? await heatmapFigures(scope, options)
      : await cachedGapFigures(
          "heatmap",
          scope,
          [options.page, options.pageSize, options.order],
          () => heatmapFigures(scope, options),
        );
  const staleBefore = scope.staleBefore.getTime();
  return {
    ...figures,
    members: figures.members.map(({ ratedAt, cells, ...member }) => ({
      ...member,
      cells: markStale(cells, ratedAt, staleBefore),
    })),
  };
}

/** The heatmap with each cell as an object (the API, the CSV). */
export async function heatmap(scope: GapScope, view: HeatmapView = {}) {
  const map = await packedHeatmap(scope, view);
  return {
    ...map,
    members: map.members.map<HeatmapMember>((member) => ({
      ...member,
      cells: map.topics.map((_, i) => cellAt(member.cells, i)),
    })),
  };
}

interface HeatmapView {
  page?: number;
  pageSize?: number | null;
  order?: HeatmapOrder;
}

async function heatmapFigures(scope: GapScope, { page, pageSize, order }: Required<HeatmapView>) {
  const offset = pageSize === null ? 0 : (Math.max(1, page) - 1) * pageSize;
  // "gap": the people furthest below their targets first (the same weighted sum as top gaps).
  const ordering =
    order === "gap" ? sql`shortfall DESC, u.display_name, m.id` : sql`u.display_name, m.id`;
  const { rows: memberRows } = await sql<{
    id: string;
    display_name: string;
    title: string | null;
    profile: string | null;
    below: number;
    shortfall: number;
    total: number;
  }>`
    WITH ${scopeCtes(scope)},
    shortfalls AS (
      SELECT g.member_id, count(*)::int AS below, sum(g.gap * g.weight)::int AS shortfall
      FROM graded g WHERE g.gap > 0 GROUP BY g.member_id
    )
    SELECT m.id, u.display_name, mm.title, p.name AS profile,
      coalesce(s.below, 0) AS below, coalesce(s.shortfall, 0) AS shortfall,
      count(*) OVER ()::int AS total
    FROM scope_members m
    JOIN memberships mm ON mm.id = m.id
    JOIN users u ON u.id = mm.user_id
    LEFT JOIN target_profiles p ON p.id = m.own_profile_id
    LEFT JOIN shortfalls s ON s.member_id = m.id
    ORDER BY ${ordering}
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
      source: RatingSource;
      rated_at: Date | null;
      target: number | null;
      priority: TargetPriority | null;
      mentored: boolean;
    }>`
      WITH ${scopeCtes(scope, { memberIds })}
      SELECT member_id, topic_id, level, source, rated_at, target, priority, mentored
      FROM graded`.execute(db),
  ]);

  const topicIndex = new Map(topicRows.map((t, i) => [t.topic_id, i]));
  const blank = () => ({
    cells: Array.from({ length: topicRows.length }, (): HeatmapCell | null => null),
    ratedAt: Array.from({ length: topicRows.length }, (): number | null => null),
  });
  const byMember = new Map(memberIds.map((id) => [id, blank()]));
  for (const row of cellRows) {
    const member = byMember.get(row.member_id);
    const index = topicIndex.get(row.topic_id);
    if (!member || index === undefined) continue;
    member.cells[index] = {
      level: row.level,
      source: row.source,
      stale: false,
      target: row.target,
      priority: row.priority,
      mentored: row.mentored,
    };
    member.ratedAt[index] = row.rated_at ? row.rated_at.getTime() : null;
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
    members: memberRows.map((m) => {
      const { cells, ratedAt } = byMember.get(m.id) ?? blank();
      return {
        id: m.id,
        displayName: m.display_name,
        title: m.title,
        profile: m.profile,
        below: m.below,
        shortfall: m.shortfall,
        cells: packRow(cells),
        ratedAt,
      };
    }),
    page: Math.max(1, page),
    pageSize,
    pages: pageSize === null ? 1 : Math.max(1, Math.ceil(total / pageSize)),
    totalMembers: total,
  };
}

export type Heatmap = Awaited<ReturnType<typeof heatmap>>;
export type PackedHeatmap = Awaited<ReturnType<typeof packedHeatmap>>;
export type HeatmapPayload = ReturnType<
  typeof heatmapPayload<PackedHeatmap["members"][number], PackedHeatmap>
>;

export interface TopicPerson {
  memberId: string;
  displayName: string;
  title: string | null;
  level: number | null;
  source: RatingSource;
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
  const [cells, { rows: people }, { rows: counts }] = await Promise.all([
    raterCells(topicScope, topicId),
    sql<{
      member_id: string;
      display_name: string;
      title: string | null;
      level: number | null;
      source: RatingSource;
      stale: boolean;
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
    sql<{ members: number; levels: { level: number | null; people: number }[] }>`
      WITH ${ctes}
      SELECT (SELECT count(*)::int FROM scope_members) AS members,
        coalesce((SELECT json_agg(d) FROM (
          SELECT level, count(*)::int AS people FROM graded GROUP BY level) d), '[]') AS levels
      `.execute(db),
  ]);
  const rows: TopicPerson[] = people.map((p) => ({
    memberId: p.member_id,
    displayName: p.display_name,
    title: p.title,
    level: p.level,
    source: p.source,
    stale: p.stale,
    self: p.self_rated ? p.self_level : undefined,
    lead: p.lead_rated ? p.lead_level : undefined,
    target: p.target,
    gap: p.gap,
    mentored: p.mentored,
    wantToLearn: p.want_to_learn === true,
    canMentor: p.can_mentor === true,
  }));
  const { members, levels } = counts[0]!;
  const distribution = [0, 1, 2, 3, 4].map(
    (level) => levels.find((l) => l.level === level)?.people ?? 0,
  );
  return {
    topic,
    members,
    distribution,
    notApplicable: levels.find((l) => l.level === null)?.people ?? 0,
    unrated: members - rows.length,
    strong: rows.filter((p) => (p.level ?? -1) >= PROFICIENT || p.canMentor),
    short: rows
      .filter((p) => (p.gap ?? 0) > 0)
      .toSorted(
        (a, b) => (b.gap ?? 0) - (a.gap ?? 0) || Number(b.wantToLearn) - Number(a.wantToLearn),
      ),
    chartsHidden: !topicShown(topicScope, cells, topicId),
  };
}

export type TopicDetail = NonNullable<Awaited<ReturnType<typeof topicDetail>>>;

export interface UnmentoredGap {
  memberId: string;
  displayName: string;
  topicId: string;
  topicName: string;
  level: number;
  target: number;
  /** Priority weight × levels short, as in the top-gaps ranking. */
  score: number;
  wantToLearn: boolean;
}

/**
 * The person × topic gaps in scope that no proposed or active mentorship covers, biggest
 * first (and, at equal size, where the person wants to learn the topic).
 */
export async function unmentoredGaps(scope: GapScope, limit = 20): Promise<UnmentoredGap[]> {
  // Not kept (it reads want-to-learn flags, which bump no version), but planned as the kept
  // figures are: among 1,000 small organisations the large one's generic plan took 1.4 s.
  const { rows } = await withOwnPlansWhereLarge(scope.organizationId, () =>
    sql<UnmentoredGap>`
    WITH ${scopeCtes(scope, { topicColumns: true })}
    SELECT g.member_id AS "memberId", u.display_name AS "displayName", g.topic_id AS "topicId",
      g.topic_name AS "topicName", g.level, g.target, (g.gap * g.weight)::int AS score,
      coalesce(f.want_to_learn, false) AS "wantToLearn"
    FROM graded g
    JOIN memberships mm ON mm.id = g.member_id
    JOIN users u ON u.id = mm.user_id
    LEFT JOIN topic_flags f ON f.member_id = g.member_id AND f.topic_id = g.topic_id
    WHERE g.gap > 0 AND NOT EXISTS (
      SELECT 1 FROM mentorships ms
      WHERE ms.organization_id = ${scope.organizationId} AND ms.mentee_id = g.member_id
        AND ms.topic_id = g.topic_id AND ms.status IN ('proposed', 'active'))
    ORDER BY g.gap * g.weight DESC, coalesce(f.want_to_learn, false) DESC, u.display_name,
      g.category_position, g.topic_position
    LIMIT ${limit}`.execute(db),
  );
  return rows;
}
