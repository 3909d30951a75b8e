import { z } from "zod";
import { invalid, notFound } from "~/lib/errors.server";
import { PRIORITIES } from "~/modules/frameworks/priorities";
import {
  activePlan,
  addGoal,
  commentOnPlan,
  type DevelopmentPlan,
} from "~/modules/growth/development-plans.server";
import { reachableMember } from "~/modules/growth/member-reach.server";
import {
  CommentSchema,
  GoalSchema,
  MAX_GOALS,
  MAX_LEARNING_LINKS,
} from "~/modules/growth/plan-schemas";
import {
  memberReadiness,
  READINESS_SORTS,
  teamReadiness,
  type Readiness,
} from "~/modules/growth/readiness.server";
import { endpoint, id, level } from "../api-endpoint.server";

// Readiness and development plans, computed by the same modules as the pages.

const met = z.object({ met: z.number().int(), total: z.number().int() });

const ReadinessSchema = z.object({
  memberId: id,
  displayName: z.string(),
  ownProfile: z.object({ id, name: z.string() }).nullable(),
  profile: z
    .object({ id, name: z.string() })
    .nullable()
    .describe("The profile measured against: the next one up from theirs unless chosen."),
  isDefaultProfile: z.boolean(),
  mustHave: met.describe(
    "Targets met (level ≥ target); N/A topics left out, unrated ones not met.",
  ),
  goodToHave: met,
  advanced: met,
  unrated: z.number().int(),
  score: z.number().int().describe("Σ priority weight × levels short over rated topics."),
  ready: z.boolean().describe("Every must-have target met."),
  blocking: z.array(
    z.object({
      topicId: id,
      name: z.string(),
      category: z.string(),
      priority: z.enum(PRIORITIES),
      target: z.number().int(),
      level: z.number().int(),
      score: z.number().int(),
    }),
  ),
});

const PlanSchema = z.object({
  id,
  cycle: z.object({ id, name: z.string() }),
  goals: z.array(
    z.object({
      id,
      topicId: id,
      topicName: z.string(),
      targetLevel: z.number().int(),
      level,
      met: z.boolean(),
      dueCycle: z.object({ id, name: z.string() }),
      actions: z.string(),
      learningLinks: z.array(z.string()),
      resources: z.array(z.object({ title: z.string(), url: z.string(), level })),
      mentorship: z.object({ id, mentorName: z.string(), status: z.string() }).nullable(),
    }),
  ),
  comments: z.array(
    z.object({ id, author: z.string().nullable(), body: z.string(), createdAt: z.string() }),
  ),
});

const planJson = (plan: DevelopmentPlan | null) => ({ plan });
const readinessJson = (r: Readiness): z.input<typeof ReadinessSchema> => r;

/** Field errors keyed by path, as the dispatcher reports schema errors. */
function fieldErrors(error: z.ZodError) {
  return Object.fromEntries(error.issues.map((i) => [i.path.join("."), i.message]));
}

export const growthEndpoints = [
  endpoint({
    operationId: "getMemberReadiness",
    method: "GET",
    path: "/members/{memberId}/readiness",
    tag: "Growth",
    summary: "A member's readiness for a profile, with the trend over cycles",
    write: false,
    params: z.object({ memberId: id }),
    query: z.object({
      profile: id.optional().describe("Measure against this profile (default: the next one up)."),
    }),
    success: {
      status: 200,
      schema: z.object({
        readiness: ReadinessSchema,
        trend: z.array(
          z.object({
            cycleId: id,
            cycleName: z.string(),
            mustHaveMet: z.number().int(),
            mustHaveTotal: z.number().int(),
            score: z.number().int(),
          }),
        ),
      }),
    },
    async handle({ actor, params, query }) {
      const member = await reachableMember(actor, params.memberId);
      const { readiness, trend } = await memberReadiness(
        actor.organization.id,
        member.id,
        query.profile ?? null,
      );
      if (query.profile && readiness.profile?.id !== query.profile)
        throw notFound("Target profile");
      return { json: { readiness: readinessJson(readiness), trend } };
    },
  }),
  endpoint({
    operationId: "listReadiness",
    method: "GET",
    path: "/readiness",
    tag: "Growth",
    summary: "Readiness of every member of a team (or the organisation)",
    description:
      "The Team readiness table: each member against the next profile up from theirs, or `against` one profile for everyone. `ready` (how many have every must-have met) is null for groups under the organisation's privacy floor.",
    write: false,
    query: z.object({
      team: z
        .union([z.literal("all"), id])
        .optional()
        .describe("A team id, or `all` (default)."),
      profile: id.optional().describe("Only members with this target profile."),
      against: id.optional().describe("Measure everyone against this profile."),
      sort: z.enum(READINESS_SORTS).optional(),
    }),
    success: {
      status: 200,
      schema: z.object({
        members: z.array(ReadinessSchema),
        ready: z.number().int().nullable(),
      }),
    },
    async handle({ actor, query }) {
      const params = new URLSearchParams({ team: query.team ?? "all" });
      for (const key of ["profile", "against", "sort"] as const) {
        const value = query[key];
        if (value) params.set(key, value);
      }
      const table = await teamReadiness(actor, params);
      if (query.profile && table.filters.profile !== query.profile)
        throw notFound("Target profile");
      if (query.against && table.against !== query.against) throw notFound("Target profile");
      return {
        json: { members: table.rows.map(readinessJson), ready: table.summary?.ready ?? null },
      };
    },
  }),
  endpoint({
    operationId: "getMemberPlan",
    method: "GET",
    path: "/members/{memberId}/plan",
    tag: "Growth",
    summary: "A member's development plan for the open cycle",
    description: "`plan` is null when the member has none (or no cycle is open).",
    write: false,
    params: z.object({ memberId: id }),
    success: { status: 200, schema: z.object({ plan: PlanSchema.nullable() }) },
    async handle({ actor, params }) {
      const member = await reachableMember(actor, params.memberId);
      return { json: planJson(await activePlan(actor.organization.id, member.id)) };
    },
  }),
  endpoint({
    operationId: "addPlanGoal",
    method: "POST",
    path: "/members/{memberId}/plan/goals",
    tag: "Growth",
    summary: "Add a goal to a member's plan (the plan is made with its first goal)",
    description: `The form's rules: a topic in use in the framework, a target 0–4, the open or a planned cycle, at most ${MAX_GOALS} goals (409), the same topic once, learning links http(s) only.`,
    write: true,
    params: z.object({ memberId: id }),
    body: z.strictObject({
      topicId: id,
      targetLevel: z.number().int().min(0).max(4),
      dueCycleId: id,
      actions: z.string().max(2000).default(""),
      learningLinks: z.array(z.string()).max(MAX_LEARNING_LINKS).default([]),
    }),
    success: { status: 201, schema: z.object({ plan: PlanSchema.nullable() }) },
    async handle({ actor, params, body, ip }) {
      const member = await reachableMember(actor, params.memberId);
      const input = GoalSchema.safeParse(body);
      if (!input.success) throw invalid("The goal is not valid.", fieldErrors(input.error));
      const { planId } = await addGoal(actor, member.id, input.data, ip);
      return {
        status: 201,
        json: planJson(await activePlan(actor.organization.id, member.id)),
        auditObjectId: planId,
      };
    },
  }),
  endpoint({
    operationId: "commentOnPlan",
    method: "POST",
    path: "/members/{memberId}/plan/comments",
    tag: "Growth",
    summary: "Comment on a member's plan",
    write: true,
    params: z.object({ memberId: id }),
    body: z.strictObject({ body: z.string().max(2000) }),
    success: { status: 201, schema: z.object({ plan: PlanSchema.nullable() }) },
    async handle({ actor, params, body, ip }) {
      const member = await reachableMember(actor, params.memberId);
      const input = CommentSchema.safeParse(body);
      if (!input.success) throw invalid("The comment is not valid.", fieldErrors(input.error));
      await commentOnPlan(actor, member.id, input.data.body, ip);
      const plan = await activePlan(actor.organization.id, member.id);
      return { status: 201, json: planJson(plan), auditObjectId: plan?.id ?? null };
    },
  }),
];
