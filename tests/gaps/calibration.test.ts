import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { calibrationQueue, recentResolutions } from "~/modules/gaps/validation.server";
import {
  parseCalibrationForm,
  resolveCalibration,
  type CalibrationAction,
} from "~/modules/ratings/calibration.server";
import * as reviewRoute from "~/routes/_app.gaps.review";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";
import { buildGapData, type GapData } from "./gap-data";

// Ann's a1 is the fixture's calibration item: her own 1, her lead's 3 (validated).

let data: GapData;
let item: CalibrationAction;

const contextOf = (cookie: string) => requireMember(buildRequest("/gaps", { cookie }));
const queue = async () =>
  calibrationQueue(
    (await resolveGapScope(await contextOf(data.lee.cookie), new URLSearchParams())).scope,
  );
const resolved = async () =>
  recentResolutions(
    (await resolveGapScope(await contextOf(data.lee.cookie), new URLSearchParams())).scope,
  );

function form(fields: Record<string, string>) {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  return body;
}

async function rate(topic: "a1", level: number, source: "self" | "lead") {
  await db
    .insertInto("ratings")
    .values({
      organization_id: data.organizationId,
      cycle_id: data.cycleId,
      member_id: data.ann.membershipId,
      topic_id: data.topic[topic],
      source,
      level,
    })
    .execute();
}

beforeEach(async () => {
  data = await buildGapData();
  const [open] = (await queue()).items;
  item = {
    memberId: data.ann.membershipId,
    topicId: data.topic.a1,
    selfRatingId: open!.selfRatingId,
    leadRatingId: open!.leadRatingId,
    resolution: "keep_both",
    level: null,
    note: "Talked it through: she undersells her a1.",
  };
});

describe("the calibration queue", () => {
  it("shows each item's age and keeps it until a lead resolves it on purpose", async () => {
    const { items } = await queue();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ displayName: "Ann", topicName: "a1", self: 1, lead: 3 });
    expect(Date.now() - new Date(items[0]!.since).getTime()).toBeLessThan(60_000);
    expect(items[0]!.history).toEqual([]);
  });

  it("'discussed, keep both' needs a note, then leaves both levels, audits, and keeps the history", async () => {
    const lee = await contextOf(data.lee.cookie);
    const fields = {
      memberId: item.memberId,
      topicId: item.topicId,
      selfRatingId: String(item.selfRatingId),
      leadRatingId: String(item.leadRatingId),
      resolution: "keep_both",
      note: "  ",
    };
    const key = `${item.memberId}.${item.topicId}`;
    expect(() => parseCalibrationForm(form(fields))).toThrow(
      expect.objectContaining({
        fieldErrors: {
          [`${key}.note`]: "Say what was discussed: the note is what the history keeps.",
        },
      }),
    );
    expect(() => parseCalibrationForm(form({ ...fields, note: "x".repeat(2001) }))).toThrow(
      expect.objectContaining({
        fieldErrors: { [`${key}.note`]: "Keep the note under 2000 characters." },
      }),
    );
    expect(() =>
      parseCalibrationForm(form({ ...fields, resolution: "lead_level", level: "7", note: "" })),
    ).toThrow(
      expect.objectContaining({
        fieldErrors: { [`${key}.level`]: "Choose a level from 0 to 4, or N/A." },
      }),
    );

    await resolveCalibration(lee, parseCalibrationForm(form({ ...fields, note: item.note! })));
    expect((await queue()).total).toBe(0);
    // Both levels stay as they were: no rating was written.
    const levels = await db
      .selectFrom("current_levels")
      .select(["self_level", "lead_level"])
      .where("member_id", "=", data.ann.membershipId)
      .where("topic_id", "=", data.topic.a1)
      .executeTakeFirstOrThrow();
    expect(levels).toEqual({ self_level: 1, lead_level: 3 });
    expect(await resolved()).toEqual([
      expect.objectContaining({
        displayName: "Ann",
        topicName: "a1",
        resolution: "keep_both",
        note: item.note,
        self: 1,
        lead: 3,
        by: "Lee Lead",
      }),
    ]);
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "object_id", "details"])
      .where("organization_id", "=", data.organizationId)
      .where("action", "=", "calibration.resolved")
      .execute();
    expect(audit).toEqual([
      {
        action: "calibration.resolved",
        object_id: data.ann.membershipId,
        details: {
          topicId: data.topic.a1,
          resolution: "keep_both",
          selfLevel: 1,
          leadLevel: 3,
          note: item.note,
        },
      },
    ]);

    // A second resolve of the same pair is refused.
    await expect(resolveCalibration(lee, item)).rejects.toMatchObject({ kind: "conflict" });

    // Ann re-rates herself 0: still two or more from 3, so the item is open again, with its history.
    await rate("a1", 0, "self");
    const reopened = (await queue()).items;
    expect(reopened.map((q) => [q.displayName, q.self, q.lead])).toEqual([["Ann", 0, 3]]);
    expect(reopened[0]!.history).toEqual([
      expect.objectContaining({ resolution: "keep_both", self: 1, lead: 3, note: item.note }),
    ]);
    // A new rating within one of the other side does not reopen anything.
    await rate("a1", 2, "self");
    expect((await queue()).total).toBe(0);
  });

  it("'set the lead level' and 'accept their level' write the lead's rating and count at once", async () => {
    const lee = await contextOf(data.lee.cookie);
    await resolveCalibration(lee, { ...item, resolution: "lead_level", level: 2, note: null });
    expect((await queue()).total).toBe(0);
    // Ann's assessment is validated, so the lead's new level is her level now.
    const level = await db
      .selectFrom("member_levels")
      .select(["level", "source"])
      .where("member_id", "=", data.ann.membershipId)
      .where("topic_id", "=", data.topic.a1)
      .executeTakeFirstOrThrow();
    expect(level).toEqual({ level: 2, source: "lead" });

    // Her lead later puts 4 (apart again): accepting her level writes a lead 1.
    await rate("a1", 4, "lead");
    const [again] = (await queue()).items;
    await resolveCalibration(lee, {
      ...item,
      selfRatingId: again!.selfRatingId,
      leadRatingId: again!.leadRatingId,
      resolution: "self_level",
      note: null,
    });
    const lead = await db
      .selectFrom("ratings")
      .select(["level", "rated_by_user_id"])
      .where("member_id", "=", data.ann.membershipId)
      .where("source", "=", "lead")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(lead).toEqual({ level: 1, rated_by_user_id: data.lee.id });
    expect((await resolved()).map((r) => [r.resolution, r.self, r.lead])).toEqual([
      ["self_level", 1, 1],
      ["lead_level", 1, 2],
    ]);
  });

  it("refuses a stale pair, and people out of reach", async () => {
    const lee = await contextOf(data.lee.cookie);
    await rate("a1", 4, "lead");
    await expect(resolveCalibration(lee, item)).rejects.toMatchObject({
      kind: "conflict",
      publicMessage:
        "This item changed since you opened the page (a newer rating was saved). Reload to see it.",
    });
    const other = await createOrgWithAdmin();
    await expect(
      resolveCalibration(await contextOf(other.admin.cookie), item),
    ).rejects.toMatchObject({ kind: "not_found" });
    const uma = await addMember(data.organizationId, "lead", "Uma");
    await expect(resolveCalibration(await contextOf(uma.cookie), item)).rejects.toMatchObject({
      kind: "not_found",
    });
    const written = await db
      .selectFrom("calibration_resolutions")
      .select("id")
      .where("organization_id", "=", data.organizationId)
      .execute();
    expect(written).toEqual([]);
  });

  it("resolves from the review page, and engineers cannot post there", async () => {
    const fields = {
      memberId: item.memberId,
      topicId: item.topicId,
      selfRatingId: String(item.selfRatingId),
      leadRatingId: String(item.leadRatingId),
      resolution: "keep_both",
      note: "Agreed to revisit next quarter.",
    };
    const engineer = await call(
      reviewRoute.action,
      buildRequest("/gaps/review", { cookie: data.ben.cookie, form: fields }),
    );
    expect(engineer.status).toBe(403);
    const done = await call(
      reviewRoute.action,
      buildRequest("/gaps/review", { cookie: data.lee.cookie, form: fields }),
    );
    expect(done.data).toEqual({
      ok: true,
      item: `${item.memberId}.${item.topicId}`,
      message: "Resolved: discussed, both kept.",
    });
    const page = await call(
      reviewRoute.loader,
      buildRequest("/gaps/review", { cookie: data.lee.cookie }),
    );
    const view = page.data as Awaited<ReturnType<typeof reviewRoute.loader>>;
    expect(view.calibration.total).toBe(0);
    expect(view.resolved.map((r) => [r.displayName, r.topicName, r.note])).toEqual([
      ["Ann", "a1", "Agreed to revisit next quarter."],
    ]);
  });
});
