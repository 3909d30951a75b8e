import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as memberPage from "~/routes/_app.growth.members.$memberId";
import * as nextLevel from "~/routes/_app.growth._index";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { buildRequest, call } from "../support/remix";
import { addStaffProfile } from "./growth-data";

// Development plans through the pages' own loaders and actions, on the hand-built set
// (tests/gaps/gap-data.ts): Ben (Team T, lead Lee) measured against Staff is blocked by a1
// (level 1, target 4) and b1 (level 1, target 4).

let data: GapData;
let nextCycle: string;

type Page = Awaited<ReturnType<typeof nextLevel.loader>>;
type Failure = { ok: false; formError?: string; fieldErrors: Record<string, string> };

const own = (cookie: string, query = "") =>
  call<Page>(nextLevel.loader as never, buildRequest(`/growth${query}`, { cookie }));
const postOwn = (cookie: string, form: Record<string, string>) =>
  call<Failure | { ok: true; message: string }>(
    nextLevel.action as never,
    buildRequest("/growth", { cookie, form }),
  );
const memberGet = (cookie: string, memberId: string) =>
  call<Page>(memberPage.loader as never, buildRequest(`/growth/members/${memberId}`, { cookie }), {
    memberId,
  });
const memberPost = (cookie: string, memberId: string, form: Record<string, string>) =>
  call<Failure>(
    memberPage.action as never,
    buildRequest(`/growth/members/${memberId}`, { cookie, form }),
    { memberId },
  );

const goal = (topicId: string, targetLevel = "4", dueCycleId = nextCycle) => ({
  intent: "add-goal",
  topicId,
  targetLevel,
  dueCycleId,
  actions: "",
  learningLinks: "",
});

const goalsOf = async (memberId: string) =>
  db
    .selectFrom("plan_goals as g")
    .innerJoin("development_plans as p", "p.id", "g.plan_id")
    .select(["g.topic_id", "g.target_level"])
    .where("p.member_id", "=", memberId)
    .orderBy("g.position")
    .execute();

beforeAll(async () => {
  data = await buildGapData();
  await addStaffProfile(data);
  const planned = await db
    .insertInto("cycles")
    .values({
      organization_id: data.organizationId,
      framework_version_id: data.versionId,
      name: "2027-Q1",
      starts_on: "2027-01-01",
      due_on: "2027-02-15",
      ends_on: "2027-03-31",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  nextCycle = planned.id;
});

describe("an engineer's plan", () => {
  it("is made from the topics that block, with progress read from levels", async () => {
    const before = await own(data.ben.cookie);
    expect(before.data.plan).toBeNull();
    expect(before.data.readiness.blocking.map((b) => b.name)).toEqual(["a1", "b1"]);
    for (const b of before.data.readiness.blocking) {
      const result = await postOwn(data.ben.cookie, goal(b.topicId, String(b.target)));
      expect(result.status).toBe(200);
    }
    const after = await own(data.ben.cookie);
    expect(
      after.data.plan?.goals.map((g) => [
        g.topicName,
        g.targetLevel,
        g.level,
        g.met,
        g.dueCycle.name,
      ]),
    ).toEqual([
      ["a1", 4, 1, false, "2027-Q1"],
      ["b1", 4, 1, false, "2027-Q1"],
    ]);
  });

  it("refuses bad goals beside the field and keeps the goals already saved", async () => {
    const saved = await goalsOf(data.ben.membershipId);
    const cases: [Record<string, string>, string, string][] = [
      [goal(data.topic.a2, "5"), "targetLevel", "0 to 4"],
      [goal(data.topic.a2, "-1"), "targetLevel", "0 to 4"],
      [
        { ...goal(data.topic.a2), learningLinks: "javascript:alert(1)" },
        "learningLinks.0",
        "http://",
      ],
      [
        { ...goal(data.topic.a2), learningLinks: "ftp://example.com/x" },
        "learningLinks.0",
        "http://",
      ],
      [goal(data.topic.a1), "topicId", "already a goal"],
      [goal("not-a-topic"), "topicId", "Choose a topic"],
    ];
    for (const [form, field, message] of cases) {
      const result = await postOwn(data.ben.cookie, form);
      expect(result.status, JSON.stringify(form)).toBeGreaterThanOrEqual(400);
      expect(result.status).toBeLessThan(500);
      expect((result.data as Failure).fieldErrors[field]).toContain(message);
    }
    // A retired topic.
    await db
      .updateTable("topic_revisions")
      .set({ retired: true })
      .where("topic_id", "=", data.topic.a2)
      .execute();
    try {
      const result = await postOwn(data.ben.cookie, goal(data.topic.a2, "3"));
      expect(result.status).toBe(422);
      expect((result.data as Failure).fieldErrors.topicId).toMatch(/retired/);
    } finally {
      await db
        .updateTable("topic_revisions")
        .set({ retired: false })
        .where("topic_id", "=", data.topic.a2)
        .execute();
    }
    expect(await goalsOf(data.ben.membershipId)).toEqual(saved);
  });

  it("holds at most five goals", async () => {
    // Dan's plan (he has no lead: his own page) with five goals on fresh topics.
    const org = data.organizationId;
    const { framework_id } = await db
      .selectFrom("framework_versions")
      .select("framework_id")
      .where("id", "=", data.versionId)
      .executeTakeFirstOrThrow();
    const extra: string[] = [];
    for (const name of ["c1", "c2", "c3"]) {
      const topic = await db
        .insertInto("topics")
        .values({ organization_id: org, framework_id })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db
        .insertInto("topic_revisions")
        .values({
          organization_id: org,
          framework_version_id: data.versionId,
          topic_id: topic.id,
          category_id: data.categoryOf["a1"]!,
          name,
          position: 10 + extra.length,
        })
        .execute();
      extra.push(topic.id);
    }
    for (const topicId of [data.topic.a1, data.topic.a2, data.topic.b1, extra[0]!, extra[1]!]) {
      expect((await postOwn(data.dan.cookie, goal(topicId, "2"))).status).toBe(200);
    }
    const sixth = await postOwn(data.dan.cookie, goal(extra[2]!, "2"));
    expect(sixth.status).toBe(409);
    expect((sixth.data as Failure).formError).toMatch(/at most 5 goals/);
    expect(await goalsOf(data.dan.membershipId)).toHaveLength(5);
  });
});

describe("who may see and change a plan", () => {
  it("the lead comments on their member's plan and the engineer reads it", async () => {
    expect(
      (
        await memberPost(data.lee.cookie, data.ben.membershipId, {
          intent: "comment",
          body: "Pair with Cat on a1",
        })
      ).status,
    ).toBe(200);
    expect((await postOwn(data.ben.cookie, { intent: "comment", body: "Will do" })).status).toBe(
      200,
    );
    const page = await own(data.ben.cookie);
    expect(page.data.plan?.comments.map((c) => [c.author, c.body])).toEqual([
      ["Lee Lead", "Pair with Cat on a1"],
      ["Ben", "Will do"],
    ]);
    const empty = await postOwn(data.ben.cookie, { intent: "comment", body: "   " });
    expect(empty.status).toBe(422);
    expect((empty.data as Failure).fieldErrors.body).toBe("Write a comment.");
  });

  it("answers 404 to anyone who neither is the member, leads them, nor is an admin", async () => {
    // Dan is an engineer of Team U; Lee leads Team T, not Dan.
    expect((await memberGet(data.dan.cookie, data.ben.membershipId)).status).toBe(404);
    expect((await memberGet(data.lee.cookie, data.dan.membershipId)).status).toBe(404);
    const outsider = await memberPost(data.lee.cookie, data.dan.membershipId, goal(data.topic.b1));
    expect(outsider.status).toBe(404);
    expect((await memberGet(data.lee.cookie, data.ben.membershipId)).status).toBe(200);
    expect((await memberGet(data.admin.cookie, data.dan.membershipId)).status).toBe(200);
    expect((await memberGet(data.ben.cookie, data.ben.membershipId)).status).toBe(200);
    // The refused post added nothing to Dan's five goals.
    expect(await goalsOf(data.dan.membershipId)).toHaveLength(5);
  });
});

describe("mentors for a goal", () => {
  it("suggests mentors for a goal and links the one the engineer proposes", async () => {
    const page = await own(data.ben.cookie);
    const a1Goal = page.data.plan!.goals.find((g) => g.topicName === "a1")!;
    const withMentors = await own(data.ben.cookie, `?mentorsFor=${a1Goal.id}`);
    // Ann already mentors Ben on a1; Cat (level 4) is suggested.
    expect(withMentors.data.mentors?.suggestions.map((s) => s.displayName)).toEqual(["Cat"]);
    const linked = await postOwn(data.ben.cookie, {
      intent: "mentor",
      goalId: a1Goal.id,
      mentorId: data.cat.membershipId,
    });
    expect(linked.status).toBe(200);
    const after = await own(data.ben.cookie);
    expect(after.data.plan!.goals.find((g) => g.id === a1Goal.id)!.mentorship).toMatchObject({
      mentorName: "Cat",
      status: "proposed",
    });
    // Himself as mentor: refused beside the field.
    const self = await postOwn(data.ben.cookie, {
      intent: "mentor",
      goalId: a1Goal.id,
      mentorId: data.ben.membershipId,
    });
    expect(self.status).toBe(422);
    expect((self.data as Failure).fieldErrors.mentorId).toMatch(/cannot mentor themselves/);
  });

  it("counts a goal met once the level shown reaches its target", async () => {
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: data.cycleId,
        member_id: data.ben.membershipId,
        topic_id: data.topic.b1,
        source: "self",
        level: 4,
      })
      .execute();
    const page = await own(data.ben.cookie);
    expect(page.data.plan!.goals.map((g) => [g.topicName, g.met])).toEqual([
      ["a1", false],
      ["b1", true],
    ]);
  });
});
