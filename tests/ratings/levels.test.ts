import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary, heatmap } from "~/modules/gaps/team-gaps.server";
import { saveLeadRatings, undoValidation } from "~/modules/ratings/lead-ratings.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";
import { buildRequest } from "../support/remix";

// "A person's level" (migration 0006): the lead's where the lead has validated the member's
// latest rating of the topic, else the member's own; a lead level saved but not validated
// counts nowhere — not today, not as of a cycle.

let data: GapData;

beforeEach(async () => {
  data = await buildGapData();
  // The figures below are worked out by hand on topics two people rated (ADR 015's floor
  // would withhold them): this file is about whose level counts, not about the floor.
  await showEveryFigure(data.organizationId);
});

const lee = () => requireMember(buildRequest("/gaps", { cookie: data.lee.cookie }));

async function levelToday(memberId: string, topicId: string) {
  return db
    .selectFrom("member_levels")
    .select(["level", "source"])
    .where("member_id", "=", memberId)
    .where("topic_id", "=", topicId)
    .executeTakeFirst();
}

async function levelAsOf(cycleId: string, memberId: string, topicId: string) {
  const { rows } = await sql<{ level: number | null; source: string }>`
    SELECT level, source FROM member_levels_as_of(${cycleId})
    WHERE member_id = ${memberId} AND topic_id = ${topicId}`.execute(db);
  return rows[0];
}

async function benB1Figures() {
  const ctx = await lee();
  const { scope } = await resolveGapScope(ctx, new URLSearchParams());
  const summary = await gapSummary(scope);
  const map = await heatmap(scope);
  const column = map.topics.findIndex((t) => t.id === data.topic.b1);
  const ben = map.members.find((m) => m.id === data.ben.membershipId)!;
  return {
    score: summary.topics.find((t) => t.topicId === data.topic.b1)!.score,
    cell: { level: ben.cells[column]!.level, source: ben.cells[column]!.source },
  };
}

/** Every figure a lead, a report or an API client sees for team T. */
async function everyFigure() {
  const ctx = await lee();
  const { scope } = await resolveGapScope(ctx, new URLSearchParams({ team: data.teamT.id }));
  const { secret } = await apiToken(data.organizationId, data.admin.id);
  const reportId = await generateReport({
    organizationId: data.organizationId,
    cycleId: data.cycleId,
    teamId: data.teamT.id,
    generatedByUserId: null,
  });
  const rows = await db
    .selectFrom("report_rows")
    .select(["member_name", "topic_name", "level_before", "level_after", "change"])
    .where("report_id", "=", reportId)
    .orderBy("member_name")
    .orderBy("topic_position")
    .orderBy("topic_name") // topics of two categories share a position
    .execute();
  return {
    summary: await gapSummary(scope),
    heatmap: await heatmap(scope),
    apiGaps: (await api(secret, "GET", `/gaps?team=${data.teamT.id}`)).body,
    apiHeatmap: (await api(secret, "GET", `/gaps/heatmap?team=${data.teamT.id}`)).body,
    reportRows: rows,
  };
}

describe("one rule for levels in every figure", () => {
  it("a saved-but-unvalidated lead level changes nothing; validating changes exactly its figures", async () => {
    const ctx = await lee();
    const before = await everyFigure();
    const b1 = (figures: Awaited<ReturnType<typeof everyFigure>>) => {
      const topic = figures.summary.topics.find((t) => t.topicId === data.topic.b1)!;
      const column = figures.heatmap.topics.findIndex((t) => t.id === data.topic.b1);
      const ben = figures.heatmap.members.find((m) => m.id === data.ben.membershipId)!;
      const apiTopic = figures.apiGaps.topics.find(
        (t: { topicId: string }) => t.topicId === data.topic.b1,
      );
      const apiBen = figures.apiHeatmap.members.find(
        (m: { id: string }) => m.id === data.ben.membershipId,
      );
      return {
        score: topic.score,
        met: `${topic.met}/${topic.withTarget}`,
        proficient: topic.proficient,
        busFactorRisk: topic.busFactorRisk,
        cell: `${ben.cells[column]!.level} ${ben.cells[column]!.source}`,
        api: `${apiTopic.score} ${apiTopic.met} ${apiTopic.busFactorRisk} ${apiBen.cells[column].level}`,
        report: figures.reportRows.find((r) => r.member_name === "Ben" && r.topic_name === "b1")!
          .level_after,
      };
    };
    // Ben's own 1 on b1 (target 4, advanced): 3 short; only Ann (4) is proficient.
    expect(b1(before)).toEqual({
      score: 3,
      met: "1/2",
      proficient: 1,
      busFactorRisk: true,
      cell: "1 self",
      api: "3 1 true 1",
      report: 1,
    });

    // The lead saves 4 for b1 without validating: no figure anywhere moves.
    await saveLeadRatings(
      ctx,
      data.ben.membershipId,
      [{ topicId: data.topic.b1, level: 4, note: null, evidence: [] }],
      { markValidated: false },
    );
    expect(await everyFigure()).toEqual(before);

    // Validating (b1 judged, a1 and a2 left to Ben's own levels) changes b1's figures only.
    await saveLeadRatings(ctx, data.ben.membershipId, [], { markValidated: true });
    const after = await everyFigure();
    expect(b1(after)).toEqual({
      score: 0,
      met: "2/2",
      proficient: 2,
      busFactorRisk: false,
      cell: "4 lead",
      api: "0 2 false 4",
      report: 4,
    });
    const withoutB1 = (figures: Awaited<ReturnType<typeof everyFigure>>) => ({
      topics: figures.summary.topics.filter((t) => t.topicId !== data.topic.b1),
      categoryA: figures.summary.categories.find((c) => c.categoryId === data.categoryOf.a1),
      heatmapA: figures.heatmap.members.map((m) => [m.id, m.cells.slice(0, 2)]),
      report: figures.reportRows.filter((r) => r.topic_name !== "b1"),
    });
    expect(withoutB1(after)).toEqual(withoutB1(before));
  });
});

describe("a person's level", () => {
  it("ignores a lead level saved without validating, takes it on validation, drops it on undo", async () => {
    const ctx = await lee();
    // Ben rated b1 at 1 (target 4, advanced: weight 1 × 3 short).
    const before = await benB1Figures();
    expect(before).toEqual({ score: 3, cell: { level: 1, source: "self" } });

    const b1 = {
      topicId: data.topic.b1,
      level: 3 as const,
      note: null,
      evidence: [],
      baseRatingId: null,
    };
    await saveLeadRatings(ctx, data.ben.membershipId, [b1], { markValidated: false });
    expect(await benB1Figures()).toEqual(before);
    expect(await levelToday(data.ben.membershipId, data.topic.b1)).toEqual({
      level: 1,
      source: "self",
    });
    expect(await levelAsOf(data.cycleId, data.ben.membershipId, data.topic.b1)).toEqual({
      level: 1,
      source: "self",
    });

    const rest = [data.topic.a1, data.topic.a2].map((topicId) => ({
      ...b1,
      topicId,
      level: 1 as const,
    }));
    await saveLeadRatings(ctx, data.ben.membershipId, rest, { markValidated: true });
    expect(await benB1Figures()).toEqual({ score: 1, cell: { level: 3, source: "lead" } });
    expect(await levelAsOf(data.cycleId, data.ben.membershipId, data.topic.b1)).toEqual({
      level: 3,
      source: "lead",
    });

    await undoValidation(ctx, data.ben.membershipId);
    expect(await benB1Figures()).toEqual(before);
    expect(await levelAsOf(data.cycleId, data.ben.membershipId, data.topic.b1)).toEqual({
      level: 1,
      source: "self",
    });
  });

  it("keeps an earlier validated lead level when a newer lead level is not validated", async () => {
    // Cat's a2: her own 0 and her lead's 1, validated in 2026-Q3, carried into 2026-Q4.
    expect(await levelToday(data.cat.membershipId, data.topic.a2)).toEqual({
      level: 1,
      source: "lead",
    });
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: data.cat.membershipId,
        topic_id: data.topic.a2,
        source: "lead",
        level: 4,
      })
      .execute();
    expect(await levelToday(data.cat.membershipId, data.topic.a2)).toEqual({
      level: 1,
      source: "lead",
    });
    expect(await levelAsOf(data.cycleId, data.cat.membershipId, data.topic.a2)).toEqual({
      level: 1,
      source: "lead",
    });
  });

  it("is the member's own once they re-rate after the lead validated", async () => {
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: data.cat.membershipId,
        topic_id: data.topic.a2,
        source: "self",
        level: 2,
      })
      .execute();
    expect(await levelToday(data.cat.membershipId, data.topic.a2)).toEqual({
      level: 2,
      source: "self",
    });
    expect(await levelAsOf(data.cycleId, data.cat.membershipId, data.topic.a2)).toEqual({
      level: 2,
      source: "self",
    });
  });

  it("leaves a pair with only an unvalidated lead level unrated", async () => {
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: data.dan.membershipId,
        topic_id: data.topic.b1,
        source: "lead",
        level: 2,
      })
      .execute();
    expect(await levelToday(data.dan.membershipId, data.topic.b1)).toBeUndefined();
    expect(await levelAsOf(data.cycleId, data.dan.membershipId, data.topic.b1)).toBeUndefined();
  });
});

describe("a person's level as of a cycle", () => {
  it("leaves out cycles that started later and takes the newest by the cycle's start, whatever the order written", async () => {
    const quarter = (name: string, startsOn: string) =>
      db
        .insertInto("cycles")
        .values({
          organization_id: data.organizationId,
          framework_version_id: data.versionId,
          name,
          status: "closed",
          starts_on: startsOn,
          due_on: startsOn,
          ends_on: startsOn,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const rate = (cycleId: string, level: number) =>
      db
        .insertInto("ratings")
        .values({
          organization_id: data.organizationId,
          cycle_id: cycleId,
          member_id: data.ben.membershipId,
          topic_id: data.topic.a1,
          source: "self",
          level,
        })
        .execute();
    const { id: q3 } = await db
      .selectFrom("cycles")
      .select("id")
      .where("organization_id", "=", data.organizationId)
      .where("name", "=", "2026-Q3")
      .executeTakeFirstOrThrow();
    const ben = (cycleId: string) => levelAsOf(cycleId, data.ben.membershipId, data.topic.a1);

    // Ben's a1: 3 in the closed 2026-Q3, 1 in the open 2026-Q4.
    expect(await ben(q3)).toEqual({ level: 3, source: "self" });
    expect(await ben(data.cycleId)).toEqual({ level: 1, source: "self" });
    // A quarter entered late, starting before 2026-Q3, rated after both: its rating is the
    // newest written and the oldest by its cycle's start.
    const { id: q2 } = await quarter("2026-Q2", "2026-04-01");
    await rate(q2, 4);
    expect(await ben(q2)).toEqual({ level: 4, source: "self" });
    expect(await ben(q3)).toEqual({ level: 3, source: "self" });
    expect(await ben(data.cycleId)).toEqual({ level: 1, source: "self" });
    // Nothing was rated before 2026-Q2; Cat's a2 was first rated in 2026-Q3.
    const { id: q1 } = await quarter("2026-Q1", "2026-01-01");
    expect(await ben(q1)).toBeUndefined();
    expect(await levelAsOf(q2, data.cat.membershipId, data.topic.a2)).toBeUndefined();
    expect(await levelAsOf(q3, data.cat.membershipId, data.topic.a2)).toEqual({
      level: 1,
      source: "lead",
    });
  });
});
