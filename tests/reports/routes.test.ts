import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import * as csvRoute from "~/routes/reports.$reportId[.csv]";
import * as listRoute from "~/routes/_app.reports._index";
import * as reportRoute from "~/routes/_app.reports.$reportId";
import * as summaryRoute from "~/routes/_app.reports.$reportId_.members.$memberId";
import { generateReport } from "~/modules/reports/generate-report.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { db } from "#db/database";
import { sql } from "kysely";
import { buildRequest, call } from "../support/remix";

// Who sees which report, the CSV, and reports made on demand. Team T is led by Lee; Ann,
// Ben and Cat are in it, Dan is in Team U.

let data: GapData;
let other: GapData;
const ids = { teamT: "", teamU: "", org: "", otherOrg: "" };

beforeAll(async () => {
  data = await buildGapData();
  other = await buildGapData();
  const make = (d: GapData, teamId: string | null) =>
    generateReport({
      organizationId: d.organizationId,
      cycleId: d.cycleId,
      teamId,
      generatedByUserId: null,
    });
  ids.teamT = await make(data, data.teamT.id);
  ids.teamU = await make(data, data.teamU.id);
  ids.org = await make(data, null);
  ids.otherOrg = await make(other, other.teamT.id);
});

const get = (route: { loader?: unknown }, path: string, cookie: string, params = {}) =>
  call(route.loader as never, buildRequest(path, { cookie }), params);

type List = Awaited<ReturnType<typeof listRoute.loader>>;

const setFloor = (floor: number) =>
  db
    .updateTable("organizations")
    .set({ privacy_floor: floor })
    .where("id", "=", data.organizationId)
    .execute();

describe("reports in the app", () => {
  it("lists every report to admins, a lead's teams' reports to the lead, and each person's own pages", async () => {
    const admin = (await get(listRoute, "/reports", data.admin.cookie)).data as List;
    expect(admin.reports.map((r) => r.id).sort()).toEqual([ids.teamT, ids.teamU, ids.org].sort());
    expect(admin.organisation).toEqual([]);
    const lead = (await get(listRoute, "/reports", data.lee.cookie)).data as List;
    expect(lead.reports.map((r) => r.id)).toEqual([ids.teamT]);
    // The organisation's report, made under the privacy floor, as figures only.
    expect(lead.organisation.map((r) => r.id)).toEqual([ids.org]);
    const ben = (await get(listRoute, "/reports", data.ben.cookie)).data as List;
    expect(ben.reports).toEqual([]);
    expect(ben.organisation.map((r) => r.id)).toEqual([ids.org]);
    expect(ben.canGenerate).toBe(false);
    // One page per cycle: the newest report that holds him.
    expect(ben.own.map((r) => r.id)).toEqual([ids.org]);
  });

  it("opens a report only for those who may read it; others get 404", async () => {
    const open = (cookie: string, id: string) =>
      get(reportRoute, `/reports/${id}`, cookie, { reportId: id });
    expect((await open(data.lee.cookie, ids.teamT)).status).toBe(200);
    expect((await open(data.admin.cookie, ids.org)).status).toBe(200);
    expect((await open(data.lee.cookie, ids.teamU)).status).toBe(404);
    expect((await open(data.admin.cookie, ids.otherOrg)).status).toBe(404);
    expect((await open(data.admin.cookie, "not-a-uuid")).status).toBe(404);
    expect((await open(data.ben.cookie, ids.teamT)).status).toBe(404);
  });

  it("shows engineers and other teams' leads the organisation report as figures only, each figure over enough people they cannot see one by one", async () => {
    type Opened = Awaited<ReturnType<typeof reportRoute.loader>>;
    const open = async (cookie: string, id: string) => {
      const res = await get(reportRoute, `/reports/${id}`, cookie, { reportId: id });
      expect(res.status).toBe(200);
      return res.data as Opened;
    };
    const full = await open(data.admin.cookie, ids.org);
    expect(full.report.perPerson).toBe(true);
    expect(full.members.length).toBeGreaterThan(0);
    // Floor 3. Rated now: a1 by Ann, Ben, Cat and Dan; a2 by Ann and Cat; b1 by Ann and Ben.
    expect(full.report.summary.topics.map((t) => t.name)).toEqual(["a1"]);
    expect(full.report.summary.categories.map((c) => c.name)).toEqual(["A"]);

    // Ben knows his own levels; Ann, Cat and Dan rated a1 and category A besides him.
    const ben = await open(data.ben.cookie, ids.org);
    expect(ben.report.perPerson).toBe(false);
    expect(ben.members).toEqual([]);
    expect(ben.report.summary.movers).toEqual([]);
    expect(ben.report.summary.topics).toEqual(full.report.summary.topics);
    expect(ben.report.summary.categories).toEqual(full.report.summary.categories);
    expect(ben.report.summary.mustHave).toEqual(full.report.summary.mustHave);
    const csv = (cookie: string) =>
      get(csvRoute, `/reports/${ids.org}.csv`, cookie, { reportId: ids.org });
    expect((await csv(data.ben.cookie)).status).toBe(403);
    expect((await csv(data.lee.cookie)).status).toBe(404);

    // Lee sees Ann, Ben and Cat one by one: Dan alone is left, so every figure is withheld.
    const lee = await open(data.lee.cookie, ids.org);
    expect(lee.report.summary).toMatchObject({
      privacy: { floor: 3, withheld: true },
      mustHave: null,
      changes: null,
      gaps: null,
      categories: [],
      topics: [],
      topGaps: [],
      trend: [],
      movers: [],
    });

    // At a floor of 4 the admin still sees a1 (four raters); Ben's three others are too few.
    await setFloor(4);
    try {
      const id = await generateReport({
        organizationId: data.organizationId,
        cycleId: data.cycleId,
        teamId: null,
        generatedByUserId: null,
      });
      expect((await open(data.admin.cookie, id)).report.summary.topics.map((t) => t.name)).toEqual([
        "a1",
      ]);
      expect((await open(data.ben.cookie, id)).report.summary).toMatchObject({
        privacy: { floor: 4, withheld: true },
        mustHave: null,
        topics: [],
        categories: [],
      });
    } finally {
      await setFloor(3);
    }
  });

  it("keeps reports issued before the floor was recorded from those who do not see their people", async () => {
    const id = await generateReport({
      organizationId: data.organizationId,
      cycleId: data.cycleId,
      teamId: null,
      generatedByUserId: null,
    });
    // As a report issued before the floor was recorded reads (reports are frozen: the
    // trigger that keeps them so is set aside for this one session).
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await trx
        .updateTable("reports")
        .set({ snapshot: sql`snapshot - 'privacy'` })
        .where("id", "=", id)
        .execute();
    });
    const open = (cookie: string) => get(reportRoute, `/reports/${id}`, cookie, { reportId: id });
    expect((await open(data.admin.cookie)).status).toBe(200);
    expect((await open(data.ben.cookie)).status).toBe(404);
    const listed = (await get(listRoute, "/reports", data.ben.cookie)).data as List;
    expect(listed.organisation.map((r) => r.id)).not.toContain(id);
  });

  it("downloads the report's rows in long format", async () => {
    const res = await get(csvRoute, `/reports/${ids.teamT}.csv`, data.lee.cookie, {
      reportId: ids.teamT,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toContain("gapmap-report-team-t-2026-q4.csv");
    const rows = parse(res.data as string, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
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
    ]);
    expect(rows).toHaveLength(12);
    expect(rows.find((r) => r.member === "Ben" && r.topic === "a1")).toEqual({
      cycle: "2026-Q4",
      previous_cycle: "2026-Q3",
      scope: "Team T",
      member: "Ben",
      category: "A",
      topic: "a1",
      priority: "must_have",
      target_level: "3",
      level_before: "3",
      level_after: "1",
      delta: "-2",
      change: "regressed",
      mentored: "yes",
    });
    const refused = await get(csvRoute, `/reports/${ids.otherOrg}.csv`, data.admin.cookie, {
      reportId: ids.otherOrg,
    });
    expect(refused.status).toBe(404);
  });

  it("shows a person's own page to them and their lead, and to no one else", async () => {
    const page = (cookie: string, reportId: string, memberId: string) =>
      get(summaryRoute, `/reports/${reportId}/members/${memberId}`, cookie, {
        reportId,
        memberId,
      });
    const own = await page(data.ben.cookie, ids.teamT, data.ben.membershipId);
    expect(own.status).toBe(200);
    expect((own.data as { rows: unknown[] }).rows).toHaveLength(3);
    expect((await page(data.lee.cookie, ids.org, data.ben.membershipId)).status).toBe(200);
    expect((await page(data.ann.cookie, ids.teamT, data.ben.membershipId)).status).toBe(404);
    expect((await page(data.lee.cookie, ids.org, data.dan.membershipId)).status).toBe(404);
    expect((await page(other.ben.cookie, ids.teamT, data.ben.membershipId)).status).toBe(404);
  });

  it("makes a report on demand within the caller's reach, with messages for the rest", async () => {
    const make = (cookie: string, form: Record<string, string>) =>
      call(listRoute.action, buildRequest("/reports", { cookie, form }));
    const made = await make(data.lee.cookie, { cycleId: data.cycleId, teamId: data.teamT.id });
    expect(made.status).toBe(302);
    expect(made.headers.get("Location")).toMatch(/^\/reports\/[0-9a-f-]{36}$/);
    const whole = await make(data.lee.cookie, { cycleId: data.cycleId, teamId: "" });
    expect(whole.status).toBe(403);
    const otherTeam = await make(data.lee.cookie, { cycleId: data.cycleId, teamId: data.teamU.id });
    expect(otherTeam.status).toBe(404);
    const foreignCycle = await make(data.admin.cookie, { cycleId: other.cycleId, teamId: "" });
    expect(foreignCycle.status).toBe(404);
    const bad = await make(data.admin.cookie, { cycleId: "nope", teamId: "" });
    expect(bad.status).toBe(422);
    expect(bad.data).toMatchObject({ fieldErrors: { cycleId: "Choose a cycle." } });
    expect((await make(data.ben.cookie, { cycleId: data.cycleId, teamId: "" })).status).toBe(403);
  });
});
