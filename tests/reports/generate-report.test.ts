import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { generateReport, type ReportSummary } from "~/modules/reports/generate-report.server";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";

// The hand-built organisation of the gap tests (see gap-data.ts), reported for 2026-Q4
// against 2026-Q3. Every figure below is worked out by hand from that data set.

let data: GapData;
beforeAll(async () => {
  data = await buildGapData();
  await showEveryFigure(data.organizationId);
});

async function reportOf(teamId: string | null) {
  const id = await generateReport({
    organizationId: data.organizationId,
    cycleId: data.cycleId,
    teamId,
    generatedByUserId: data.admin.id,
  });
  const report = await db
    .selectFrom("reports")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom("report_rows")
    .selectAll()
    .where("report_id", "=", id)
    .orderBy("member_name")
    .orderBy("topic_position")
    .execute();
  return { id, report, summary: report.snapshot as ReportSummary, rows };
}

describe("generating a quarterly report", () => {
  it("computes the team's level changes, gaps, targets, coverage and mentoring exactly", async () => {
    const { report, summary, rows } = await reportOf(data.teamT.id);
    expect(report.framework_version_id).toBe(data.versionId);
    expect(summary.scope).toEqual({
      teamName: "Team T",
      cycleName: "2026-Q4",
      previousCycleName: "2026-Q3",
      members: 4,
      topics: 3,
    });
    const cell = (name: string, topic: string) =>
      rows.find((r) => r.member_name === name && r.topic_name === topic)!;
    expect(rows).toHaveLength(12);
    expect(cell("Ben", "a1")).toMatchObject({
      level_before: 3,
      level_after: 1,
      change: "regressed",
      target_level: 3,
      priority: "must_have",
      mentored: true,
    });
    expect(cell("Ann", "a1")).toMatchObject({ level_before: null, level_after: 3, change: "new" });
    expect(cell("Cat", "a1")).toMatchObject({ level_after: 4, change: "stale" });
    expect(cell("Cat", "b1")).toMatchObject({ level_after: null, change: "not_rated" });
    expect(cell("Lee Lead", "a2")).toMatchObject({ target_level: null, change: "not_rated" });

    expect(summary.changes).toEqual({
      improved: 0,
      regressed: 1,
      unchanged: 1,
      stale: 1,
      new: 5,
      not_rated: 4,
    });
    // Short now: Ben a1 (2), Ben b1 (3), Cat a2 (1); before, only Cat a2 (carried from Q3, at
    // her lead's validated 1; Ben a1 was at 3).
    expect(summary.gaps).toEqual({ closed: 0, opened: 2, open: 3 });
    // Must-have a1: now Ann 3 ✓, Ben 1 ✗, Cat 4 ✓; in Q3 only Ben was rated, at 3 ✓.
    expect(summary.mustHave).toEqual({ metNow: 2, totalNow: 3, metBefore: 1, totalBefore: 1 });
    expect(summary.categories).toEqual([
      {
        categoryId: data.categoryOf.a1,
        name: "A",
        averageBefore: 2,
        averageAfter: 2.2,
        mustHaveMetBefore: 1,
        mustHaveTotalBefore: 1,
        mustHaveMetAfter: 2,
        mustHaveTotalAfter: 3,
      },
      {
        categoryId: data.categoryOf.b1,
        name: "B",
        averageBefore: null,
        averageAfter: 2.5,
        mustHaveMetBefore: 0,
        mustHaveTotalBefore: 0,
        mustHaveMetAfter: 0,
        mustHaveTotalAfter: 0,
      },
    ]);
    expect(summary.topics.map((t) => [t.name, t.proficientBefore, t.proficientAfter])).toEqual([
      ["a1", 1, 2],
      ["a2", 0, 0],
      ["b1", 0, 1],
    ]);
    expect(summary.coverage).toEqual({ busFactorRiskBefore: 3, busFactorRiskAfter: 2 });
    expect(summary.mentoring).toEqual({
      active: 1,
      completed: 0,
      checkIns: 0,
      menteesImproved: 0,
      mentoredTopics: 1,
    });
    expect(summary.movers).toEqual([
      { memberId: data.ben.membershipId, name: "Ben", improved: 0, regressed: 2, net: -2 },
    ]);
    // Score = Σ weight × levels short: a1 3×2, b1 1×3, a2 2×1.
    expect(summary.topGaps.map((g) => [g.name, g.score, g.peopleShort, g.mentored])).toEqual([
      ["a1", 6, 1, 1],
      ["b1", 3, 1, 0],
      ["a2", 2, 1, 0],
    ]);
    expect(summary.trend.map((p) => [p.cycleName, p.met, p.total])).toEqual([
      ["2026-Q3", 1, 1],
      ["2026-Q4", 2, 3],
    ]);
  });

  it("covers the whole organisation when no team is given", async () => {
    const { report, summary } = await reportOf(null);
    expect(report.team_id).toBeNull();
    expect(summary.scope.members).toBe(6); // the admin, Lee, Ann, Ben, Cat and Dan
    expect(summary.gaps?.open).toBe(4); // and Dan, at 0 on a1
  });

  it("is frozen: later ratings and renames leave it as issued, and it cannot be edited", async () => {
    const { id, summary, rows } = await reportOf(data.teamT.id);
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: data.ben.membershipId,
        topic_id: data.topic.a1,
        source: "lead",
        level: 4,
      })
      .execute();
    await db
      .updateTable("topic_revisions")
      .set({ name: "a1 renamed" })
      .where("topic_id", "=", data.topic.a1)
      .execute();
    const again = await db
      .selectFrom("reports")
      .select("snapshot")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(again.snapshot).toEqual(summary);
    const rowsAgain = await db
      .selectFrom("report_rows")
      .selectAll()
      .where("report_id", "=", id)
      .orderBy("member_name")
      .orderBy("topic_position")
      .execute();
    expect(rowsAgain).toEqual(rows);
    await expect(
      sql`UPDATE report_rows SET level_after = 0 WHERE report_id = ${id}`.execute(db),
    ).rejects.toThrow(/frozen/);
    await expect(
      sql`UPDATE reports SET snapshot = '{}' WHERE id = ${id}`.execute(db),
    ).rejects.toThrow(/frozen/);
  });

  it("answers not found for another organisation's cycle or team", async () => {
    const other = await buildGapData();
    await expect(
      generateReport({
        organizationId: data.organizationId,
        cycleId: other.cycleId,
        teamId: null,
        generatedByUserId: null,
      }),
    ).rejects.toMatchObject({ kind: "not_found" });
    await expect(
      generateReport({
        organizationId: data.organizationId,
        cycleId: data.cycleId,
        teamId: other.teamT.id,
        generatedByUserId: null,
      }),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});
