import { sql, type Kysely, type Transaction } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { findOpenCycle } from "~/modules/assessments/open-cycle.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { suggestMentors, type MenteeReach } from "~/modules/mentoring/mentor-suggestions.server";
import { proposeMentorship } from "~/modules/mentoring/mentorships.server";
import { reachableMember } from "./member-reach.server";
import { MAX_GOALS, type GoalInput, type PlanIntent } from "./plan-schemas";

// A development plan: at most one active plan per member and cycle (the open cycle when it is
// made), 1–5 goals (topic, target level, the cycle by which to reach it, actions, learning
// links, optionally a mentorship), and comments by the engineer and their lead. A goal is met
// when the person's level (member_levels, migration 0006) reaches its target: progress is
// read, never entered. Who may see and edit a plan is reachableMember's rule.

type Trx = Transaction<Database>;

export interface PlanGoal {
  id: string;
  topicId: string;
  topicName: string;
  targetLevel: number;
  level: number | null;
  met: boolean;
  dueCycle: { id: string; name: string };
  actions: string;
  learningLinks: string[];
  resources: { title: string; url: string; level: number | null }[];
  mentorship: { id: string; mentorName: string; status: string } | null;
}

export interface DevelopmentPlan {
  id: string;
  cycle: { id: string; name: string };
  goals: PlanGoal[];
  comments: { id: string; author: string | null; body: string; createdAt: string }[];
}

/** The member's active plan for the open cycle, with progress read from their levels. */
export async function activePlan(
  organizationId: string,
  memberId: string,
): Promise<DevelopmentPlan | null> {
  const cycle = await findOpenCycle(organizationId);
  if (!cycle) return null;
  const plan = await db
    .selectFrom("development_plans")
    .select(["id"])
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", memberId)
    .where("cycle_id", "=", cycle.id)
    .where("status", "=", "active")
    .executeTakeFirst();
  if (!plan) return null;
  return planById(organizationId, plan.id, { id: cycle.id, name: cycle.name });
}

async function planById(
  organizationId: string,
  planId: string,
  cycle: { id: string; name: string },
): Promise<DevelopmentPlan> {
  const [{ rows: goals }, comments] = await Promise.all([
    sql<PlanGoal>`
      SELECT g.id, g.topic_id AS "topicId", coalesce(t.name, '(removed topic)') AS "topicName",
        g.target_level AS "targetLevel", ml.level, coalesce(ml.level >= g.target_level, false) AS met,
        json_build_object('id', dc.id, 'name', dc.name) AS "dueCycle", g.actions,
        g.learning_urls AS "learningLinks",
        coalesce((SELECT json_agg(json_build_object('title', r.title, 'url', r.url, 'level', r.level)
            ORDER BY r.position) FROM topic_resources r WHERE r.topic_id = g.topic_id
            AND r.organization_id = g.organization_id), '[]') AS resources,
        CASE WHEN ms.id IS NOT NULL THEN json_build_object('id', ms.id, 'mentorName', mu.display_name,
          'status', ms.status) END AS mentorship
      FROM plan_goals g
      JOIN development_plans p ON p.id = g.plan_id
      JOIN cycles dc ON dc.id = g.due_cycle_id
      LEFT JOIN organizations o ON o.id = g.organization_id
      LEFT JOIN frameworks f ON f.id = o.default_framework_id
      LEFT JOIN topic_revisions t ON t.framework_version_id = f.current_version_id
        AND t.topic_id = g.topic_id
      LEFT JOIN member_levels ml ON ml.organization_id = g.organization_id
        AND ml.member_id = p.member_id AND ml.topic_id = g.topic_id
      LEFT JOIN mentorships ms ON ms.id = g.mentorship_id
      LEFT JOIN memberships mm ON mm.id = ms.mentor_id
      LEFT JOIN users mu ON mu.id = mm.user_id
      WHERE g.organization_id = ${organizationId} AND g.plan_id = ${planId}
      ORDER BY g.position`.execute(db),
    db
      .selectFrom("plan_comments as c")
      .leftJoin("users as u", "u.id", "c.author_user_id")
      .select(["c.id", "u.display_name as author", "c.body", "c.created_at"])
      .where("c.organization_id", "=", organizationId)
      .where("c.plan_id", "=", planId)
      .orderBy("c.created_at")
      .execute(),
  ]);
  return {
    id: planId,
    cycle,
    goals,
    comments: comments.map((c) => ({
      id: c.id,
      author: c.author,
      body: c.body,
      createdAt: c.created_at.toISOString(),
    })),
  };
}

/** What a goal may be set on: the framework's topics in use, and the open and planned cycles. */
export async function goalChoices(organizationId: string) {
  const open = await findOpenCycle(organizationId);
  const [topics, cycles] = await Promise.all([
    db
      .selectFrom("organizations as o")
      .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
      .innerJoin("topic_revisions as t", "t.framework_version_id", "f.current_version_id")
      .innerJoin("category_revisions as c", (join) =>
        join
          .onRef("c.framework_version_id", "=", "t.framework_version_id")
          .onRef("c.category_id", "=", "t.category_id"),
      )
      .select(["t.topic_id as id", "t.name", "c.name as category"])
      .where("o.id", "=", organizationId)
      .where("t.retired", "=", false)
      .orderBy("c.position")
      .orderBy("t.position")
      .execute(),
    db
      .selectFrom("cycles")
      .select(["id", "name", "status"])
      .where("organization_id", "=", organizationId)
      .where("status", "in", ["open", "planned"])
      .orderBy("starts_on")
      .execute(),
  ]);
  return { openCycle: open ? { id: open.id, name: open.name } : null, topics, cycles };
}

/** Locks the member's membership row so concurrent writes to their plan queue up. */
async function lockMember(trx: Trx, organizationId: string, memberId: string) {
  await trx
    .selectFrom("memberships")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("id", "=", memberId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

async function planForUpdate(trx: Trx, organizationId: string, memberId: string) {
  const cycle = await findOpenCycle(organizationId, { executor: trx });
  if (!cycle) throw invalid("Plans are made in the open review cycle, and none is open.");
  const plan = await trx
    .selectFrom("development_plans")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", memberId)
    .where("cycle_id", "=", cycle.id)
    .where("status", "=", "active")
    .executeTakeFirst();
  return { cycle, plan };
}

/** The goal's topic and due cycle, checked: a topic in use in the framework, a cycle not closed. */
async function checkGoal(trx: Trx, organizationId: string, input: GoalInput) {
  const topic = await trx
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .innerJoin("topic_revisions as t", "t.framework_version_id", "f.current_version_id")
    .select(["t.name", "t.retired"])
    .where("o.id", "=", organizationId)
    .where("t.topic_id", "=", input.topicId)
    .executeTakeFirst();
  if (!topic) throw invalid("Unknown topic", { topicId: "Choose a topic of the framework." });
  if (topic.retired)
    throw invalid("Retired topic", {
      topicId: `"${topic.name}" is retired from the framework; choose a topic in use.`,
    });
  const due = await trx
    .selectFrom("cycles")
    .select(["status"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", input.dueCycleId)
    .executeTakeFirst();
  if (!due || due.status === "closed")
    throw invalid("Closed cycle", { dueCycleId: "Choose the open cycle or a planned one." });
  return topic;
}

/**
 * Adds a goal to the member's plan for the open cycle, making the plan if there is none yet.
 * Refused beside the field: a retired or unknown topic, a closed cycle, a topic already in
 * the plan; refused for the form: a sixth goal. Nothing is written when refused.
 */
export async function addGoal(
  ctx: MemberContext,
  memberId: string,
  input: GoalInput,
  ip: string | null = null,
) {
  const member = await reachableMember(ctx, memberId);
  return db.transaction().execute(async (trx) => {
    await lockMember(trx, ctx.organization.id, member.id);
    const topic = await checkGoal(trx, ctx.organization.id, input);
    const found = await planForUpdate(trx, ctx.organization.id, member.id);
    let plan = found.plan;
    const goals = plan
      ? await trx
          .selectFrom("plan_goals")
          .select(["topic_id", "position"])
          .where("plan_id", "=", plan.id)
          .execute()
      : [];
    if (goals.length >= MAX_GOALS)
      throw conflict(`A plan has at most ${MAX_GOALS} goals. Remove one to add another.`);
    if (goals.some((g) => g.topic_id === input.topicId))
      throw conflict("Already a goal", {
        topicId: `"${topic.name}" is already a goal of this plan.`,
      });
    plan ??= await trx
      .insertInto("development_plans")
      .values({
        organization_id: ctx.organization.id,
        member_id: member.id,
        cycle_id: found.cycle.id,
        created_by_user_id: ctx.user.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const goal = await trx
      .insertInto("plan_goals")
      .values({
        organization_id: ctx.organization.id,
        plan_id: plan.id,
        topic_id: input.topicId,
        target_level: input.targetLevel,
        due_cycle_id: input.dueCycleId,
        actions: input.actions,
        learning_urls: input.learningLinks,
        position: Math.max(-1, ...goals.map((g) => g.position)) + 1,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "plan.goal_add",
        objectType: "development_plan",
        objectId: plan.id,
        details: {
          memberId: member.id,
          goalId: goal.id,
          topicId: input.topicId,
          targetLevel: input.targetLevel,
        },
        ip,
      },
      trx,
    );
    return { planId: plan.id, goalId: goal.id };
  });
}

/** The goal of the member's active plan, or not found. */
async function goalOf(
  trx: Kysely<Database>,
  organizationId: string,
  memberId: string,
  goalId: string,
) {
  if (!z.uuid().safeParse(goalId).success) throw notFound("Goal");
  const goal = await trx
    .selectFrom("plan_goals as g")
    .innerJoin("development_plans as p", "p.id", "g.plan_id")
    .select(["g.id", "g.plan_id", "g.topic_id", "g.target_level", "g.mentorship_id"])
    .where("g.organization_id", "=", organizationId)
    .where("p.member_id", "=", memberId)
    .where("p.status", "=", "active")
    .where("g.id", "=", goalId)
    .executeTakeFirst();
  if (!goal) throw notFound("Goal");
  return goal;
}

/** Removes a goal; the last goal stays (a plan has at least one). */
export async function removeGoal(
  ctx: MemberContext,
  memberId: string,
  goalId: string,
  ip: string | null = null,
) {
  const member = await reachableMember(ctx, memberId);
  await db.transaction().execute(async (trx) => {
    await lockMember(trx, ctx.organization.id, member.id);
    const goal = await goalOf(trx, ctx.organization.id, member.id, goalId);
    const { count } = await trx
      .selectFrom("plan_goals")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("plan_id", "=", goal.plan_id)
      .executeTakeFirstOrThrow();
    if (Number(count) <= 1) throw conflict("A plan keeps at least one goal.");
    await trx.deleteFrom("plan_goals").where("id", "=", goal.id).execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "plan.goal_remove",
        objectType: "development_plan",
        objectId: goal.plan_id,
        details: { memberId: member.id, goalId: goal.id, topicId: goal.topic_id },
        ip,
      },
      trx,
    );
  });
}

/** A comment on the member's active plan, by the engineer or someone who leads them. */
export async function commentOnPlan(
  ctx: MemberContext,
  memberId: string,
  body: string,
  ip: string | null = null,
) {
  const member = await reachableMember(ctx, memberId);
  await db.transaction().execute(async (trx) => {
    const { plan } = await planForUpdate(trx, ctx.organization.id, member.id);
    if (!plan) throw invalid("There is no plan to comment on yet. Add a goal first.");
    const comment = await trx
      .insertInto("plan_comments")
      .values({
        organization_id: ctx.organization.id,
        plan_id: plan.id,
        author_user_id: ctx.user.id,
        body,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "plan.comment",
        objectType: "development_plan",
        objectId: plan.id,
        details: { memberId: member.id, commentId: comment.id },
        ip,
      },
      trx,
    );
  });
}

// The plan's people may seek a mentor for its goals: the engineer for their own, as their lead.
const planReach: MenteeReach = async (ctx, menteeId) => {
  const member = await reachableMember(ctx, menteeId);
  return { id: member.id, display_name: member.displayName, active: member.active };
};

/** Mentor suggestions for a goal (the mentoring module's ranking). */
export async function goalMentorSuggestions(ctx: MemberContext, memberId: string, goalId: string) {
  const member = await reachableMember(ctx, memberId);
  const goal = await goalOf(db, ctx.organization.id, member.id, goalId);
  return suggestMentors(ctx, member.id, goal.topic_id, 5, planReach);
}

/**
 * Links a mentor to a goal: an open mentorship between them on the goal's topic is linked;
 * otherwise one is proposed (the mentoring module's rules: capacity, not oneself, notified).
 */
export async function linkGoalMentor(
  ctx: MemberContext,
  memberId: string,
  input: { goalId: string; mentorId: string },
  ip: string | null = null,
) {
  const member = await reachableMember(ctx, memberId);
  const goal = await goalOf(db, ctx.organization.id, member.id, input.goalId);
  const existing = await db
    .selectFrom("mentorships")
    .select("id")
    .where("organization_id", "=", ctx.organization.id)
    .where("mentee_id", "=", member.id)
    .where("mentor_id", "=", input.mentorId)
    .where("topic_id", "=", goal.topic_id)
    .where("status", "in", ["proposed", "active"])
    .executeTakeFirst();
  const mentorshipId =
    existing?.id ??
    (
      await proposeMentorship(
        ctx,
        {
          mentorId: input.mentorId,
          menteeId: member.id,
          topicId: goal.topic_id,
          goalLevel: Math.max(1, goal.target_level),
          cadenceDays: 14,
          dueOn: null,
          overrideCapacity: false,
        },
        ip,
        planReach,
      )
    ).id;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("plan_goals")
      .set({ mentorship_id: mentorshipId })
      .where("id", "=", goal.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "plan.goal_mentor",
        objectType: "development_plan",
        objectId: goal.plan_id,
        details: { memberId: member.id, goalId: goal.id, mentorshipId },
        ip,
      },
      trx,
    );
  });
  return { mentorshipId };
}

/** Runs one form of a plan page for the member; returns the message the page shows. */
export async function runPlanIntent(
  ctx: MemberContext,
  memberId: string,
  input: PlanIntent,
  ip: string | null,
): Promise<string> {
  switch (input.intent) {
    case "add-goal":
      await addGoal(ctx, memberId, input, ip);
      return "Goal added to the plan.";
    case "remove-goal":
      await removeGoal(ctx, memberId, input.goalId, ip);
      return "Goal removed.";
    case "comment":
      await commentOnPlan(ctx, memberId, input.body, ip);
      return "Comment added.";
    case "mentor":
      await linkGoalMentor(ctx, memberId, input, ip);
      return "Mentor linked to the goal.";
  }
}
