import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { generateReport } from "~/modules/reports/generate-report.server";
import { api, apiToken } from "../support/api-client";
import { createTeamRow } from "../support/factories";
import { addSeniorRater, buildGapData, type GapData } from "../gaps/gap-data";

// The team: its lead Lee (who rates nothing), Ann and Ben (gap-data.ts), reported for
// 2026-Q4 through the API, as anyone with a token reads it.

let data: GapData;
let pair: { id: string };
let secret: string;

async function newReport() {
  const id = await generateReport({
    organizationId: data.organizationId,
    cycleId: data.cycleId,
    teamId: pair.id,
    generatedByUserId: data.admin.id,
  });
  const response = await api(secret, "GET", `/reports/${id}`);
  expect(response.status).toBe(200);
  return { id, summary: response.body.summary };
}

const setFloor = (floor: number) =>
  db
    .updateTable("organizations")
    .set({ privacy_floor: floor })
    .where("id", "=", data.organizationId)
    .execute();

beforeAll(async () => {
  data = await buildGapData();
  pair = await createTeamRow(data.organizationId, "Pair");
  await db
    .insertInto("team_members")
    .values(
      [data.lee, data.ann, data.ben].map((m, i) => ({
        organization_id: data.organizationId,
        team_id: pair.id,
        membership_id: m.membershipId,
        is_lead: i === 0,
      })),
    )
    .execute();
  ({ secret } = await apiToken(data.organizationId, data.admin.id));
});

describe("a new report under the privacy floor", () => {
  it("withholds every aggregate of two raters and a lead, shows them with a third, and withholds them again at 5", async () => {
    const first = await newReport();
    expect(first.summary.scope.members).toBe(3);
    expect(first.summary.privacy).toEqual({
      floor: 3,
      raters: 2,
      withheld: true,
      withheldCategories: [],
    });
    expect(first.summary).toMatchObject({
      mustHave: null,
      categories: [],
      trend: [],
      topGaps: [],
      changes: null,
      gaps: null,
    });
    expect(first.summary.topics).toEqual([]);

    await addSeniorRater(data, pair.id, "Eve", ["a1", "a2", "b1"], 2);

    const second = await newReport();
    expect(second.summary.privacy).toMatchObject({ raters: 3, withheld: false });
    // A: Ann 3, 2 · Ben 1 · Eve 2, 2 (a2 is Ann and Eve only, but the category has three).
    const a = second.summary.categories.find((c: { name: string }) => c.name === "A");
    expect(a).toMatchObject({ averageAfter: 2, averageBefore: null, mustHaveTotalBefore: null });
    expect(second.summary.topics.map((t: { name: string }) => t.name)).toEqual(["a1", "b1"]);
    expect(second.summary.mustHave).toMatchObject({ totalNow: 3, totalBefore: null });
    // Level changes are counted over b1 alone: a2 has two raters now, and a1 had one in
    // 2026-Q3 (Ben), whose move a count over a1 would tell. On b1 Ann, Ben and Eve are new.
    expect(second.summary.changes).toEqual({
      improved: 0,
      regressed: 0,
      unchanged: 0,
      stale: 0,
      new: 3,
      not_rated: 1,
    });
    // So are gaps and mentoring: over all topics Ben's drop and Eve's level on a1 would open
    // two more gaps, and Ben's mentored a1 would count.
    expect(second.summary.gaps).toEqual({ closed: 0, opened: 2, open: 2 });
    expect(second.summary.mentoring).toMatchObject({ menteesImproved: 0, mentoredTopics: 0 });

    await setFloor(5);
    try {
      const third = await newReport();
      expect(third.summary).toMatchObject({
        privacy: { floor: 5, withheld: true },
        mustHave: null,
        categories: [],
      });
    } finally {
      await setFloor(3);
    }
    // Issued reports stay as they were.
    const again = await api(secret, "GET", `/reports/${second.id}`);
    expect(again.body.summary).toEqual(second.summary);
  });
});
