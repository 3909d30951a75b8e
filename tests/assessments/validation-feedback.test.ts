import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { memberProfile } from "~/modules/assessments/member-profile.server";
import {
  acknowledgeValidation,
  loadSelfAssessment,
} from "~/modules/assessments/self-assessment.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { validatedAssessments } from "~/modules/gaps/validation.server";
import { saveLeadRatings, undoValidation } from "~/modules/ratings/lead-ratings.server";
import * as messagesRoute from "~/routes/_app.messages";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { buildRequest, call } from "../support/remix";

// After validation the engineer sees their lead's levels and comments, gets a message
// listing where they differ, and acknowledges it; the lead sees who has.

let data: GapData;

beforeEach(async () => {
  data = await buildGapData();
});

const contextOf = (cookie: string) => requireMember(buildRequest("/gaps", { cookie }));
const ben = () => ({
  organizationId: data.organizationId,
  memberId: data.ben.membershipId,
  userId: data.ben.id,
});

async function validateBen() {
  const lee = await contextOf(data.lee.cookie);
  // a1 agreed (Ben's 1), b1 put at 3 with a comment; a2 left to Ben's own N/A.
  await saveLeadRatings(
    lee,
    data.ben.membershipId,
    [{ topicId: data.topic.b1, level: 3, note: "Led the b1 migration.", evidence: [] }],
    { markValidated: false, agree: { topicIds: [data.topic.a1] } },
  );
  // Saved but not validated: Ben sees no lead level and gets no message yet.
  const before = await loadSelfAssessment(ben());
  expect(before!.categories.flatMap((c) => c.topics).map((t) => t.lead)).toEqual([
    undefined,
    undefined,
    undefined,
  ]);
  expect(await messagesFor(data.ben.id)).toEqual([]);
  await saveLeadRatings(lee, data.ben.membershipId, [], { markValidated: true });
}

function messagesFor(userId: string) {
  return db
    .selectFrom("notifications")
    .select(["kind", "recipient_email", "subject", "body_text"])
    .where("recipient_user_id", "=", userId)
    .where("kind", "=", "assessment_validated")
    .orderBy("id")
    .execute();
}

describe("feedback to the engineer", () => {
  it("shows the lead's level and comment on the assessment and the profile once validated", async () => {
    await validateBen();
    const view = await loadSelfAssessment(ben());
    const topics = Object.fromEntries(
      view!.categories.flatMap((c) => c.topics).map((t) => [t.name, t.lead]),
    );
    expect(topics).toEqual({
      a1: { level: 1, comment: null, ratedAt: expect.any(String) },
      a2: undefined,
      b1: { level: 3, comment: "Led the b1 migration.", ratedAt: expect.any(String) },
    });
    expect(view!.validation).toEqual({
      validator: "Lee Lead",
      differing: [{ topicName: "b1", self: 1, lead: 3, comment: "Led the b1 migration." }],
    });

    const profile = await memberProfile(data.organizationId, data.ben.membershipId);
    const b1 = profile.topics.find((t) => t.id === data.topic.b1)!;
    expect([b1.self, b1.lead, b1.level]).toEqual([
      1,
      { level: 3, comment: "Led the b1 migration." },
      3,
    ]);
  });

  it("sends one 'validated' message listing the differing topics, shown on /messages", async () => {
    await validateBen();
    const [message, ...more] = await messagesFor(data.ben.id);
    expect(more).toEqual([]);
    expect(message!.subject).toBe("Lee Lead validated your 2026-Q4 assessment");
    expect(message!.recipient_email).toBe(data.ben.email);
    // The differing topics follow the sentence as a list (the email's HTML list, as text).
    expect(message!.body_text).toMatch(
      /On 1 topic your lead's level differs from yours:\n+ \* b1: yours 1, your lead's 3 — “Led the b1 migration\.”/,
    );
    expect(message!.body_text).not.toContain("a1:");

    const page = await call(
      messagesRoute.loader,
      buildRequest("/messages", { cookie: data.ben.cookie }),
    );
    const { messages } = page.data as Awaited<ReturnType<typeof messagesRoute.loader>>;
    expect(messages.map((m) => m.subject)).toContain("Lee Lead validated your 2026-Q4 assessment");
  });

  it("lets the engineer acknowledge, shows the lead who has, and asks again after re-validation", async () => {
    await validateBen();
    const scope = async () =>
      (await resolveGapScope(await contextOf(data.lee.cookie), new URLSearchParams())).scope;
    const acknowledged = async () =>
      (await validatedAssessments(await scope())).map((v) => [
        v.displayName,
        Boolean(v.acknowledgedAt),
      ]);
    // Ann's was validated in the fixture and is not acknowledged: listed first.
    expect(await acknowledged()).toEqual([
      ["Ann", false],
      ["Ben", false],
    ]);
    expect(await acknowledgeValidation(ben())).toBe(true);
    expect(await acknowledgeValidation(ben())).toBe(false);
    expect(await acknowledged()).toEqual([
      ["Ann", false],
      ["Ben", true],
    ]);
    expect((await loadSelfAssessment(ben()))!.assessment.acknowledgedAt).not.toBeNull();

    // Undone and validated again: a new message, and the acknowledgement is asked for again.
    const lee = await contextOf(data.lee.cookie);
    await undoValidation(lee, data.ben.membershipId);
    await expect(acknowledgeValidation(ben())).rejects.toMatchObject({ kind: "conflict" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await saveLeadRatings(lee, data.ben.membershipId, [], { markValidated: true });
    expect(await messagesFor(data.ben.id)).toHaveLength(2);
    expect(await acknowledged()).toEqual([
      ["Ann", false],
      ["Ben", false],
    ]);
  });
});
