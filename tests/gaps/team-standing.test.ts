import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as profileRoute from "~/routes/_app.profile";
import { teamStanding, type TeamStanding } from "~/modules/gaps/team-standing.server";
import { addMember } from "../support/factories";
import { buildRequest, call } from "../support/remix";
import { buildGapData, type GapData } from "./gap-data";

// Team T of the hand-built data (gap-data.ts): Lee leads and rates nothing; a1 (must-have for
// Senior) is Ann 3, Ben 1, Cat 4. Ann's picture compares her with the others who rated.

let data: GapData;

async function annOnProfile() {
  const response = await call<{ standing: TeamStanding[] }>(
    profileRoute.loader as never,
    buildRequest("/profile", { cookie: data.ann.cookie }),
  );
  expect(response.status).toBe(200);
  return response.data.standing.find((t) => t.teamName === "Team T")!;
}

beforeAll(async () => {
  data = await buildGapData();
});

describe("the engineer's anonymous team picture", () => {
  it("is withheld while fewer others than the floor rated, and appears above it", async () => {
    // Two others (Ben, Cat) rated a1: below the floor of 3.
    let teamT = await annOnProfile();
    expect(teamT.mustHaves).toEqual([
      { id: data.topic.a1, name: "a1", level: 3, target: 3, standing: null },
    ]);
    expect(teamT.categories.map((c) => [c.name, c.standing])).toEqual([
      ["A", null],
      ["B", null],
    ]);

    const eve = await addMember(data.organizationId, "engineer", "Eve");
    await db
      .insertInto("team_members")
      .values({
        organization_id: data.organizationId,
        team_id: data.teamT.id,
        membership_id: eve.membershipId,
      })
      .execute();
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: eve.membershipId,
        topic_id: data.topic.a1,
        source: "self",
        level: 2,
      })
      .execute();

    // Others on a1: Ben 1, Eve 2 below Ann's 3, Cat 4 above: above most of the team.
    teamT = await annOnProfile();
    expect(teamT.mustHaves[0]).toMatchObject({ level: 3, target: 3, standing: "above" });
    // Nothing in the picture names or counts anyone.
    expect(JSON.stringify(teamT)).not.toMatch(/Ben|Cat|Eve|Lee/);

    // Ben's own picture: everyone else is above him.
    const ben = await teamStanding(data.organizationId, data.ben.membershipId);
    expect(ben.find((t) => t.teamId === data.teamT.id)!.mustHaves).toEqual([
      { id: data.topic.a1, name: "a1", level: 1, target: 3, standing: "below" },
    ]);

    // A floor of 5 withholds it again.
    await db
      .updateTable("organizations")
      .set({ privacy_floor: 5 })
      .where("id", "=", data.organizationId)
      .execute();
    expect((await annOnProfile()).mustHaves[0]!.standing).toBeNull();
  });
});
