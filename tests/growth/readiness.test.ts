import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { memberReadiness, readinessOf, teamReadiness } from "~/modules/growth/readiness.server";
import * as editor from "~/routes/_app.admin.frameworks.$frameworkId";
import { buildRequest, call } from "../support/remix";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { addStaffProfile } from "./growth-data";

// The hand-built organisation of tests/gaps/gap-data.ts, with a "Staff" profile above Senior:
// a1 target 4 must-have, a2 target 3 must-have, b1 target 4 good-to-have. Levels shown:
//
//          a1   a2    b1
//   Ann    3    2     4
//   Ben    1    N/A   1
//   Cat    4    1     —
//   Dan    0    —     —
//
// Against Staff (weights: must-have 3, good-to-have 2, advanced 1):
//   Ann: must 0 of 2, good 1 of 1; score 3×1 + 3×1 = 6; blocking a1, a2
//   Ben: must 0 of 1 (a2 is N/A), good 0 of 1; score 3×3 + 2×3 = 15; blocking a1 (9), b1 (6)
//   Cat: must 1 of 2, good 0 of 1 (b1 unrated); score 3×2 = 6; blocking a2
//   Lee (lead, no profile, never rated): the first profile, Senior: must 0 of 1, unrated 3, score 0

let data: GapData;
let staff: string;

beforeAll(async () => {
  data = await buildGapData();
  staff = await addStaffProfile(data);
});

describe("readiness on the hand-built set", () => {
  it("measures a member against the next profile up, with the topics that block ranked by the gap formula", async () => {
    const { readiness, trend } = await memberReadiness(data.organizationId, data.ben.membershipId);
    expect(readiness).toMatchObject({
      displayName: "Ben",
      ownProfile: { id: data.senior, name: "Senior" },
      profile: { id: staff, name: "Staff" },
      isDefaultProfile: true,
      mustHave: { met: 0, total: 1 },
      goodToHave: { met: 0, total: 1 },
      advanced: { met: 0, total: 0 },
      unrated: 0,
      score: 15,
      ready: false,
    });
    expect(readiness.blocking.map((b) => [b.name, b.level, b.target, b.score])).toEqual([
      ["a1", 1, 4, 9],
      ["b1", 1, 4, 6],
    ]);
    // As of the closed 2026-Q3 Ben was at 3 on a1 and had not rated a2 or b1.
    expect(trend.map((p) => [p.cycleName, p.mustHaveMet, p.mustHaveTotal, p.score])).toEqual([
      ["2026-Q3", 0, 2, 3],
      ["2026-Q4", 0, 1, 15],
    ]);
  });

  it("measures against a profile the viewer chooses", async () => {
    const { readiness } = await memberReadiness(
      data.organizationId,
      data.ann.membershipId,
      data.senior,
    );
    expect(readiness).toMatchObject({
      profile: { id: data.senior },
      isDefaultProfile: false,
      mustHave: { met: 1, total: 1 },
      goodToHave: { met: 1, total: 1 },
      advanced: { met: 1, total: 1 },
      score: 0,
      ready: true,
      blocking: [],
    });
  });

  it("lists a team sorted by weighted gap, each against their own next level", async () => {
    const ctx = await requireMember(buildRequest("/growth/team", { cookie: data.lee.cookie }));
    const { scope } = await resolveGapScope(ctx, new URLSearchParams());
    const rows = await readinessOf(scope, { sort: "gap" });
    expect(
      rows.map((r) => [
        r.displayName,
        r.profile?.name,
        r.mustHave.met,
        r.mustHave.total,
        r.unrated,
        r.score,
      ]),
    ).toEqual([
      ["Ben", "Staff", 0, 1, 0, 15],
      ["Ann", "Staff", 0, 2, 0, 6],
      ["Cat", "Staff", 1, 2, 1, 6],
      ["Lee Lead", "Senior", 0, 1, 3, 0],
    ]);
    const ready = await readinessOf(scope, { sort: "ready", against: data.senior });
    expect(ready[0]).toMatchObject({ displayName: "Ann", ready: true });
  });

  it("orders the next level by the profiles' order, which admins set in the framework editor", async () => {
    const { framework_id: frameworkId } = await db
      .selectFrom("target_profiles")
      .select("framework_id")
      .where("id", "=", staff)
      .executeTakeFirstOrThrow();
    const move = (intent: string) =>
      call(
        editor.action as never,
        buildRequest(`/admin/frameworks/${frameworkId}`, {
          cookie: data.admin.cookie,
          form: { intent, profileId: staff },
        }),
        { frameworkId },
      );
    // Staff moved before Senior: Senior is the top, so Ben is measured against his own.
    expect((await move("profile-up")).status).toBe(200);
    expect(
      (await memberReadiness(data.organizationId, data.ben.membershipId)).readiness.profile?.name,
    ).toBe("Senior");
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "object_id"])
      .where("organization_id", "=", data.organizationId)
      .where("action", "=", "framework.profile_move")
      .execute();
    expect(audit).toEqual([{ action: "framework.profile_move", object_id: staff }]);
    // A lead cannot.
    const asLead = await call(
      editor.action as never,
      buildRequest(`/admin/frameworks/${frameworkId}`, {
        cookie: data.lee.cookie,
        form: { intent: "profile-down", profileId: staff },
      }),
      { frameworkId },
    );
    expect(asLead.status).toBe(403);
    expect((await move("profile-down")).status).toBe(200);
    expect(
      (await memberReadiness(data.organizationId, data.ben.membershipId)).readiness.profile?.name,
    ).toBe("Staff");
  });

  it("hides the count of people ready under the organisation's privacy floor", async () => {
    const ctx = await requireMember(buildRequest("/growth/team", { cookie: data.admin.cookie }));
    const small = await teamReadiness(ctx, new URLSearchParams({ team: data.teamU.id }));
    expect(small.rows.map((r) => r.displayName)).toEqual(["Dan"]);
    expect(small.summary).toBeNull();
    const team = await teamReadiness(
      ctx,
      new URLSearchParams({ team: data.teamT.id, against: data.senior }),
    );
    expect(team.summary).toEqual({ ready: 2, members: 4 });
  });
});
