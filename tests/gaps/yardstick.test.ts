import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as overviewRoute from "~/routes/_app.gaps._index";
import * as coverageRoute from "~/routes/_app.gaps.coverage";
import * as layoutRoute from "~/routes/_app.gaps";
import * as csvRoute from "~/routes/gaps[.csv]";
import { api, apiToken } from "../support/api-client";
import { buildRequest, call } from "../support/remix";
import { buildGapData, showEveryFigure, type GapData } from "./gap-data";

// "Compare against" changes the yardstick, never the people in view. Team T, mixed profiles:
// its lead Lee (no profile, never rated) counts as a member with no levels; Ann on Senior; Ben and Cat on Mid (a1 target 2 must-have, a2 1 good-to-have, b1 2
// advanced). Senior: a1 3 must-have, a2 2 good-to-have, b1 4 advanced. Weights 3 / 2 / 1.
//
//          a1          a2     b1
//   Ann    3           2      4
//   Ben    1           N/A    1
//   Cat    4           1      —
//
// Each against their own:  a1 Ben 1 short ×3 = 3 (met 2/3); a2 0 (2/2); b1 Ben 1 short ×1 = 1 (1/2)
// Everyone against Senior: a1 Ben 2 short ×3 = 6 (2/3); a2 Cat 1 short ×2 = 2 (1/2);
//                          b1 Ben 3 short ×1 = 3 (1/2)
// Per person against Senior: Ben 2 topics below, 6 + 3 = 9; Cat 1, 2; Ann 0, 0.
// Per person against their own: Ben 2 below, 3 + 1 = 4; Cat and Ann 0.

let data: GapData;
let mid: string;

beforeEach(async () => {
  data = await buildGapData();
  await showEveryFigure(data.organizationId);
  const framework = await db
    .selectFrom("target_profiles")
    .select("framework_id")
    .where("id", "=", data.senior)
    .executeTakeFirstOrThrow();
  mid = (
    await db
      .insertInto("target_profiles")
      .values({
        organization_id: data.organizationId,
        framework_id: framework.framework_id,
        name: "Mid",
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  await db
    .insertInto("topic_targets")
    .values(
      (
        [
          ["a1", 2, "must_have"],
          ["a2", 1, "good_to_have"],
          ["b1", 2, "advanced"],
        ] as const
      ).map(([topic, level, priority]) => ({
        organization_id: data.organizationId,
        framework_version_id: data.versionId,
        target_profile_id: mid,
        topic_id: data.topic[topic],
        target_level: level,
        priority,
      })),
    )
    .execute();
  await db
    .updateTable("memberships")
    .set({ target_profile_id: mid })
    .where("id", "in", [data.ben.membershipId, data.cat.membershipId])
    .execute();
});

const query = (extra: Record<string, string> = {}) =>
  `?${new URLSearchParams({ team: data.teamT.id, ...extra })}`;

async function page<T>(route: { loader: (args: never) => Promise<T> }, path: string) {
  const result = await call(route.loader as never, buildRequest(path, { cookie: data.lee.cookie }));
  return result.data as Awaited<T>;
}

async function overview(extra: Record<string, string> = {}) {
  const view = await page(overviewRoute, `/gaps${query(extra)}`);
  const coverage = await page(coverageRoute, `/gaps/coverage${query(extra)}`);
  return {
    members: view.members,
    top: view.top.map((t) => [t.name, t.score, t.affected]),
    coverage: coverage.topics.map((t) => [t.name, `${t.met}/${t.withTarget}`]),
  };
}

describe("the yardstick", () => {
  it("measures each person against their own profile by default", async () => {
    expect(await overview()).toEqual({
      members: 4,
      top: [
        ["a1", 3, 1],
        ["b1", 1, 1],
      ],
      coverage: [
        ["a1", "2/3"],
        ["a2", "2/2"],
        ["b1", "1/2"],
      ],
    });
  });

  it("'compare against Senior' keeps everyone in view and measures them all against Senior", async () => {
    expect(await overview({ compare: data.senior })).toEqual({
      members: 4,
      top: [
        ["a1", 6, 1],
        ["b1", 3, 1],
        ["a2", 2, 1],
      ],
      coverage: [
        ["a1", "2/3"],
        ["a2", "1/2"],
        ["b1", "1/2"],
      ],
    });
    // The layout says which yardstick is in force; the filters keep it in every link.
    const layout = await page(layoutRoute, `/gaps${query({ compare: data.senior })}`);
    expect(layout.filters.compare).toBe(data.senior);
    expect(layout.query).toContain(`compare=${data.senior}`);
  });

  it("keeps 'people on profile' a filter: Mid's people, measured against Senior", async () => {
    expect(await overview({ profile: mid })).toMatchObject({
      members: 2,
      top: [
        ["a1", 3, 1],
        ["b1", 1, 1],
      ],
    });
    expect(await overview({ profile: mid, compare: data.senior })).toMatchObject({
      members: 2,
      top: [
        ["a1", 6, 1],
        ["b1", 3, 1],
        ["a2", 2, 1],
      ],
    });
  });

  it("names the yardstick and each person's shortfall against it in the CSV", async () => {
    const csv = async (extra: Record<string, string> = {}) => {
      const response = await call(
        csvRoute.loader,
        buildRequest(`/gaps.csv${query(extra)}`, { cookie: data.lee.cookie }),
      );
      return String(response.data).trim().split("\n");
    };
    expect(await csv()).toEqual([
      "Member,Title,Target profile,Compared against,A / a1,A / a2,B / b1,Topics below target,Weighted shortfall",
      "Ann,,Senior,Senior,3,2,4,0,0",
      "Ben,,Mid,Mid,1,N/A,1,2,4",
      "Cat,,Mid,Mid,4,1,,0,0",
      "Lee Lead,,,,,,,0,0",
    ]);
    expect((await csv({ compare: data.senior })).slice(1)).toEqual([
      "Ann,,Senior,Senior,3,2,4,0,0",
      "Ben,,Mid,Senior,1,N/A,1,2,9",
      "Cat,,Mid,Senior,4,1,,1,2",
      "Lee Lead,,,Senior,,,,0,0",
    ]);
  });

  it("gives the API the same figures, names the yardstick, and 404s an unknown profile", async () => {
    const { secret } = await apiToken(data.organizationId, data.admin.id);
    const gaps = await api(secret, "GET", `/gaps${query({ compare: data.senior })}`);
    expect(gaps.status).toBe(200);
    expect(gaps.body.comparedAgainst).toEqual({ id: data.senior, name: "Senior" });
    expect(gaps.body.members).toBe(4);
    expect(
      gaps.body.topGaps.map((t: { name: string; score: number }) => [t.name, t.score]),
    ).toEqual([
      ["a1", 6],
      ["b1", 3],
      ["a2", 2],
    ]);
    const own = await api(secret, "GET", `/gaps${query()}`);
    expect(own.body.comparedAgainst).toBeNull();
    expect(own.body.topGaps.map((t: { score: number }) => t.score)).toEqual([3, 1]);

    const map = await api(secret, "GET", `/gaps/heatmap${query({ compare: data.senior })}`);
    expect(
      map.body.members.map((m: { name: string; below: number; shortfall: number }) => [
        m.name,
        m.below,
        m.shortfall,
      ]),
    ).toEqual([
      ["Ann", 0, 0],
      ["Ben", 2, 9],
      ["Cat", 1, 2],
      ["Lee Lead", 0, 0],
    ]);
    const ben = map.body.members[1];
    expect(ben.profile).toBe("Mid");
    expect(ben.cells.map((c: { target: number } | null) => c?.target ?? null)).toEqual([3, 2, 4]);

    const unknown = await api(
      secret,
      "GET",
      `/gaps${query({ compare: "00000000-0000-4000-8000-000000000000" })}`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("Content-Type")).toContain("application/problem+json");
  });
});
