import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as overview from "~/routes/_app.gaps._index";
import * as coverage from "~/routes/_app.gaps.coverage";
import * as topicRoute from "~/routes/_app.gaps.topics.$topicId";
import { createTeamRow } from "../support/factories";
import { api, apiToken } from "../support/api-client";
import { buildRequest, call } from "../support/remix";
import { addSeniorRater, buildGapData, type GapData } from "./gap-data";

// The case on the hand-built framework: team "Pair" is its lead Lee (who rates
// nothing), Ann and Ben. Ann: a1 3, a2 2, b1 4; Ben: a1 1, a2 N/A, b1 1 (gap-data.ts).

let data: GapData;
let pair: { id: string };
let secret: string;

const setFloor = (floor: number) =>
  db
    .updateTable("organizations")
    .set({ privacy_floor: floor })
    .where("id", "=", data.organizationId)
    .execute();

async function page(route: { loader?: unknown }, path: string) {
  const response = await call(
    route.loader as never,
    buildRequest(path, { cookie: data.lee.cookie }),
    path.startsWith("/gaps/topics/") ? { topicId: data.topic.a1 } : {},
  );
  expect(response.status, path).toBe(200);
  return response.data as Record<string, unknown> & { withheld?: number };
}

async function gapsApi() {
  const response = await api(secret, "GET", `/gaps?team=${pair.id}`);
  expect(response.status).toBe(200);
  return response.body;
}

beforeAll(async () => {
  data = await buildGapData();
  pair = await createTeamRow(data.organizationId, "Pair");
  await db
    .insertInto("team_members")
    .values([
      {
        organization_id: data.organizationId,
        team_id: pair.id,
        membership_id: data.lee.membershipId,
        is_lead: true,
      },
      {
        organization_id: data.organizationId,
        team_id: pair.id,
        membership_id: data.ann.membershipId,
      },
      {
        organization_id: data.organizationId,
        team_id: pair.id,
        membership_id: data.ben.membershipId,
      },
    ])
    .execute();
  ({ secret } = await apiToken(data.organizationId, data.admin.id));
});

describe("the privacy floor counts the people who rated", () => {
  it("withholds every aggregate of two raters and a lead who rates nothing", async () => {
    const body = await gapsApi();
    expect(body).toMatchObject({ members: 3, raters: 2, privacyFloor: 3, withheld: true });
    expect(body.mustHave).toBeNull();
    expect(body.categories).toEqual([]);
    for (const topic of body.topics) {
      expect(topic, topic.name).toMatchObject({
        withheld: true,
        averageLevel: null,
        met: null,
        proficient: null,
        score: null,
        busFactorRisk: null,
      });
    }
    expect(body.topGaps).toEqual([]);

    const view = await page(overview, `/gaps?team=${pair.id}`);
    expect(view).toMatchObject({ chartsHidden: true, mustHave: null, categories: [], trend: [] });
    expect(view.top).toEqual([]);
    const cov = await page(coverage, `/gaps/coverage?team=${pair.id}`);
    expect(cov.withheld).toBe(3);
    const topic = await page(topicRoute, `/gaps/topics/${data.topic.a1}?team=${pair.id}`);
    expect(topic).toMatchObject({ chartsHidden: true, distribution: null });
  });

  it("shows them once a third person rates, topic by topic, and hides them again at a floor of 5", async () => {
    await addSeniorRater(data, pair.id, "Eve", ["a1", "a2", "b1"], 2);

    const body = await gapsApi();
    expect(body).toMatchObject({ members: 4, raters: 3, withheld: false });
    const byName = Object.fromEntries(body.topics.map((t: { name: string }) => [t.name, t]));
    // a1: Ann 3, Ben 1, Eve 2. b1: Ann 4, Ben 1, Eve 2. a2: Ben said N/A, so two raters.
    expect(byName.a1).toMatchObject({ withheld: false, averageLevel: 2, met: 1, withTarget: 3 });
    expect(byName.b1).toMatchObject({ withheld: false, averageLevel: 2.33 });
    expect(byName.a2).toMatchObject({ withheld: true, averageLevel: null });
    // Category A covers a1 only (a2 would otherwise follow by difference): levels 1, 2, 3.
    const a = body.categories.find((c: { name: string }) => c.name === "A");
    expect(a).toMatchObject({ withheld: false, averageLevel: 2, levels: [0, 1, 1, 1, 0] });
    const topic = await page(topicRoute, `/gaps/topics/${data.topic.a1}?team=${pair.id}`);
    expect(topic.distribution).toEqual([0, 1, 1, 1, 0]);

    await setFloor(5);
    try {
      const raised = await gapsApi();
      expect(raised).toMatchObject({ withheld: true, mustHave: null, categories: [] });
      for (const t of raised.topics)
        expect(t, t.name).toMatchObject({ averageLevel: null, withheld: true });
      const topicRaised = await page(topicRoute, `/gaps/topics/${data.topic.a1}?team=${pair.id}`);
      expect(topicRaised.distribution).toBeNull();
    } finally {
      await setFloor(3);
    }
  });

  it("withholds a profile's part of a team when the rest would give one person away", async () => {
    // Team T rated a1: Ann 3, Ben 1, Cat 4, all Senior; Ben moves to no profile, so "people on
    // Senior" is Ann and Cat, and the team minus them is Ben alone.
    await db
      .updateTable("memberships")
      .set({ target_profile_id: null })
      .where("id", "=", data.ben.membershipId)
      .execute();
    try {
      const { body } = await api(
        secret,
        "GET",
        `/gaps?team=${data.teamT.id}&profile=${data.senior}`,
      );
      // Senior in team T: Ann and Cat on a1 (2 < 3), and the team minus them is Ben alone.
      const a1 = body.topics.find((t: { name: string }) => t.name === "a1");
      expect(a1).toMatchObject({ withheld: true, averageLevel: null });
      const whole = await api(secret, "GET", `/gaps?team=${data.teamT.id}`);
      expect(whole.body.topics.find((t: { name: string }) => t.name === "a1")).toMatchObject({
        withheld: false,
        averageLevel: 2.67,
      });
    } finally {
      await db
        .updateTable("memberships")
        .set({ target_profile_id: data.senior })
        .where("id", "=", data.ben.membershipId)
        .execute();
    }
  });
});
