import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as overview from "~/routes/_app.gaps._index";
import * as coverage from "~/routes/_app.gaps.coverage";
import * as heatmapRoute from "~/routes/_app.gaps.heatmap";
import * as review from "~/routes/_app.gaps.review";
import * as topicRoute from "~/routes/_app.gaps.topics.$topicId";
import * as layout from "~/routes/_app.gaps";
import * as memberRoute from "~/routes/_app.gaps_.members.$memberId";
import * as validateRoute from "~/routes/_app.gaps_.members.$memberId_.validate";
import * as csvRoute from "~/routes/gaps[.csv]";
import * as dashboard from "~/routes/_app.dashboard";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";
import { buildGapData, showEveryFigure, type GapData } from "./gap-data";

let data: GapData;
let outsider: Awaited<ReturnType<typeof createOrgWithAdmin>>;
let engineerCookie: string;

beforeAll(async () => {
  data = await buildGapData();
  await showEveryFigure(data.organizationId);
  outsider = await createOrgWithAdmin();
  engineerCookie = data.ann.cookie;
});

const get = (route: { loader?: unknown }, path: string, cookie: string, params = {}) =>
  call(route.loader as never, buildRequest(path, { cookie }), params);

describe("who may open the gap pages", () => {
  const pages = [
    [layout, "/gaps"],
    [overview, "/gaps"],
    [heatmapRoute, "/gaps/heatmap"],
    [coverage, "/gaps/coverage"],
    [review, "/gaps/review"],
    [csvRoute, "/gaps.csv"],
  ] as const;

  it("refuses engineers and lets leads and admins in", async () => {
    for (const [route, path] of pages) {
      expect((await get(route, path, engineerCookie)).status, path).toBe(403);
      expect((await get(route, path, data.lee.cookie)).status, path).toBe(200);
      expect((await get(route, `${path}?team=all`, data.admin.cookie)).status, path).toBe(200);
    }
  });

  it("answers 404 for a team the lead does not lead or another organisation's team", async () => {
    for (const [route, path] of pages) {
      expect((await get(route, `${path}?team=${data.teamU.id}`, data.lee.cookie)).status).toBe(404);
      expect(
        (await get(route, `${path}?team=${data.teamT.id}`, outsider.admin.cookie)).status,
      ).toBe(404);
    }
  });

  it("answers 404 for topics and members outside the viewer's reach", async () => {
    const topic = await get(topicRoute, `/gaps/topics/${data.topic.a1}`, data.lee.cookie, {
      topicId: data.topic.a1,
    });
    expect(topic.status).toBe(200);
    for (const topicId of [data.topic.a1, "not-a-uuid"]) {
      const res = await get(topicRoute, `/gaps/topics/${topicId}`, outsider.admin.cookie, {
        topicId,
      });
      expect(res.status).toBe(404);
    }
    const own = await get(memberRoute, "/gaps/members/x", data.lee.cookie, {
      memberId: data.ben.membershipId,
    });
    expect(own.status).toBe(200);
    for (const [cookie, memberId] of [
      [data.lee.cookie, data.dan.membershipId],
      [outsider.admin.cookie, data.ben.membershipId],
      [data.lee.cookie, "../../admin"],
    ] as const) {
      expect((await get(memberRoute, "/gaps/members/x", cookie, { memberId })).status).toBe(404);
      expect(
        (await get(validateRoute, "/gaps/members/x/validate", cookie, { memberId })).status,
      ).toBe(404);
    }
  });
});

describe("the pages' content", () => {
  it("shows the ranked top gaps and counts on the overview", async () => {
    const res = await get(overview, "/gaps", data.lee.cookie);
    const body = res.data as Awaited<ReturnType<typeof overview.loader>>;
    expect(body.top.map((t) => t.name)).toEqual(["a1", "b1", "a2"]);
    expect(body).toMatchObject({ members: 4, atRisk: 2, pending: 1, calibration: 1 });
    expect(body.trend.map((p) => p.cycleName)).toEqual(["2026-Q3", "2026-Q4"]);
  });

  it("counts risks and reviews per team on the dashboard", async () => {
    type Dashboard = Awaited<ReturnType<typeof dashboard.loader>>;
    const lead = (await get(dashboard, "/dashboard", data.lee.cookie)).data as Dashboard;
    expect(lead.gaps.organisation).toBeNull();
    expect(lead.gaps.teams).toEqual([
      {
        team: data.teamT.id,
        name: "Team T",
        members: 4,
        topics: 3,
        rated: 7,
        busFactorRisk: 2,
        mustHave: { total: 3, met: 2 },
        // Ben's a1 was the one must-have rated in the closed 2026-Q3, and met.
        mustHaveBefore: { cycleName: "2026-Q3", total: 1, met: 1 },
        // Due 2026-11-15: the draft and the assessment never started are overdue.
        completion: { done: 2, people: 4, overdue: 2 },
        awaitingValidation: 1,
        toCalibrate: 1,
      },
    ]);
    // Admins compare every team, with the whole organisation beside them.
    const admin = (await get(dashboard, "/dashboard", data.admin.cookie)).data as Dashboard;
    expect(admin.gaps.organisation).toMatchObject({ name: "Whole organisation", members: 6 });
    expect(admin.gaps.teams.map((g) => [g.name, g.members])).toEqual([
      ["Team T", 4],
      ["Team U", 1],
    ]);
    expect(admin.gaps.trend.map((p) => p.cycleName)).toEqual(["2026-Q3", "2026-Q4"]);
    const engineer = (await get(dashboard, "/dashboard", engineerCookie)).data as Dashboard;
    expect(engineer.gaps).toEqual({ openCycle: null, organisation: null, trend: [], teams: [] });
  });

  it("says an organisation nobody has rated in has no ratings yet, rather than every topic at risk", async () => {
    type Dashboard = Awaited<ReturnType<typeof dashboard.loader>>;
    const fresh = (await get(dashboard, "/dashboard", outsider.admin.cookie)).data as Dashboard;
    expect(fresh.gaps.organisation).toMatchObject({ name: "Whole organisation", rated: 0 });
    const lead = (await get(dashboard, "/dashboard", data.lee.cookie)).data as Dashboard;
    expect(lead.gaps.teams[0]!.rated).toBeGreaterThan(0);
  });

  it("keeps only bus-factor risks when asked", async () => {
    const res = await get(coverage, "/gaps/coverage?risk=1", data.lee.cookie);
    const body = res.data as Awaited<ReturnType<typeof coverage.loader>>;
    expect(body.topics.map((t) => t.name)).toEqual(["a2", "b1"]);
    expect(body.capabilityMissed).toBe(1);
  });

  it("exports the filtered matrix as CSV, formulas defused", async () => {
    await db
      .updateTable("users")
      .set({ display_name: "=HYPERLINK(1)" })
      .where("id", "=", data.cat.id)
      .execute();
    const res = await get(csvRoute, `/gaps.csv?category=${data.categoryOf.a1}`, data.lee.cookie);
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    expect(res.headers.get("Content-Disposition")).toMatch(/attachment; filename="gaps-team-t-/);
    const rows = parse(res.data as string) as string[][];
    expect(rows).toEqual([
      [
        "Member",
        "Title",
        "Target profile",
        "Compared against",
        "A / a1",
        "A / a2",
        "Topics below target",
        "Weighted shortfall",
      ],
      ["'=HYPERLINK(1)", "", "Senior", "Senior", "4", "1", "1", "2"],
      ["Ann", "", "Senior", "Senior", "3", "2", "0", "0"],
      ["Ben", "", "Senior", "Senior", "1", "N/A", "1", "6"],
      ["Lee Lead", "", "", "", "", "", "0", "0"],
    ]);
  });
});

describe("validating through the page", () => {
  it("saves lead levels, then validates and returns to the review tab", async () => {
    const form = {
      [`lead.${data.topic.a1}`]: "1",
      [`lead.${data.topic.a2}`]: "na",
      [`lead.${data.topic.b1}`]: "3",
      [`comment.${data.topic.b1}`]: "Shipped b1 alone.",
    };
    const params = { memberId: data.ben.membershipId };
    const path = `/gaps/members/${data.ben.membershipId}/validate?team=${data.teamT.id}`;

    const engineer = await call(
      validateRoute.action,
      buildRequest(path, { cookie: engineerCookie, form: { ...form, intent: "validate" } }),
      params,
    );
    expect(engineer.status).toBe(403);

    const bad = await call(
      validateRoute.action,
      buildRequest(path, {
        cookie: data.lee.cookie,
        form: { ...form, [`lead.${data.topic.a1}`]: "9", intent: "validate" },
      }),
      params,
    );
    expect(bad.status).toBe(422);
    expect(bad.data).toMatchObject({
      fieldErrors: { [`lead.${data.topic.a1}`]: "Choose a level from 0 to 4, or N/A." },
    });

    const saved = await call(
      validateRoute.action,
      buildRequest(path, { cookie: data.lee.cookie, form: { ...form, intent: "save" } }),
      params,
    );
    expect(saved.data).toEqual({ ok: true, message: "Saved: 3 topics changed." });

    const validated = await call(
      validateRoute.action,
      buildRequest(path, { cookie: data.lee.cookie, form: { ...form, intent: "validate" } }),
      params,
    );
    expect(validated.status).toBe(302);
    expect(validated.headers.get("Location")).toBe(`/gaps/review?team=${data.teamT.id}`);

    const page = await get(validateRoute, path, data.lee.cookie, params);
    const view = (page.data as Awaited<ReturnType<typeof validateRoute.loader>>).view;
    expect(view.assessment?.status).toBe("validated");
    expect(view.assessment?.validator).toBe("Lee Lead");
  });

  it("lets another organisation's admin change nothing", async () => {
    const res = await call(
      validateRoute.action,
      buildRequest("/gaps/members/x/validate", {
        cookie: outsider.admin.cookie,
        form: { intent: "undo" },
      }),
      { memberId: data.ben.membershipId },
    );
    expect(res.status).toBe(404);
  });

  it("tells a lead who leads no team why the gap view is closed to them", async () => {
    const lead = await addMember(data.organizationId, "lead", "Spare Lead");
    const res = await get(overview, "/gaps", lead.cookie);
    expect(res.status).toBe(403);
    expect(res.data).toContain("You do not lead a team yet");
  });
});
