import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { db, withCustomPlans } from "#db/database";
import type { Database } from "#db/schema";
import { notFound } from "~/lib/errors.server";
import { BUS_FACTOR_RISK_AT, PROFICIENT } from "~/modules/gaps/gap-formula";
import { priorityWeight } from "~/modules/gaps/priority-weight.server";
import { meetsPrivacyFloor } from "~/modules/gaps/privacy-floor";
import type { TrendPoint } from "~/modules/gaps/team-gaps.server";
import { freezePlanGoals } from "~/modules/growth/plan-outcomes.server";
import { notifyReportReady } from "./report-ready.server";

// Generates a quarterly report: one frozen snapshot of a team (or the whole organisation)
// for a cycle, against the cycle before it. Everything is computed by Postgres: the rows
// (member × topic, level as of the previous cycle and as of this one) go to a temporary
// table, the summary figures are aggregated from it, and both are stored, copied, so later
// edits never change the report (migration 0004).
//
// A person's level "as of a cycle" is member_levels_as_of (migrations 0006, 0026), the
// definition closing a cycle records its progress with.

export interface GenerateReportInput {
  organizationId: string;
  cycleId: string;
  /** null: the whole organisation. */
  teamId: string | null;
  generatedByUserId: string | null;
  trigger?: "cycle_closed" | "on_demand";
  /** Write "report ready" emails with it (for the reports a cycle's close makes). */
  notify?: boolean;
  /** When it counts as issued (default: now). The demo's history issues each at its close. */
  generatedAt?: Date;
}

export interface ReportSummary {
  scope: {
    teamName: string | null;
    cycleName: string;
    previousCycleName: string | null;
    members: number;
    topics: number;
  };
  /** Person × topic counts over the topics the floor lets tell them; null when withheld. */
  changes: Record<
    "improved" | "regressed" | "unchanged" | "stale" | "new" | "not_rated",
    number
  > | null;
  gaps: { closed: number; opened: number; open: number } | null;
  /**
   * The privacy floor when the report was made (ADR 015): figures over fewer people who rated
   * are left out (null, or missing from a list). Reports issued before it have none.
   */
  privacy?: { floor: number; raters: number; withheld: boolean; withheldCategories: string[] };
  /**
   * Must-have targets met, of those with a level (N/A and unrated left out, as in the trend);
   * null when withheld, and the "before" pair null when too few rated then.
   */
  mustHave: {
    metNow: number;
    totalNow: number;
    metBefore: number | null;
    totalBefore: number | null;
  } | null;
  categories: {
    categoryId: string;
    name: string;
    averageBefore: number | null;
    averageAfter: number | null;
    mustHaveMetBefore: number | null;
    mustHaveTotalBefore: number | null;
    mustHaveMetAfter: number;
    mustHaveTotalAfter: number;
  }[];
  coverage: { busFactorRiskBefore: number; busFactorRiskAfter: number };
  topics: {
    topicId: string;
    name: string;
    category: string;
    /** null: fewer than the floor rated the topic then (now: it is left out of the list). */
    proficientBefore: number | null;
    proficientAfter: number;
  }[];
  mentoring: {
    active: number;
    completed: number;
    checkIns: number;
    menteesImproved: number;
    mentoredTopics: number;
  };
  movers: { memberId: string; name: string; improved: number; regressed: number; net: number }[];
  topGaps: {
    topicId: string;
    name: string;
    category: string;
    score: number;
    peopleShort: number;
    mentored: number;
  }[];
  trend: TrendPoint[];
}

/** Members in the report: the organisation's active members, or one team's. */
function membersOf(organizationId: string, teamId: string | null) {
  return sql`SELECT m.id, u.display_name AS name, m.target_profile_id FROM memberships m
    JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = ${organizationId} AND m.active
      ${
        teamId
          ? sql`AND EXISTS (SELECT 1 FROM team_members tm
              WHERE tm.membership_id = m.id AND tm.team_id = ${teamId})`
          : sql``
      }`;
}

async function draftRows(
  trx: Kysely<Database>,
  input: GenerateReportInput,
  cycle: { id: string; starts_on: string; ends_on: string; framework_version_id: string },
  previous: { id: string; starts_on: string } | null,
  staleAfterDays: number,
) {
  // A team's people; for the organisation, everyone (the join to members keeps the active):
  // given the organisation's 2,000 ids instead, the benchmark's report took 14 s, not 4.5.
  const who = input.teamId ? sql`ARRAY(SELECT id FROM members)` : sql`NULL::uuid[]`;
  await sql`
    CREATE TEMP TABLE report_draft ON COMMIT DROP AS
    WITH members AS (${membersOf(input.organizationId, input.teamId)}),
    topics AS (
      SELECT t.topic_id, t.name, t.position, c.category_id, c.name AS category_name,
        c.position AS category_position
      FROM topic_revisions t
      JOIN category_revisions c ON c.framework_version_id = t.framework_version_id
        AND c.category_id = t.category_id
      WHERE t.framework_version_id = ${cycle.framework_version_id} AND NOT t.retired
    ),
    asof AS (
      SELECT a.member_id, a.topic_id, a.level AS level_after, a.rated_at AS rated_at_after,
        b.level AS level_before, b.member_id IS NOT NULL AS rated_before
      FROM member_levels_as_of(${cycle.id}, ${who}) a
      LEFT JOIN member_levels_as_of(${previous?.id ?? null}::uuid, ${who}) b
        ON b.member_id = a.member_id AND b.topic_id = a.topic_id
    ),
    mentored AS (
      SELECT DISTINCT mentee_id, topic_id FROM mentorships
      WHERE organization_id = ${input.organizationId} AND status IN ('active', 'completed')
        AND coalesce(starts_on, created_at::date) <= ${cycle.ends_on}::date
        AND (ended_at IS NULL OR ended_at::date >= ${cycle.starts_on}::date)
    )
    SELECT mb.id AS member_id, mb.name AS member_name, t.topic_id, t.name AS topic_name,
      t.position AS topic_position, t.category_id, t.category_name, t.category_position,
      tt.priority, tt.target_level, a.level_before, a.level_after, a.rated_at_after,
      (CASE
        WHEN a.member_id IS NULL THEN 'not_rated'
        WHEN a.rated_at_after < ${cycle.ends_on}::date - ${staleAfterDays}::int THEN 'stale'
        WHEN NOT coalesce(a.rated_before, false) THEN 'new'
        WHEN a.level_after > a.level_before THEN 'improved'
        WHEN a.level_after < a.level_before THEN 'regressed'
        ELSE 'unchanged'
      END)::report_change AS change,
      (md.mentee_id IS NOT NULL) AS mentored
    FROM members mb
    CROSS JOIN topics t
    LEFT JOIN topic_targets tt ON tt.framework_version_id = ${cycle.framework_version_id}
      AND tt.target_profile_id = mb.target_profile_id AND tt.topic_id = t.topic_id
    LEFT JOIN asof a ON a.member_id = mb.id AND a.topic_id = t.topic_id
    LEFT JOIN mentored md ON md.mentee_id = mb.id AND md.topic_id = t.topic_id
  `.execute(trx);
}

/** The summary figures, aggregated from report_draft (and the mentoring and trend tables). */
async function summarise(
  trx: Kysely<Database>,
  input: GenerateReportInput,
  cycle: { id: string; name: string; starts_on: string; ends_on: string },
  previousName: string | null,
  teamName: string | null,
  floor: number,
): Promise<ReportSummary> {
  const { rows } = await sql<{
    summary: RawFigures;
  }>`
    WITH d AS (
      -- As in the gap view, N/A and unrated levels (and topics without a target) have no
      -- shortfall (NULL).
      SELECT *, greatest(target_level - level_after, 0) AS short_after,
        greatest(target_level - level_before, 0) AS short_before
      FROM report_draft
    ),
    per_topic AS (
      SELECT topic_id, topic_name, category_name, min(category_position) AS cp,
        min(topic_position) AS tp,
        count(*) FILTER (WHERE level_before >= ${PROFICIENT}) AS proficient_before,
        count(*) FILTER (WHERE level_after >= ${PROFICIENT}) AS proficient_after,
        count(level_before) AS raters_before, count(level_after) AS raters_after
      FROM d GROUP BY topic_id, topic_name, category_name
    ),
    per_category AS (
      SELECT category_id, category_name, min(category_position) AS cp,
        round(avg(level_before)::numeric, 2)::float AS average_before,
        round(avg(level_after)::numeric, 2)::float AS average_after,
        count(*) FILTER (WHERE priority = 'must_have' AND level_before >= target_level) AS mb,
        count(level_before) FILTER (WHERE priority = 'must_have') AS mtb,
        count(*) FILTER (WHERE priority = 'must_have' AND level_after >= target_level) AS ma,
        count(level_after) FILTER (WHERE priority = 'must_have') AS mta,
        count(DISTINCT member_id) FILTER (WHERE level_before IS NOT NULL) AS raters_before,
        count(DISTINCT member_id) FILTER (WHERE level_after IS NOT NULL) AS raters_after
      FROM d GROUP BY category_id, category_name
    ),
    movers AS (
      SELECT member_id, member_name,
        coalesce(sum(level_after - level_before) FILTER (WHERE change = 'improved'), 0) AS up,
        coalesce(sum(level_before - level_after) FILTER (WHERE change = 'regressed'), 0) AS down,
        count(level_after) > 0 AS rated_after, count(level_before) > 0 AS rated_before
      FROM d GROUP BY member_id, member_name
    ),
    top_gaps AS (
      SELECT topic_id, topic_name, category_name,
        coalesce(sum(short_after * ${priorityWeight(sql`priority`)}) FILTER (WHERE short_after > 0), 0) AS score,
        count(*) FILTER (WHERE short_after > 0) AS people_short,
        count(*) FILTER (WHERE short_after > 0 AND mentored) AS mentored,
        count(level_after) AS raters
      FROM d WHERE target_level IS NOT NULL GROUP BY topic_id, topic_name, category_name
    ),
    -- Counts of person × topic changes cover only topics no one to floor - 1 people rated,
    -- then or now (privacy floor): else a count would tell those few people's moves.
    told AS (
      SELECT topic_id FROM per_topic
      WHERE NOT raters_after BETWEEN 1 AND ${floor - 1}
        AND NOT raters_before BETWEEN 1 AND ${floor - 1}
    ),
    -- The person × topic counts in one pass over the rows (each a scan of its own took
    -- a quarter of a large organisation's report).
    counts AS (
      SELECT
        count(*) FILTER (WHERE told AND change = 'improved') AS improved,
        count(*) FILTER (WHERE told AND change = 'regressed') AS regressed,
        count(*) FILTER (WHERE told AND change = 'unchanged') AS unchanged,
        count(*) FILTER (WHERE told AND change = 'stale') AS stale,
        count(*) FILTER (WHERE told AND change = 'new') AS new,
        count(*) FILTER (WHERE told AND change = 'not_rated') AS not_rated,
        count(*) FILTER (WHERE told AND short_before > 0 AND short_after = 0) AS gaps_closed,
        count(*) FILTER (WHERE told AND coalesce(short_before, 0) = 0 AND short_after > 0)
          AS gaps_opened,
        count(*) FILTER (WHERE told AND short_after > 0) AS gaps_open,
        count(*) FILTER (WHERE priority = 'must_have' AND level_after >= target_level)
          AS must_met_now,
        count(level_after) FILTER (WHERE priority = 'must_have') AS must_total_now,
        count(*) FILTER (WHERE priority = 'must_have' AND level_before >= target_level)
          AS must_met_before,
        count(level_before) FILTER (WHERE priority = 'must_have') AS must_total_before,
        count(*) FILTER (WHERE told AND mentored AND change = 'improved') AS mentees_improved,
        count(*) FILTER (WHERE told AND mentored) AS mentored_topics
      FROM (SELECT d.*, t.topic_id IS NOT NULL AS told FROM d LEFT JOIN told t USING (topic_id)) x
    ),
    ms AS (
      SELECT ms.id, ms.status, ms.mentee_id, ms.topic_id, ms.ended_at,
        coalesce(ms.starts_on, ms.created_at::date) AS began
      FROM mentorships ms
      WHERE ms.organization_id = ${input.organizationId}
        AND ms.mentee_id IN (SELECT member_id FROM movers)
    )
    SELECT json_build_object(
      'memberCount', (SELECT count(*) FROM movers),
      'raters', (SELECT count(*) FROM movers WHERE rated_after),
      'ratersBefore', (SELECT count(*) FROM movers WHERE rated_before),
      'topicCount', (SELECT count(DISTINCT topic_id) FROM per_topic),
      'changes', json_build_object('improved', c.improved, 'regressed', c.regressed,
        'unchanged', c.unchanged, 'stale', c.stale, 'new', c.new, 'not_rated', c.not_rated),
      'gaps', json_build_object('closed', c.gaps_closed, 'opened', c.gaps_opened,
        'open', c.gaps_open),
      'mustHave', json_build_object('metNow', c.must_met_now, 'totalNow', c.must_total_now,
        'metBefore', c.must_met_before, 'totalBefore', c.must_total_before),
      'categories', coalesce((SELECT json_agg(json_build_object(
          'categoryId', category_id, 'name', category_name, 'averageBefore', average_before,
          'averageAfter', average_after, 'mustHaveMetBefore', mb, 'mustHaveTotalBefore', mtb,
          'mustHaveMetAfter', ma, 'mustHaveTotalAfter', mta, 'ratersBefore', raters_before,
          'ratersAfter', raters_after) ORDER BY cp) FROM per_category), '[]'),
      -- Topics one to floor - 1 people rated are left out of the counts (privacy floor).
      'coverage', json_build_object(
        'busFactorRiskBefore', (SELECT count(*) FROM per_topic
          WHERE proficient_before <= ${BUS_FACTOR_RISK_AT} AND NOT raters_before BETWEEN 1 AND ${floor - 1}),
        'busFactorRiskAfter', (SELECT count(*) FROM per_topic
          WHERE proficient_after <= ${BUS_FACTOR_RISK_AT} AND NOT raters_after BETWEEN 1 AND ${floor - 1})),
      'topics', coalesce((SELECT json_agg(json_build_object(
          'topicId', topic_id, 'name', topic_name, 'category', category_name,
          'proficientBefore', proficient_before, 'proficientAfter', proficient_after,
          'ratersBefore', raters_before, 'ratersAfter', raters_after)
          ORDER BY cp, tp) FROM per_topic), '[]'),
      'mentoring', json_build_object(
        -- Active during the cycle (as the mentored rows count them), not merely today: a
        -- report of an earlier quarter made later still tells that quarter's story.
        'active', (SELECT count(*) FROM ms WHERE status IN ('active', 'completed')
          AND began <= ${cycle.ends_on}::date
          AND (ended_at IS NULL OR ended_at::date >= ${cycle.starts_on}::date)),
        'completed', (SELECT count(*) FROM ms WHERE status = 'completed'
          AND ended_at::date BETWEEN ${cycle.starts_on}::date AND ${cycle.ends_on}::date),
        'checkIns', (SELECT count(*) FROM check_ins ci JOIN ms ON ms.id = ci.mentorship_id
          WHERE ci.occurred_on BETWEEN ${cycle.starts_on}::date AND ${cycle.ends_on}::date),
        'menteesImproved', c.mentees_improved,
        'mentoredTopics', c.mentored_topics),
      'movers', coalesce((SELECT json_agg(json_build_object('memberId', member_id,
          'name', member_name, 'improved', up, 'regressed', down, 'net', up - down)
          ORDER BY up - down DESC, member_name)
        FROM (SELECT * FROM movers WHERE up > 0 OR down > 0
          ORDER BY up - down DESC, member_name LIMIT 10) m), '[]'),
      'topGaps', coalesce((SELECT json_agg(json_build_object('topicId', topic_id,
          'name', topic_name, 'category', category_name, 'score', score,
          'peopleShort', people_short, 'mentored', mentored) ORDER BY score DESC, topic_name)
        FROM (SELECT * FROM top_gaps WHERE score > 0 AND raters >= ${floor}
          ORDER BY score DESC, topic_name LIMIT 10) g), '[]')
    ) AS summary
    FROM counts c
  `.execute(trx);
  const { memberCount, topicCount, raters, ratersBefore, ...figures } = rows[0]!.summary;
  const trend = await sql<TrendPoint & { raters: number }>`
    SELECT c.id AS "cycleId", c.name AS "cycleName", coalesce(sum(p.must_have_met), 0)::int AS met,
      coalesce(sum(p.must_have_total), 0)::int AS total,
      count(p.member_id) FILTER (WHERE p.must_have_total > 0)::int AS raters
    FROM cycles c
    LEFT JOIN cycle_progress p ON p.cycle_id = c.id
      AND p.member_id IN (SELECT DISTINCT member_id FROM report_draft)
    WHERE c.organization_id = ${input.organizationId} AND c.status = 'closed'
      AND c.starts_on < ${cycle.starts_on}::date
    GROUP BY c.id, c.name, c.starts_on
    ORDER BY c.starts_on`.execute(trx);
  // The privacy floor (ADR 015): a figure over fewer people who rated is left out.
  const shows = (n: number) => meetsPrivacyFloor(n, floor);
  const withheld = !shows(raters);
  const now = figures.mustHave;
  const before = shows(ratersBefore);
  const categories = figures.categories.filter((c) => shows(c.ratersAfter));
  return {
    scope: {
      teamName,
      cycleName: cycle.name,
      previousCycleName: previousName,
      members: memberCount,
      topics: topicCount,
    },
    privacy: {
      floor,
      raters,
      withheld,
      withheldCategories: withheld
        ? []
        : figures.categories.filter((c) => !shows(c.ratersAfter)).map((c) => c.name),
    },
    ...figures,
    changes: withheld ? null : figures.changes,
    gaps: withheld ? null : figures.gaps,
    mustHave: withheld
      ? null
      : {
          metNow: now.metNow,
          totalNow: now.totalNow,
          metBefore: before ? now.metBefore : null,
          totalBefore: before ? now.totalBefore : null,
        },
    categories: withheld
      ? []
      : categories.map(({ ratersBefore: ratedBefore, ratersAfter: _after, ...c }) =>
          shows(ratedBefore)
            ? c
            : {
                ...c,
                averageBefore: null,
                mustHaveMetBefore: null,
                mustHaveTotalBefore: null,
              },
        ),
    topics: figures.topics
      .filter((t) => shows(t.ratersAfter))
      .map(({ ratersBefore: ratedBefore, ratersAfter: _after, ...t }) => ({
        ...t,
        proficientBefore: shows(ratedBefore) ? t.proficientBefore : null,
      })),
    topGaps: withheld ? [] : figures.topGaps,
    trend: withheld
      ? []
      : [
          ...trend.rows.filter((p) => shows(p.raters)).map(({ raters: _r, ...p }) => p),
          { cycleId: cycle.id, cycleName: cycle.name, met: now.metNow, total: now.totalNow },
        ],
  };
}

interface RawFigures
  extends Omit<ReportSummary, "scope" | "trend" | "privacy" | "mustHave" | "changes" | "gaps"> {
  changes: NonNullable<ReportSummary["changes"]>;
  gaps: NonNullable<ReportSummary["gaps"]>;
  memberCount: number;
  topicCount: number;
  raters: number;
  ratersBefore: number;
  mustHave: { metNow: number; totalNow: number; metBefore: number; totalBefore: number };
  categories: (ReportSummary["categories"][number] & { ratersBefore: number; ratersAfter: number })[];
  topics: (ReportSummary["topics"][number] & { ratersBefore: number; ratersAfter: number })[];
}

/**
 * Generates and stores a report; returns its id. Its reads are planned for the organisation's
 * own rows (withCustomPlans): seconds of work for a large one, against milliseconds of
 * planning, and a generic plan sized for the average organisation ran several times longer.
 */
export async function generateReport(input: GenerateReportInput): Promise<string> {
  return withCustomPlans(() => db.transaction().execute(async (trx) => {
    const cycle = await trx
      .selectFrom("cycles")
      .select(["id", "name", "status", "starts_on", "ends_on", "framework_version_id"])
      .where("organization_id", "=", input.organizationId)
      .where("id", "=", input.cycleId)
      .executeTakeFirst();
    if (!cycle) throw notFound("Cycle");
    const team = input.teamId
      ? await trx
          .selectFrom("teams")
          .select("name")
          .where("organization_id", "=", input.organizationId)
          .where("id", "=", input.teamId)
          .executeTakeFirst()
      : null;
    if (input.teamId && !team) throw notFound("Team");
    const previous =
      (await trx
        .selectFrom("cycles")
        .select(["id", "name", "starts_on"])
        .where("organization_id", "=", input.organizationId)
        .where("starts_on", "<", cycle.starts_on)
        .orderBy("starts_on", "desc")
        .limit(1)
        .executeTakeFirst()) ?? null;
    const org = await trx
      .selectFrom("organizations")
      .select(["stale_after_days", "privacy_floor"])
      .where("id", "=", input.organizationId)
      .executeTakeFirstOrThrow();

    await draftRows(trx, input, cycle, previous, org.stale_after_days);
    // Autovacuum never analyzes temporary tables: without this the summary plans blind.
    await sql`ANALYZE report_draft`.execute(trx);
    const summary = await summarise(
      trx,
      input,
      cycle,
      previous?.name ?? null,
      team?.name ?? null,
      org.privacy_floor,
    );
    const reportId = randomUUID();
    await trx
      .insertInto("reports")
      .values({
        id: reportId,
        organization_id: input.organizationId,
        cycle_id: cycle.id,
        previous_cycle_id: previous?.id ?? null,
        team_id: input.teamId,
        framework_version_id: cycle.framework_version_id,
        snapshot: JSON.stringify(summary),
        generated_by_user_id: input.generatedByUserId,
        trigger: input.trigger ?? "on_demand",
        ...(input.generatedAt ? { generated_at: input.generatedAt } : {}),
      })
      .execute();
    await sql`
      INSERT INTO report_rows (report_id, organization_id, member_id, member_name, topic_id,
        topic_name, topic_position, category_id, category_name, category_position, priority,
        target_level, level_before, level_after, rated_at_after, change, mentored)
      SELECT ${reportId}, ${input.organizationId}, member_id, member_name, topic_id, topic_name,
        topic_position, category_id, category_name, category_position, priority, target_level,
        level_before, level_after, rated_at_after, change, mentored
      FROM report_draft`.execute(trx);
    await freezePlanGoals(trx, { id: reportId, organizationId: input.organizationId }, cycle);
    if (input.notify) {
      await notifyReportReady(trx, {
        id: reportId,
        organizationId: input.organizationId,
        teamId: input.teamId,
        teamName: team?.name ?? null,
        cycleName: cycle.name,
      });
    }
    return reportId;
  }));
}
