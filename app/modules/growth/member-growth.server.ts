import { z } from "zod";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { activePlan, goalChoices, goalMentorSuggestions } from "./development-plans.server";
import { reachableMember } from "./member-reach.server";
import { memberReadiness } from "./readiness.server";

// What a member's growth page shows (the engineer's "Next level", the lead's member page):
// readiness for the chosen profile, the plan, what a goal may be set on, and mentor
// suggestions for the goal the viewer asked about.

const PageQuery = z.object({
  profile: z.uuid().optional().catch(undefined),
  mentorsFor: z.uuid().optional().catch(undefined),
});

export async function memberGrowth(ctx: MemberContext, memberId: string, params: URLSearchParams) {
  const member = await reachableMember(ctx, memberId);
  const query = PageQuery.parse({
    profile: params.get("profile") || undefined,
    mentorsFor: params.get("mentorsFor") || undefined,
  });
  const [{ readiness, trend, profiles }, plan, choices] = await Promise.all([
    memberReadiness(ctx.organization.id, member.id, query.profile ?? null),
    activePlan(ctx.organization.id, member.id),
    goalChoices(ctx.organization.id),
  ]);
  // Suggestions for a goal that has no mentor yet.
  const mentorsFor = plan?.goals.find((g) => g.id === query.mentorsFor && !g.mentorship) ?? null;
  const suggestions = mentorsFor ? await goalMentorSuggestions(ctx, member.id, mentorsFor.id) : [];
  return {
    member,
    readiness,
    trend,
    profiles,
    plan,
    choices,
    mentors: mentorsFor
      ? { goalId: mentorsFor.id, topicName: mentorsFor.topicName, suggestions }
      : null,
  };
}

export type MemberGrowth = Awaited<ReturnType<typeof memberGrowth>>;
