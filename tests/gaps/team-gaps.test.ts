import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { closeCycle } from "~/modules/assessments/cycles.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import {
  gapSummary,
  heatmap,
  mustHaveTrend,
  topGaps,
  topicDetail,
} from "~/modules/gaps/team-gaps.server";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest } from "../support/remix";
import { buildGapData, showEveryFigure, type GapData } from "./gap-data";

let data: GapData;

async function scopeFor(cookie: string, query = "") {
  const ctx = await requireMember(buildRequest(`/gaps${query}`, { cookie }));
  return resolveGapScope(ctx, new URLSearchParams(query));
}

beforeAll(async () => {
  data = await buildGapData();
  await showEveryFigure(data.organizationId);
});

describe("gap summary on the hand-built team", () => {
  it("computes coverage, bus factor, scores and capability targets per topic", async () => {
    const { scope } = await scopeFor(data.lee.cookie);
    expect(scope.teamId).toBe(data.teamT.id);
    const summary = await gapSummary(scope);
    expect(summary.members).toBe(4);
    const byName = Object.fromEntries(summary.topics.map((t) => [t.name, t]));
    expect(byName.a1).toMatchObject({
      rated: 3,
      notApplicable: 0,
      unrated: 1,
      withTarget: 3,
      met: 2,
      proficient: 2,
      affected: 1,
      mentored: 1,
      score: 6,
      averageLevel: 2.67,
      busFactorRisk: false,
      capability: { minPeople: 2, minLevel: 3, atLevel: 2, met: true },
    });
    expect(byName.a2).toMatchObject({
      rated: 2,
      notApplicable: 1,
      unrated: 1,
      withTarget: 2,
      met: 1,
      proficient: 0,
      affected: 1,
      mentored: 0,
      score: 2,
      averageLevel: 1.5,
      busFactorRisk: true,
      capability: null,
    });
    expect(byName.b1).toMatchObject({
      rated: 2,
      unrated: 2,
      withTarget: 2,
      met: 1,
      proficient: 1,
      affected: 1,
      score: 3,
      busFactorRisk: true,
      capability: { minPeople: 2, minLevel: 4, atLevel: 1, met: false },
    });
    expect(topGaps(summary).map((t) => [t.name, t.score])).toEqual([
      ["a1", 6],
      ["b1", 3],
      ["a2", 2],
    ]);
  });

  it("computes the level mix, average gap and must-have share per category", async () => {
    const { scope } = await scopeFor(data.lee.cookie);
    const summary = await gapSummary(scope);
    expect(summary.categories).toEqual([
      {
        categoryId: data.categoryOf.a1,
        withheld: false,
        name: "A",
        averageGap: 0.6,
        averageLevel: 2.2,
        averageTarget: 2.6,
        levels: [0, 2, 1, 1, 1],
        notApplicable: 1,
        unrated: 2,
        mustHaveTotal: 3,
        mustHaveMet: 2,
      },
      {
        categoryId: data.categoryOf.b1,
        withheld: false,
        name: "B",
        averageGap: 1.5,
        averageLevel: 2.5,
        averageTarget: 4,
        levels: [0, 1, 0, 0, 1],
        notApplicable: 0,
        unrated: 2,
        mustHaveTotal: 0,
        mustHaveMet: 0,
      },
    ]);
    expect(summary.mustHave).toEqual({ total: 3, met: 2 });
    expect(summary.chartsHidden).toBe(false);
  });

  it("covers the whole organisation for an admin, where Dan's gap on a1 adds 3 × 3", async () => {
    const { scope, options } = await scopeFor(data.admin.cookie);
    expect(scope.teamId).toBeNull();
    expect(options.teams.map((t) => t.name)).toEqual(["Team T", "Team U"]);
    const summary = await gapSummary(scope);
    expect(summary.members).toBe(6);
    const a1 = summary.topics.find((t) => t.name === "a1")!;
    expect(a1).toMatchObject({ affected: 2, score: 15, capability: null });
  });

  it("filters by category, priority and profile", async () => {
    const byCategory = await gapSummary(
      (await scopeFor(data.lee.cookie, `?category=${data.categoryOf.b1}`)).scope,
    );
    expect(byCategory.topics.map((t) => t.name)).toEqual(["b1"]);

    const mustHave = await gapSummary(
      (await scopeFor(data.lee.cookie, "?priority=must_have")).scope,
    );
    expect(mustHave.topics.map((t) => t.name)).toEqual(["a1"]);

    const senior = await gapSummary(
      (await scopeFor(data.lee.cookie, `?profile=${data.senior}`)).scope,
    );
    expect(senior.members).toBe(3);
    expect(senior.topics.find((t) => t.name === "a1")!.unrated).toBe(0);
  });

  it("hides aggregate charts below the organisation's privacy floor", async () => {
    await db
      .updateTable("organizations")
      .set({ privacy_floor: 5 })
      .where("id", "=", data.organizationId)
      .execute();
    try {
      const { scope } = await scopeFor(data.lee.cookie);
      expect((await gapSummary(scope)).chartsHidden).toBe(true);
    } finally {
      await db
        .updateTable("organizations")
        .set({ privacy_floor: 1 })
        .where("id", "=", data.organizationId)
        .execute();
    }
  });
});

describe("must-have targets met over cycles", () => {
  it("takes closed cycles from what was recorded at close and the open one from today", async () => {
    const { scope } = await scopeFor(data.lee.cookie);
    const summary = await gapSummary(scope);
    const trend = await mustHaveTrend(scope, summary.mustHave!);
    expect(trend.map((p) => [p.cycleName, p.total, p.met])).toEqual([
      ["2026-Q3", 1, 1],
      ["2026-Q4", 3, 2],
    ]);
  });
});

describe("closing a cycle", () => {
  it("records its must-have figures, so the trend keeps them after ratings move on", async () => {
    const fresh = await buildGapData();
    const admin = await requireMember(
      buildRequest("/admin/cycles", { cookie: fresh.admin.cookie }),
    );
    await closeCycle(admin, fresh.cycleId);
    // A later lead rating must not rewrite the closed quarter.
    await db
      .insertInto("ratings")
      .values({
        organization_id: fresh.organizationId,
        cycle_id: fresh.cycleId,
        member_id: fresh.ben.membershipId,
        topic_id: fresh.topic.a1,
        source: "lead",
        level: 4,
      })
      .execute();
    const { scope } = await scopeFor(fresh.lee.cookie);
    const trend = await mustHaveTrend(scope, { total: 99, met: 99 });
    expect(trend.map((p) => [p.cycleName, p.total, p.met])).toEqual([
      ["2026-Q3", 1, 1],
      ["2026-Q4", 3, 2],
    ]);
  });
});

describe("heatmap and topic page", () => {
  it("shows each member's level, whose it is, staleness and target", async () => {
    const { scope } = await scopeFor(data.lee.cookie);
    const map = await heatmap(scope);
    expect(map.topics.map((t) => t.name)).toEqual(["a1", "a2", "b1"]);
    expect(map.categories.map((c) => [c.name, c.span])).toEqual([
      ["A", 2],
      ["B", 1],
    ]);
    expect(map.members.map((m) => m.displayName)).toEqual(["Ann", "Ben", "Cat", "Lee Lead"]);
    const [ann, ben, cat, lee] = map.members;
    expect(ann!.cells[0]).toMatchObject({ level: 3, source: "lead", target: 3, stale: false });
    expect(ben!.cells[0]).toMatchObject({ level: 1, source: "self", mentored: true });
    expect(ben!.cells[1]).toMatchObject({ level: null, source: "self" });
    expect(cat!.cells[0]).toMatchObject({ level: 4, source: "self", stale: true });
    expect(cat!.cells[2]).toBeNull();
    expect(lee!.cells).toEqual([null, null, null]);
  });

  it("shows the member's own level again once they re-rate after the lead's validation", async () => {
    const fresh = await buildGapData();
    await db
      .insertInto("ratings")
      .values({
        organization_id: fresh.organizationId,
        cycle_id: fresh.cycleId,
        member_id: fresh.ann.membershipId,
        topic_id: fresh.topic.a1,
        source: "self",
        level: 2,
      })
      .execute();
    const { scope } = await scopeFor(fresh.lee.cookie);
    const map = await heatmap(scope);
    expect(map.members[0]!.cells[0]).toMatchObject({ level: 2, source: "self" });
    const a1 = (await gapSummary(scope)).topics.find((t) => t.name === "a1")!;
    expect(a1).toMatchObject({ met: 1, affected: 2, score: 9 });
  });

  it("orders people furthest below target first, and pages", async () => {
    const { scope } = await scopeFor(data.lee.cookie);
    const byGap = await heatmap(scope, { order: "gap" });
    expect(byGap.members.map((m) => m.displayName)).toEqual(["Ben", "Cat", "Ann", "Lee Lead"]);
    const second = await heatmap(scope, { page: 2, pageSize: 3 });
    expect(second).toMatchObject({ page: 2, pages: 2, totalMembers: 4 });
    expect(second.members.map((m) => m.displayName)).toEqual(["Lee Lead"]);
  });

  it("lists future mentors and the people short of target on a topic", async () => {
    const { scope } = await scopeFor(data.lee.cookie);
    const detail = await topicDetail(scope, data.topic.a1);
    expect(detail!.distribution).toEqual([0, 1, 0, 1, 1]);
    expect(detail!.unrated).toBe(1);
    expect(detail!.strong.map((p) => p.displayName)).toEqual(["Cat", "Ann"]);
    expect(detail!.short).toMatchObject([{ displayName: "Ben", gap: 2, mentored: true }]);
    const ann = detail!.strong.find((p) => p.displayName === "Ann")!;
    expect(ann).toMatchObject({ self: 1, lead: 3, level: 3, source: "lead" });
  });
});

describe("who may see which gaps", () => {
  it("offers a lead only the teams they lead, and 404s any other team", async () => {
    const { options } = await scopeFor(data.lee.cookie);
    expect(options.teams.map((t) => t.name)).toEqual(["Team T"]);
    expect(options.canViewOrganization).toBe(false);
    for (const query of [`?team=${data.teamU.id}`, "?team=all"]) {
      await expect(scopeFor(data.lee.cookie, query)).rejects.toMatchObject({ kind: "not_found" });
    }
    const other = await createOrgWithAdmin();
    await expect(scopeFor(other.admin.cookie, `?team=${data.teamT.id}`)).rejects.toMatchObject({
      kind: "not_found",
    });
  });

  it("tells a lead without a team what to do", async () => {
    const lonely = await addMember(data.organizationId, "lead", "Lone Lead");
    await expect(scopeFor(lonely.cookie)).rejects.toMatchObject({ kind: "forbidden" });
  });

  it("drops malformed filters instead of failing", async () => {
    const { filters } = await scopeFor(
      data.lee.cookie,
      "?category=nope&priority=urgent&profile=%27%3B--&compare=nope",
    );
    expect(filters).toEqual({
      team: data.teamT.id,
      category: null,
      priority: null,
      profile: null,
      compare: null,
    });
  });
});
