import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import { guardCell } from "~/lib/csv-cells";
import { forbidden, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { slugify } from "~/modules/accounts/organizations.server";
import { hasRole } from "~/modules/accounts/roles";
import type { ReportSummary } from "./generate-report.server";
import { frozenPlanGoals } from "~/modules/growth/plan-outcomes.server";
import { generateReport } from "./generate-report.server";
import { viewableMember, viewableTeams } from "~/modules/accounts/visibility.server";
import { meetsPrivacyFloor } from "~/modules/gaps/privacy-floor";

// Who sees which report: admins every report of their organisation, leads the reports of
// the teams they lead, and every member their own one-page summary in any report that
// holds them. Anyone else reads an organisation report made under the privacy floor as
// figures only (ADR 015): no one named, and each figure shown only when enough people the
// reader cannot see one by one rated it. Anything else — another organisation's report
// included — is not found.

const isUuid = (value: string) => z.uuid().safeParse(value).success;

function reportsQuery(organizationId: string) {
  return db
    .selectFrom("reports as r")
    .innerJoin("cycles as c", "c.id", "r.cycle_id")
    .leftJoin("teams as t", "t.id", "r.team_id")
    .select([
      "r.id",
      "r.team_id as teamId",
      "t.name as teamName",
      "c.name as cycleName",
      "c.starts_on as cycleStartsOn",
      "r.trigger",
      "r.generated_at as generatedAt",
    ])
    .where("r.organization_id", "=", organizationId);
}

/** The teams whose reports the caller reads: null for admins (every team). */
async function ledTeamIds(ctx: MemberContext): Promise<string[] | null> {
  if (hasRole(ctx.membership.role, "admin")) return null;
  return (await viewableTeams(ctx)).map((t) => t.id);
}

/** Every report the caller may open; `perPerson` false: the figures-only organisation view. */
export async function listReports(ctx: MemberContext) {
  const led = await ledTeamIds(ctx);
  let query = reportsQuery(ctx.organization.id)
    .select(perPersonFor(led).as("perPerson"))
    .orderBy("c.starts_on", "desc")
    .orderBy("t.name")
    .orderBy("r.generated_at", "desc");
  if (led !== null)
    query = query.where((eb) =>
      eb.or([
        ...(led.length ? [eb("r.team_id", "in", led)] : []),
        eb.and([eb("r.team_id", "is", null), sql<boolean>`r.snapshot ? 'privacy'`]),
      ]),
    );
  return query.execute();
}

/** Whether the reader sees the report's people: admins always, leads in their teams' reports. */
function perPersonFor(led: string[] | null) {
  if (led === null) return sql<boolean>`true`;
  if (!led.length) return sql<boolean>`false`;
  return sql<boolean>`coalesce(r.team_id IN (${sql.join(led)}), false)`;
}

/** Per cycle, the newest report that holds the member: their own pages, newest cycle first. */
export function ownSummaries(ctx: MemberContext) {
  return reportsQuery(ctx.organization.id)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("report_rows as rr")
          .select("rr.report_id")
          .whereRef("rr.report_id", "=", "r.id")
          .where("rr.member_id", "=", ctx.membership.id),
      ),
    )
    .distinctOn(["c.starts_on", "c.id"])
    .orderBy("c.starts_on", "desc")
    .orderBy("c.id")
    .orderBy("r.generated_at", "desc")
    .execute();
}

/**
 * A report the caller may read, with its frozen summary: in full (`perPerson`) for admins and
 * the leads of its team, as the reader's figures-only view for anyone else.
 */
export async function viewableReport(ctx: MemberContext, reportId: string) {
  if (!isUuid(reportId)) throw notFound("Report");
  const led = await ledTeamIds(ctx);
  const { snapshot, ...report } =
    (await reportsQuery(ctx.organization.id)
      .innerJoin("framework_versions as fv", "fv.id", "r.framework_version_id")
      .innerJoin("frameworks as f", "f.id", "fv.framework_id")
      .leftJoin("cycles as pc", "pc.id", "r.previous_cycle_id")
      .select([
        "r.snapshot",
        "f.name as frameworkName",
        "fv.number as frameworkVersion",
        "pc.name as previousCycleName",
      ])
      .where("r.id", "=", reportId)
      .executeTakeFirst()) ?? throwNotFound();
  const summary = snapshot as ReportSummary;
  if (led === null || (report.teamId && led.includes(report.teamId)))
    return { ...report, summary, perPerson: true };
  // Reports issued before the floor was recorded may hold figures over too few people.
  if (report.teamId || !summary.privacy) throw notFound("Report");
  return { ...report, summary: await figuresOnly(ctx, led, reportId, summary), perPerson: false };
}

function throwNotFound(): never {
  throw notFound("Report");
}

/**
 * The organisation report as someone who sees only some of its people one by one (themself,
 * or the teams they lead) reads it: no one named, and each figure kept only when the people
 * who rated it *other than those* meet the report's floor — else the figure minus what the
 * reader knows would be the level of the few left (ADR 015's no-derivation rule).
 */
async function figuresOnly(
  ctx: MemberContext,
  led: string[],
  reportId: string,
  summary: ReportSummary,
) {
  const floor = summary.privacy!.floor;
  const teamMembers = led.length
    ? await db
        .selectFrom("team_members")
        .select("membership_id")
        .where("organization_id", "=", ctx.organization.id)
        .where("team_id", "in", led)
        .execute()
    : [];
  const known = [ctx.membership.id, ...teamMembers.map((m) => m.membership_id)];
  const others = await db
    .selectFrom("report_rows as rr")
    .select(["rr.topic_id", "rr.category_name"])
    .select((eb) => [
      eb.fn.count<number>("rr.level_after").as("after"),
      eb.fn.count<number>("rr.level_before").as("before"),
      sql<string[]>`array_agg(DISTINCT rr.member_id) FILTER (WHERE rr.level_after IS NOT NULL)`.as(
        "ratersAfter",
      ),
      sql<string[]>`array_agg(DISTINCT rr.member_id) FILTER (WHERE rr.level_before IS NOT NULL)`.as(
        "ratersBefore",
      ),
    ])
    .where("rr.report_id", "=", reportId)
    .where("rr.member_id", "not in", known)
    .groupBy(["rr.topic_id", "rr.category_name"])
    .execute();
  const shows = (n: number) => meetsPrivacyFloor(Number(n), floor);
  const people = (key: "ratersAfter" | "ratersBefore", category?: string) =>
    new Set(
      others.filter((o) => category === undefined || o.category_name === category).flatMap((o) => o[key] ?? []),
    ).size;
  const topic = new Map(others.map((o) => [o.topic_id, o]));
  const base = { ...summary, movers: [] };
  if (!shows(people("ratersAfter")) || summary.privacy!.withheld)
    return {
      ...base,
      privacy: { ...summary.privacy!, withheld: true, withheldCategories: [] },
      changes: null,
      gaps: null,
      mustHave: null,
      categories: [],
      topics: [],
      topGaps: [],
      trend: [],
    };
  const shownTopic = (id: string) => shows(topic.get(id)?.after ?? 0);
  const categories = summary.categories.filter((c) => shows(people("ratersAfter", c.name)));
  return {
    ...base,
    privacy: {
      ...summary.privacy!,
      withheldCategories: [
        ...summary.privacy!.withheldCategories,
        ...summary.categories.filter((c) => !categories.includes(c)).map((c) => c.name),
      ],
    },
    mustHave:
      summary.mustHave && !shows(people("ratersBefore"))
        ? { ...summary.mustHave, metBefore: null, totalBefore: null }
        : summary.mustHave,
    categories: categories.map((c) =>
      shows(people("ratersBefore", c.name))
        ? c
        : { ...c, averageBefore: null, mustHaveMetBefore: null, mustHaveTotalBefore: null },
    ),
    topics: summary.topics
      .filter((t) => shownTopic(t.topicId))
      .map((t) => (shows(topic.get(t.topicId)?.before ?? 0) ? t : { ...t, proficientBefore: null })),
    topGaps: summary.topGaps.filter((g) => shownTopic(g.topicId)),
  };
}

/** The report's members, for links to their summaries. */
export function reportMembers(reportId: string) {
  return db
    .selectFrom("report_rows")
    .select(["member_id as memberId", "member_name as name"])
    .select((eb) => [
      eb.fn.countAll<number>().filterWhere("change", "=", "improved").as("improved"),
      eb.fn.countAll<number>().filterWhere("change", "=", "regressed").as("regressed"),
    ])
    .where("report_id", "=", reportId)
    .groupBy(["member_id", "member_name"])
    .orderBy("member_name")
    .execute();
}

/**
 * One member's page of a report: the member themself, an admin, or a lead of a team the
 * member is in. Rows in framework order.
 */
export async function memberSummary(ctx: MemberContext, reportId: string, memberId: string) {
  if (!isUuid(reportId) || !isUuid(memberId)) throw notFound("Summary");
  const report = await reportsQuery(ctx.organization.id)
    .where("r.id", "=", reportId)
    .executeTakeFirst();
  if (!report) throw notFound("Summary");
  // Someone else's page: the same rule as their gap profile (admins, or a lead of their team).
  if (memberId !== ctx.membership.id) {
    await viewableMember(ctx, memberId).catch(() => {
      throw notFound("Summary");
    });
  }
  const rows = await db
    .selectFrom("report_rows")
    .select([
      "member_name",
      "topic_id",
      "topic_name",
      "category_name",
      "priority",
      "target_level",
      "level_before",
      "level_after",
      "change",
      "mentored",
    ])
    .where("report_id", "=", reportId)
    .where("member_id", "=", memberId)
    .orderBy("category_position")
    .orderBy("topic_position")
    .execute();
  if (!rows.length) throw notFound("Summary");
  const planGoals = await frozenPlanGoals(ctx.organization.id, reportId, memberId);
  return { report, name: rows[0]!.member_name, rows, planGoals };
}

/** Long format: one row per member × topic of the report's cycle, with the deltas. */
export async function reportCsv(ctx: MemberContext, reportId: string) {
  const report = await viewableReport(ctx, reportId);
  // One row per person: only for those who see the report's people.
  if (!report.perPerson) throw notFound("Report");
  const rows = await db
    .selectFrom("report_rows")
    .selectAll()
    .where("report_id", "=", reportId)
    .orderBy("member_name")
    .orderBy("member_id")
    .orderBy("category_position")
    .orderBy("topic_position")
    .execute();
  const scope = report.teamName ?? "Organisation";
  const level = (value: number | null) => (value === null ? "" : String(value));
  const body = stringify([
    [
      "cycle",
      "previous_cycle",
      "scope",
      "member",
      "category",
      "topic",
      "priority",
      "target_level",
      "level_before",
      "level_after",
      "delta",
      "change",
      "mentored",
    ],
    ...rows.map((r) => [
      report.cycleName,
      report.previousCycleName ?? "",
      guardCell(scope),
      guardCell(r.member_name),
      guardCell(r.category_name),
      guardCell(r.topic_name),
      r.priority ?? "",
      level(r.target_level),
      level(r.level_before),
      level(r.level_after),
      r.level_before !== null && r.level_after !== null
        ? String(r.level_after - r.level_before)
        : "",
      r.change,
      r.mentored ? "yes" : "no",
    ]),
  ]);
  return {
    body,
    filename: `gapmap-report-${slugify(scope)}-${slugify(report.cycleName)}.csv`,
  };
}

export const GenerateReportSchema = z.object({
  cycleId: z.uuid({ error: "Choose a cycle." }),
  /** Empty: the whole organisation (admins only). */
  teamId: z.union([z.literal(""), z.uuid({ error: "Choose a team." })]),
});

/** On demand: admins for any team or the organisation, leads for the teams they lead. */
export async function generateOnDemand(
  ctx: MemberContext,
  input: z.infer<typeof GenerateReportSchema>,
) {
  const teamId = input.teamId || null;
  if (!teamId && !hasRole(ctx.membership.role, "admin"))
    throw forbidden("Only admins can report on the whole organisation.");
  if (teamId && !(await viewableTeams(ctx)).some((t) => t.id === teamId)) throw notFound("Team");
  return generateReport({
    organizationId: ctx.organization.id,
    cycleId: input.cycleId,
    teamId,
    generatedByUserId: ctx.user.id,
  });
}

/** Cycles that can be reported on: opened or closed ones. */
export function reportableCycles(organizationId: string) {
  return db
    .selectFrom("cycles")
    .select(["id", "name", "status"])
    .where("organization_id", "=", organizationId)
    .where("status", "in", ["open", "closed"])
    .orderBy("starts_on", "desc")
    .execute();
}
