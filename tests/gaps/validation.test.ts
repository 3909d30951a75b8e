import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import {
  calibrationQueue,
  loadValidation,
  parseValidationEntries,
  pendingValidations,
  saveValidation,
  undoValidation,
} from "~/modules/gaps/validation.server";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest } from "../support/remix";
import { buildGapData, type GapData } from "./gap-data";

let data: GapData;

const contextOf = (cookie: string) => requireMember(buildRequest("/gaps", { cookie }));

async function scopeFor(cookie: string) {
  return (await resolveGapScope(await contextOf(cookie), new URLSearchParams())).scope;
}

function form(fields: Record<string, string>) {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  return body;
}

beforeEach(async () => {
  data = await buildGapData();
});

describe("calibration queue and pending validations", () => {
  it("lists topics where self and lead differ by two or more", async () => {
    const queue = await calibrationQueue(await scopeFor(data.lee.cookie));
    expect(queue.total).toBe(1);
    expect(queue.items).toEqual([
      {
        memberId: data.ann.membershipId,
        displayName: "Ann",
        topicId: data.topic.a1,
        topicName: "a1",
        self: 1,
        lead: 3,
      },
    ]);
  });

  it("counts the whole queue even when asked for none of its items", async () => {
    expect(await calibrationQueue(await scopeFor(data.lee.cookie), 0)).toEqual({
      items: [],
      total: 1,
    });
  });

  it("lists submitted assessments of the open cycle waiting for their lead", async () => {
    const pending = await pendingValidations(await scopeFor(data.lee.cookie));
    expect(pending.map((p) => [p.displayName, p.status])).toEqual([["Ben", "submitted"]]);
  });
});

describe("validating an assessment", () => {
  it("appends lead ratings, marks it validated and moves the calibration queue", async () => {
    const lee = await contextOf(data.lee.cookie);
    const view = await loadValidation(lee, data.ben.membershipId);
    expect(view.assessment?.status).toBe("submitted");
    expect(view.topics.map((t) => [t.name, t.self?.level, t.target])).toEqual([
      ["a1", 1, 3],
      ["a2", null, 2],
      ["b1", 1, 4],
    ]);

    const entries = parseValidationEntries(
      form({
        [`lead.${data.topic.a1}`]: "1",
        [`comment.${data.topic.a1}`]: "",
        [`lead.${data.topic.a2}`]: "na",
        [`lead.${data.topic.b1}`]: "3",
        [`comment.${data.topic.b1}`]: "Ran the b1 migration alone.",
      }),
    );
    const result = await saveValidation(lee, data.ben.membershipId, entries, {
      markValidated: true,
    });
    expect(result).toEqual({ ratingsAdded: 3, validated: true });

    const assessment = await db
      .selectFrom("assessments")
      .select(["status", "validated_by_user_id"])
      .where("member_id", "=", data.ben.membershipId)
      .executeTakeFirstOrThrow();
    expect(assessment).toEqual({ status: "validated", validated_by_user_id: data.lee.id });
    const b1 = await db
      .selectFrom("ratings")
      .select(["level", "note", "rated_by_user_id"])
      .where("member_id", "=", data.ben.membershipId)
      .where("topic_id", "=", data.topic.b1)
      .where("source", "=", "lead")
      .executeTakeFirstOrThrow();
    expect(b1).toEqual({
      level: 3,
      note: "Ran the b1 migration alone.",
      rated_by_user_id: data.lee.id,
    });

    const queue = await calibrationQueue(await scopeFor(data.lee.cookie));
    expect(queue.items.map((q) => [q.displayName, q.topicName, q.self, q.lead])).toEqual([
      ["Ann", "a1", 1, 3],
      ["Ben", "b1", 1, 3],
    ]);
    expect(await pendingValidations(await scopeFor(data.lee.cookie))).toEqual([]);

    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "actor_user_id"])
      .where("organization_id", "=", data.organizationId)
      .where("action", "=", "assessment.validated")
      .execute();
    expect(audit).toEqual([{ action: "assessment.validated", actor_user_id: data.lee.id }]);

    // Validated is locked until undone; saving the same levels again appends nothing.
    await expect(
      saveValidation(lee, data.ben.membershipId, entries, { markValidated: false }),
    ).rejects.toMatchObject({ kind: "conflict" });
    await undoValidation(lee, data.ben.membershipId);
    expect(
      await saveValidation(lee, data.ben.membershipId, entries, { markValidated: true }),
    ).toEqual({ ratingsAdded: 0, validated: true });
  });

  it("refuses to validate while a topic has no level from the lead, and keeps nothing", async () => {
    const lee = await contextOf(data.lee.cookie);
    const entries = parseValidationEntries(
      form({ [`lead.${data.topic.a1}`]: "2", [`lead.${data.topic.a2}`]: "" }),
    );
    const error = await saveValidation(lee, data.ben.membershipId, entries, {
      markValidated: true,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: "invalid",
      fieldErrors: {
        [`lead.${data.topic.a2}`]: "Give your level (or N/A) before validating.",
        [`lead.${data.topic.b1}`]: "Give your level (or N/A) before validating.",
      },
    });
    const leadRatings = await db
      .selectFrom("ratings")
      .select("id")
      .where("member_id", "=", data.ben.membershipId)
      .where("source", "=", "lead")
      .execute();
    expect(leadRatings).toEqual([]);
  });

  it("rejects bad levels and over-long comments beside the topic", () => {
    expect(() =>
      parseValidationEntries(
        form({
          [`lead.${data.topic.a1}`]: "7",
          [`lead.${data.topic.a2}`]: "2",
          [`comment.${data.topic.a2}`]: "x".repeat(2001),
        }),
      ),
    ).toThrow(
      expect.objectContaining({
        fieldErrors: {
          [`lead.${data.topic.a1}`]: "Choose a level from 0 to 4, or N/A.",
          [`comment.${data.topic.a2}`]: "Keep the comment under 2000 characters.",
        },
      }),
    );
  });

  it("refuses a post naming more topics than any framework has", () => {
    const fields = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`lead.${i}`, "3"]));
    expect(() => parseValidationEntries(form(fields))).toThrow("Too many topics in one save.");
  });

  it("does not validate drafts, one's own assessment, or members outside one's teams", async () => {
    const lee = await contextOf(data.lee.cookie);
    await expect(
      saveValidation(lee, data.cat.membershipId, [], { markValidated: true }),
    ).rejects.toMatchObject({ kind: "conflict" });
    await expect(loadValidation(lee, data.dan.membershipId)).rejects.toMatchObject({
      kind: "not_found",
    });
    await expect(
      saveValidation(lee, data.dan.membershipId, [], { markValidated: true }),
    ).rejects.toMatchObject({ kind: "not_found" });

    await db
      .insertInto("team_members")
      .values({
        organization_id: data.organizationId,
        team_id: data.teamT.id,
        membership_id: data.admin.membershipId,
        is_lead: true,
      })
      .execute();
    const admin = await contextOf(data.admin.cookie);
    await expect(
      saveValidation(admin, data.admin.membershipId, [], { markValidated: false }),
    ).rejects.toMatchObject({ kind: "forbidden" });

    const other = await createOrgWithAdmin();
    const outsider = await contextOf(other.admin.cookie);
    await expect(loadValidation(outsider, data.ben.membershipId)).rejects.toMatchObject({
      kind: "not_found",
    });
    const engineer = await addMember(data.organizationId, "engineer", "Eve");
    await expect(
      loadValidation(await contextOf(engineer.cookie), data.ben.membershipId),
    ).rejects.toMatchObject({ kind: "not_found" });
  });

  it("rejects topics that are not in the cycle's framework", async () => {
    const lee = await contextOf(data.lee.cookie);
    const other = await createOrgWithAdmin();
    const foreignTopic = await db
      .selectFrom("topics")
      .select("id")
      .where("organization_id", "=", other.organizationId)
      .executeTakeFirstOrThrow();
    await expect(
      saveValidation(
        lee,
        data.ben.membershipId,
        [{ topicId: foreignTopic.id, level: "3", comment: "" }],
        { markValidated: false },
      ),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});
