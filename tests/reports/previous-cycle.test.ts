import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as csvRoute from "~/routes/reports.$reportId[.csv]";
import * as listRoute from "~/routes/_app.reports._index";
import * as reportRoute from "~/routes/_app.reports.$reportId";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";
import { buildRequest, call } from "../support/remix";

// A report compares its cycle with the one just before it, not with the first one the
// organisation ever ran. The hand-built organisation (gap-data.ts) has 2026-Q3 (Ben at 3 on
// a1) and 2026-Q4 (Ben at 1); here it also gets an older 2026-Q2, in which Ben was at 2.

let g: GapData;
let token: string;
let q3Id: string;

beforeAll(async () => {
  g = await buildGapData();
  await showEveryFigure(g.organizationId);
  token = (await apiToken(g.organizationId, g.admin.id)).secret;
  const q2 = await db
    .insertInto("cycles")
    .values({
      organization_id: g.organizationId,
      framework_version_id: g.versionId,
      name: "2026-Q2",
      status: "closed",
      starts_on: "2026-04-01",
      due_on: "2026-05-15",
      ends_on: "2026-06-30",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("ratings")
    .values({
      organization_id: g.organizationId,
      cycle_id: q2.id,
      member_id: g.ben.membershipId,
      topic_id: g.topic.a1,
      source: "self",
      level: 2,
      created_at: new Date(Date.now() - 200 * 86_400_000),
    })
    .execute();
  await sql`SELECT record_cycle_progress(${q2.id})`.execute(db);
  q3Id = (
    await db
      .selectFrom("cycles")
      .select("id")
      .where("organization_id", "=", g.organizationId)
      .where("name", "=", "2026-Q3")
      .executeTakeFirstOrThrow()
  ).id;
});

/** Makes a report on demand as the admin, through the reports page; returns its id. */
async function reportOn(cycleId: string, teamId = "") {
  const made = await call(
    listRoute.action,
    buildRequest("/reports", { cookie: g.admin.cookie, form: { cycleId, teamId } }),
  );
  expect(made.status).toBe(302);
  return made.headers.get("Location")!.split("/").pop()!;
}

type ReportPage = Awaited<ReturnType<typeof reportRoute.loader>>;

describe("a report's previous cycle", () => {
  it("is the cycle just before the report's, on the page, in the API and in the CSV", async () => {
    const reportId = await reportOn(g.cycleId, g.teamT.id);

    const page = await call<ReportPage>(
      reportRoute.loader,
      buildRequest(`/reports/${reportId}`, { cookie: g.admin.cookie }),
      { reportId },
    );
    expect(page.status).toBe(200);
    const { report } = page.data as Extract<ReportPage, { report: unknown }>;
    expect(report.previousCycleName).toBe("2026-Q3");
    expect(report.summary.scope.previousCycleName).toBe("2026-Q3");

    const fromApi = await api(token, "GET", `/reports/${reportId}`);
    expect(fromApi.status).toBe(200);
    expect(fromApi.body.previousCycle).toBe("2026-Q3");
    expect(fromApi.body.summary.trend.map((t: { cycleName: string }) => t.cycleName)).toEqual([
      "2026-Q2",
      "2026-Q3",
      "2026-Q4",
    ]);

    const csv = await call(
      csvRoute.loader,
      buildRequest(`/reports/${reportId}.csv`, { cookie: g.admin.cookie }),
      { reportId },
    );
    const rows = parse(csv.data as string, { columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((r) => r.previous_cycle))).toEqual(new Set(["2026-Q3"]));
    // Ben's a1 moved from Q3's 3 (not Q2's 2) to 1.
    expect(rows.find((r) => r.member === "Ben" && r.topic === "a1")).toMatchObject({
      level_before: "3",
      level_after: "1",
      delta: "-2",
      change: "regressed",
    });
  });

  it("for a cycle in the middle, is the one before it; the first cycle has none", async () => {
    const middle = await api(token, "GET", `/reports/${await reportOn(q3Id)}`);
    expect(middle.body.previousCycle).toBe("2026-Q2");
    const q2 = await db
      .selectFrom("cycles")
      .select("id")
      .where("organization_id", "=", g.organizationId)
      .where("name", "=", "2026-Q2")
      .executeTakeFirstOrThrow();
    const first = await api(token, "GET", `/reports/${await reportOn(q2.id)}`);
    expect(first.body.previousCycle).toBeNull();
  });
});
