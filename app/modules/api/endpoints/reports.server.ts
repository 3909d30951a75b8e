import { z } from "zod";
import { listReports, reportCsv, viewableReport } from "~/modules/reports/report-views.server";
import { WITHHELD_DESCRIPTION } from "~/modules/gaps/privacy-floor";
import { endpoint, id, isoDate, isoTime } from "../api-endpoint.server";

// Quarterly reports: frozen snapshots, read with the same access rules as the report pages.

const ReportListItemSchema = z.object({
  id,
  team: z.object({ id, name: z.string() }).nullable().describe("null: the whole organisation."),
  cycle: z.string(),
  cycleStartsOn: isoDate,
  trigger: z.enum(["cycle_closed", "on_demand"]),
  generatedAt: isoTime,
  perPerson: z
    .boolean()
    .describe(
      "false: the organisation's figures only, as a caller who does not see its people one by one reads them (ADR 015): no movers, no CSV, and figures withheld where too few other people rated.",
    ),
});

const count = z.number().int();
const ReportSchema = ReportListItemSchema.extend({
  framework: z.string(),
  frameworkVersion: count,
  previousCycle: z.string().nullable(),
  summary: z.object({
    scope: z.object({
      teamName: z.string().nullable(),
      cycleName: z.string(),
      previousCycleName: z.string().nullable(),
      members: count,
      topics: count,
    }),
    changes: z
      .record(z.enum(["improved", "regressed", "unchanged", "stale", "new", "not_rated"]), count)
      .nullable()
      .describe(
        "Member × topic levels by change, over the topics that no one to floor − 1 people rated then or now; null when withheld.",
      ),
    gaps: z
      .object({ closed: count, opened: count, open: count })
      .nullable()
      .describe("Member × topic gaps, over the same topics as `changes`; null when withheld."),
    privacy: z
      .object({
        floor: count,
        raters: count.describe("People in the report with a level in its cycle."),
        withheld: z.boolean().describe(WITHHELD_DESCRIPTION),
        withheldCategories: z
          .array(z.string())
          .describe("Categories left out of `categories`: too few people rated them."),
      })
      .optional()
      .describe(
        "The privacy floor the report was made under (ADR 015). Absent from reports issued before it: an issued report never changes.",
      ),
    mustHave: z
      .object({
        metNow: count,
        totalNow: count,
        metBefore: count.nullable(),
        totalBefore: count.nullable(),
      })
      .nullable()
      .describe("null when withheld; the before pair null when too few rated then."),
    categories: z.array(
      z.object({
        categoryId: id,
        name: z.string(),
        averageBefore: z.number().nullable(),
        averageAfter: z.number().nullable(),
        mustHaveMetBefore: count.nullable(),
        mustHaveTotalBefore: count.nullable(),
        mustHaveMetAfter: count,
        mustHaveTotalAfter: count,
      }),
    ),
    coverage: z.object({ busFactorRiskBefore: count, busFactorRiskAfter: count }),
    topics: z.array(
      z.object({
        topicId: id,
        name: z.string(),
        category: z.string(),
        proficientBefore: count.nullable(),
        proficientAfter: count,
      }),
    ),
    mentoring: z.object({
      active: count,
      completed: count,
      checkIns: count,
      menteesImproved: count,
      mentoredTopics: count,
    }),
    movers: z.array(
      z.object({ memberId: id, name: z.string(), improved: count, regressed: count, net: count }),
    ),
    topGaps: z.array(
      z.object({
        topicId: id,
        name: z.string(),
        category: z.string(),
        score: z.number(),
        peopleShort: count,
        mentored: count,
      }),
    ),
    trend: z.array(z.object({ cycleId: id, cycleName: z.string(), total: count, met: count })),
  }),
});

type ListedReport = Awaited<ReturnType<typeof listReports>>[number];

function reportItem(r: ListedReport): z.input<typeof ReportListItemSchema> {
  return {
    id: r.id,
    team: r.teamId ? { id: r.teamId, name: r.teamName ?? "" } : null,
    cycle: r.cycleName,
    cycleStartsOn: r.cycleStartsOn,
    trigger: r.trigger,
    generatedAt: r.generatedAt.toISOString(),
    perPerson: r.perPerson,
  };
}

const reportParams = z.object({ reportId: id });

export const reportEndpoints = [
  endpoint({
    operationId: "listReports",
    method: "GET",
    path: "/reports",
    tag: "Reports",
    summary: "List quarterly reports, newest cycle first",
    write: false,
    success: { status: 200, schema: z.object({ data: z.array(ReportListItemSchema) }) },
    async handle({ actor }) {
      return { json: { data: (await listReports(actor)).map(reportItem) } };
    },
  }),
  endpoint({
    operationId: "getReport",
    method: "GET",
    path: "/reports/{reportId}",
    tag: "Reports",
    summary: "Get a report's frozen summary",
    write: false,
    params: reportParams,
    success: { status: 200, schema: ReportSchema },
    async handle({ actor, params }) {
      const report = await viewableReport(actor, params.reportId);
      return {
        json: {
          ...reportItem(report),
          framework: report.frameworkName,
          frameworkVersion: report.frameworkVersion,
          previousCycle: report.previousCycleName,
          summary: report.summary,
        },
      };
    },
  }),
  endpoint({
    operationId: "getReportCsv",
    method: "GET",
    path: "/reports/{reportId}/csv",
    tag: "Reports",
    summary: "Download a report as CSV: one row per member × topic with the deltas",
    write: false,
    params: reportParams,
    success: { status: 200, mediaType: "text/csv" },
    async handle({ actor, params }) {
      const file = await reportCsv(actor, params.reportId);
      return {
        file: { body: file.body, contentType: "text/csv; charset=utf-8", filename: file.filename },
      };
    },
  }),
];
