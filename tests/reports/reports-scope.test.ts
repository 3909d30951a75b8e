import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { generateDueReports } from "~/modules/reports/due-reports.server";
import { buildGapData } from "../gaps/gap-data";
import { createTeamRow } from "../support/factories";

// A closed cycle is reported for the teams that took part in it, not for every team the
// organisation has today.

describe("the report scan's teams", () => {
  it("skips a team none of whose members was in the cycle, and one made after it closed", async () => {
    const data = await buildGapData();
    // 2026-Q3 closed yesterday; only Ben (Team T) was rated in it; Team U's Dan was not.
    const earlier = await db
      .updateTable("cycles")
      .set({ closed_at: new Date(Date.now() - 86_400_000) })
      .where("organization_id", "=", data.organizationId)
      .where("name", "=", "2026-Q3")
      .returning("id")
      .executeTakeFirstOrThrow();
    // Teams T and U have been there for a month.
    await db
      .updateTable("teams")
      .set({ created_at: new Date(Date.now() - 30 * 86_400_000) })
      .where("id", "in", [data.teamT.id, data.teamU.id])
      .execute();
    // A team formed today around Ben, after 2026-Q3 closed.
    const later = await createTeamRow(data.organizationId, "Team Later");
    await db
      .insertInto("team_members")
      .values({
        organization_id: data.organizationId,
        team_id: later.id,
        membership_id: data.ben.membershipId,
      })
      .execute();

    await generateDueReports(new Date(), { organizationId: data.organizationId });
    const reported = await db
      .selectFrom("reports")
      .select("team_id")
      .where("cycle_id", "=", earlier.id)
      .execute();
    expect(new Set(reported.map((r) => r.team_id))).toEqual(new Set([null, data.teamT.id]));
  });
});
