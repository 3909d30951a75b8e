import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { closeCycle, openCycle } from "~/modules/assessments/cycles.server";
import { addGoal } from "~/modules/growth/development-plans.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import * as summaryPage from "~/routes/_app.reports.$reportId_.members.$memberId";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { buildRequest, call } from "../support/remix";

// A plan made in 2026-Q4 with two goals for Ben: a1 to 3 by 2027-Q1, b1 to 4 by 2027-Q2.
// In 2027-Q1 he reaches 3 on a1: the Q1 report shows a1 met and b1 carried over; the
// report is frozen, so a later rating does not change it.

let data: GapData;
let q1: string;
let q2: string;

const planned = (name: string, startsOn: string, dueOn: string, endsOn: string) =>
  db
    .insertInto("cycles")
    .values({
      organization_id: data.organizationId,
      framework_version_id: data.versionId,
      name,
      starts_on: startsOn,
      due_on: dueOn,
      ends_on: endsOn,
    })
    .returning("id")
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  data = await buildGapData();
  q1 = (await planned("2027-Q1", "2027-01-01", "2027-02-15", "2027-03-31")).id;
  q2 = (await planned("2027-Q2", "2027-04-01", "2027-05-15", "2027-06-30")).id;
  const ben = await requireMember(buildRequest("/growth", { cookie: data.ben.cookie }));
  await addGoal(ben, data.ben.membershipId, {
    topicId: data.topic.a1,
    targetLevel: 3,
    dueCycleId: q1,
    actions: "",
    learningLinks: [],
  });
  await addGoal(ben, data.ben.membershipId, {
    topicId: data.topic.b1,
    targetLevel: 4,
    dueCycleId: q2,
    actions: "",
    learningLinks: [],
  });
  const admin = await requireMember(buildRequest("/admin/cycles", { cookie: data.admin.cookie }));
  await closeCycle(admin, data.cycleId);
  await openCycle(admin, q1);
});

describe("plans in the quarterly report", () => {
  it("freezes each goal as met, missed or carried over, and shows them on the person's report page", async () => {
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: q1,
        member_id: data.ben.membershipId,
        topic_id: data.topic.a1,
        source: "self",
        level: 3,
      })
      .execute();
    const reportId = await generateReport({
      organizationId: data.organizationId,
      cycleId: q1,
      teamId: data.teamT.id,
      generatedByUserId: null,
    });
    // A later rating changes nothing in the issued report.
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: q1,
        member_id: data.ben.membershipId,
        topic_id: data.topic.b1,
        source: "self",
        level: 4,
      })
      .execute();
    const page = await call<{
      planGoals: { topic_name: string; level: number | null; outcome: string }[];
    }>(
      summaryPage.loader as never,
      buildRequest(`/reports/${reportId}/members/${data.ben.membershipId}`, {
        cookie: data.ben.cookie,
      }),
      { reportId, memberId: data.ben.membershipId },
    );
    expect(page.status).toBe(200);
    expect(page.data.planGoals.map((g) => [g.topic_name, g.level, g.outcome])).toEqual([
      ["a1", 3, "met"],
      ["b1", 1, "carried_over"],
    ]);

    // At Q1's close b1 is met (the later rating); a goal due in a closed cycle and unmet is missed.
    await db
      .updateTable("plan_goals")
      .set({ target_level: 4 })
      .where("topic_id", "=", data.topic.a1)
      .execute();
    const admin = await requireMember(buildRequest("/admin/cycles", { cookie: data.admin.cookie }));
    await closeCycle(admin, q1);
    const closing = await generateReport({
      organizationId: data.organizationId,
      cycleId: q1,
      teamId: data.teamT.id,
      generatedByUserId: null,
    });
    const frozen = await db
      .selectFrom("report_plan_goals")
      .select(["topic_name", "outcome"])
      .where("report_id", "=", closing)
      .orderBy("position")
      .execute();
    expect(frozen.map((g) => [g.topic_name, g.outcome])).toEqual([
      ["a1", "missed"],
      ["b1", "met"],
    ]);
  });
});
