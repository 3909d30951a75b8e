import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { addGoal } from "~/modules/growth/development-plans.server";
import { setMuted } from "~/modules/notifications/mutes.server";
import { planReminders } from "~/modules/notifications/reminders.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { buildRequest } from "../support/remix";

// Plan goals due in the open cycle (2026-Q4, due 2026-11-15) and not met: Ben's a1 (level 1,
// goal 4) is; Ann's b1 (level 4, goal 4) is met, so she hears nothing. Their lead Lee's weekly
// digest counts Ben's goal. Cat muted the reminder: her unmet goal writes nothing.

let data: GapData;
const now = new Date("2026-11-10T12:00:00Z");

const outbox = (kind: string) =>
  db
    .selectFrom("notifications")
    .select(["recipient_email", "subject", "body_text", "idempotency_key"])
    .where("organization_id", "=", data.organizationId)
    .where("kind", "=", kind)
    .orderBy("recipient_email")
    .execute();

beforeAll(async () => {
  data = await buildGapData();
  await db
    .updateTable("organizations")
    .set({ due_reminder_days: [7, 1] })
    .where("id", "=", data.organizationId)
    .execute();
  const goal = async (
    who: { cookie: string; membershipId: string },
    topicId: string,
    targetLevel: number,
  ) =>
    addGoal(
      await requireMember(buildRequest("/growth", { cookie: who.cookie })),
      who.membershipId,
      {
        topicId,
        targetLevel,
        dueCycleId: data.cycleId,
        actions: "",
        learningLinks: [],
      },
    );
  await goal(data.ben, data.topic.a1, 4);
  await goal(data.ann, data.topic.b1, 4);
  await goal(data.cat, data.topic.b1, 3);
  await setMuted(
    { organizationId: data.organizationId, userId: data.cat.id, kind: "plan_goal_due" },
    true,
  );
});

describe("reminders about plan goals", () => {
  it("reminds the engineer once per cycle of goals due and unmet, and counts them in the lead's digest", async () => {
    await planReminders(now, { organizationId: data.organizationId });
    const reminders = await outbox("plan_goal_due");
    expect(reminders.map((r) => [r.recipient_email, r.subject])).toEqual([
      [data.ben.email, "1 development-plan goal is due in 2026-Q4"],
    ]);
    expect(reminders[0]!.body_text).toContain("a1 to level 4 (now 1)");
    expect(reminders[0]!.idempotency_key).toBe(`plan_goal_due:${data.cycleId}:${data.ben.id}`);
    const digest = (await outbox("lead_digest")).find((d) => d.recipient_email === data.lee.email);
    expect(digest?.body_text).toContain(
      "2 development-plan goals are due this cycle and not met yet",
    );

    // Run again (a retry, a second worker): nothing new.
    expect(await planReminders(now, { organizationId: data.organizationId })).toBe(0);
    expect(await outbox("plan_goal_due")).toHaveLength(1);
  });

  it("says nothing before the first reminder day", async () => {
    const fresh = await buildGapData();
    const ben = await requireMember(buildRequest("/growth", { cookie: fresh.ben.cookie }));
    await addGoal(ben, fresh.ben.membershipId, {
      topicId: fresh.topic.a1,
      targetLevel: 4,
      dueCycleId: fresh.cycleId,
      actions: "",
      learningLinks: [],
    });
    await db
      .updateTable("organizations")
      .set({ due_reminder_days: [7, 1] })
      .where("id", "=", fresh.organizationId)
      .execute();
    await planReminders(new Date("2026-11-01T12:00:00Z"), { organizationId: fresh.organizationId });
    const written = await db
      .selectFrom("notifications")
      .select("id")
      .where("organization_id", "=", fresh.organizationId)
      .where("kind", "=", "plan_goal_due")
      .execute();
    expect(written).toEqual([]);
  });
});
