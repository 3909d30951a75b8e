import { beforeEach, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { closeCycle } from "~/modules/assessments/cycles.server";
import { cachedForOrganization, gapCacheStats } from "~/modules/gaps/gap-cache.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary, mustHaveTrend } from "~/modules/gaps/team-gaps.server";
import { calibrationQueue, pendingValidations } from "~/modules/gaps/validation.server";
import { buildRequest } from "../support/remix";
import { buildGapData, showEveryFigure, type GapData } from "./gap-data";

// The gap figures are kept between requests (gap-cache.server.ts) and must never be served
// after a change to what they are made from: each kind of write below changes a figure, and
// the next read shows it.

let data: GapData;

async function teamScope() {
  const ctx = await requireMember(buildRequest("/gaps", { cookie: data.lee.cookie }));
  return (await resolveGapScope(ctx, new URLSearchParams())).scope;
}

/** Everything the gap overview shows for team T, and how many reads the cache served. */
async function overview() {
  const scope = await teamScope();
  const before = gapCacheStats().hits;
  const summary = await gapSummary(scope);
  const [pending, calibration, trend] = await Promise.all([
    pendingValidations(scope),
    calibrationQueue(scope),
    mustHaveTrend(scope, summary.mustHave!),
  ]);
  const topic = (name: string) => summary.topics.find((t) => t.name === name)!;
  return {
    hits: gapCacheStats().hits - before,
    members: summary.members,
    a1: topic("a1"),
    a2: topic("a2"),
    pending: pending.map((p) => p.displayName),
    calibration: calibration.items.map((c) => `${c.displayName}:${c.self}/${c.lead}`),
    trend: trend.map((p) => `${p.cycleName}:${p.met}/${p.total}`),
  };
}

beforeEach(async () => {
  data = await buildGapData();
  await showEveryFigure(data.organizationId);
});

it("serves an unchanged view from the cache, frozen so no caller can change it for the others", async () => {
  const first = await overview();
  expect(first.hits).toBe(0);
  expect(() => {
    first.a1.name = "changed by a caller";
  }).toThrow(TypeError);
  const second = await overview();
  expect(second.hits).toBe(4);
  expect(second.a1.name).toBe("a1");
  expect({ ...second, hits: 0 }).toEqual({ ...first, hits: 0 });
});

it("shows every change to what the figures are made from on the next read", async () => {
  const { organizationId } = data;
  let view = await overview();
  expect(view).toMatchObject({ members: 4, pending: ["Ben"], calibration: ["Ann:1/3"] });
  const a2Rated = view.a2.rated;

  // A rating.
  await db
    .insertInto("ratings")
    .values({
      organization_id: organizationId,
      cycle_id: data.cycleId,
      member_id: data.dan.membershipId,
      topic_id: data.topic.a2,
      source: "self",
      level: 2,
    })
    .execute();
  view = await overview();
  // Dan is in team U, not T: team T's figures are all still kept.
  expect(view.a2.rated).toBe(a2Rated);
  expect(view.hits).toBe(4);

  // A rating in team T: its figures are made afresh, but for the trend, which reads no levels.
  const a2Average = view.a2.averageLevel;
  await db
    .insertInto("ratings")
    .values({
      organization_id: organizationId,
      cycle_id: data.cycleId,
      member_id: data.ann.membershipId,
      topic_id: data.topic.a2,
      source: "self",
      level: 0,
    })
    .execute();
  view = await overview();
  expect(view.a2.averageLevel).not.toBe(a2Average);
  expect(view.hits).toBe(1);

  // A team membership.
  await db
    .insertInto("team_members")
    .values({
      organization_id: organizationId,
      team_id: data.teamT.id,
      membership_id: data.dan.membershipId,
    })
    .execute();
  view = await overview();
  expect(view.members).toBe(5);
  expect(view.a2.rated).toBe(a2Rated + 1);

  // A target profile.
  const withTarget = view.a1.withTarget;
  await db
    .updateTable("memberships")
    .set({ target_profile_id: null })
    .where("id", "=", data.dan.membershipId)
    .execute();
  view = await overview();
  expect(view.a1.withTarget).toBe(withTarget! - 1);

  // A mentorship's status.
  expect(view.a1.mentored).toBe(1);
  await db
    .updateTable("mentorships")
    .set({ status: "completed" })
    .where("organization_id", "=", organizationId)
    .execute();
  view = await overview();
  expect(view.a1.mentored).toBe(0);

  // An assessment's status.
  await db
    .updateTable("assessments")
    .set({ status: "validated" })
    .where("member_id", "=", data.ben.membershipId)
    .execute();
  view = await overview();
  expect(view.pending).toEqual([]);

  // A person's name.
  await db
    .updateTable("users")
    .set({ display_name: "Annie" })
    .where("id", "=", data.ann.id)
    .execute();
  view = await overview();
  expect(view.calibration).toEqual(["Annie:1/3"]);

  // A target.
  await db
    .updateTable("topic_targets")
    .set({ target_level: 0 })
    .where("topic_id", "=", data.topic.a1)
    .execute();
  view = await overview();
  expect(view.a1.affected).toBe(0);

  // A cycle closing (its progress recorded, here the same as today's figures), and a
  // closed cycle's recorded progress.
  const ctx = await requireMember(buildRequest("/gaps", { cookie: data.admin.cookie }));
  await closeCycle(ctx, data.cycleId);
  view = await overview();
  expect(view.hits).toBe(0);
  expect(view.trend[0]).toBe("2026-Q3:1/1");
  await db.deleteFrom("cycle_progress").where("organization_id", "=", organizationId).execute();
  view = await overview();
  expect(view.trend).toEqual(["2026-Q3:0/0", "2026-Q4:0/0"]);

  // A member leaving the team.
  await db
    .deleteFrom("team_members")
    .where("team_id", "=", data.teamT.id)
    .where("membership_id", "=", data.dan.membershipId)
    .execute();
  view = await overview();
  expect(view.members).toBe(4);
});

it("shows a renamed team and a changed privacy floor in the scope on the next read", async () => {
  const scopeOf = async () => {
    const ctx = await requireMember(buildRequest("/gaps", { cookie: data.lee.cookie }));
    return resolveGapScope(ctx, new URLSearchParams());
  };
  const first = await scopeOf();
  expect(first.options.teams.map((t) => t.name)).toEqual(["Team T"]);
  await db
    .updateTable("teams")
    .set({ name: "Team Tango" })
    .where("id", "=", data.teamT.id)
    .execute();
  const renamed = await scopeOf();
  expect(renamed.options.teams.map((t) => t.name)).toEqual(["Team Tango"]);
  await db
    .updateTable("organizations")
    .set({ privacy_floor: 9 })
    .where("id", "=", data.organizationId)
    .execute();
  expect((await scopeOf()).scope.privacyFloor).toBe(9);
  expect((await overview()).members).toBe(4);
});

it("keeps at most 200 entries, dropping the least recently used", async () => {
  const computed: number[] = [];
  const get = (n: number) =>
    cachedForOrganization(
      data.organizationId,
      ["bound-test", n],
      async () => {
        computed.push(n);
        return n;
      },
      null,
    );
  for (let n = 0; n < 201; n++) await get(n);
  expect(gapCacheStats().entries).toBeLessThanOrEqual(200);
  await get(200); // kept
  await get(0); // dropped as the oldest: computed again
  expect(computed.filter((n) => n === 200)).toHaveLength(1);
  expect(computed.filter((n) => n === 0)).toHaveLength(2);
});
