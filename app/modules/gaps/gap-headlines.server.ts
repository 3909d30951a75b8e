import type { MemberContext } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { viewableTeams } from "~/modules/accounts/visibility.server";
import { openCycleCompletion } from "~/modules/assessments/cycle-status.server";
import { todayIn } from "~/modules/assessments/cycle-calendar";
import { resolveGapScope } from "./gap-scope.server";
import { gapSummary, mustHaveTrend } from "./team-gaps.server";
import { calibrationQueue, pendingValidations } from "./validation.server";

export interface GapHeadline {
  /** The gap view's team filter: a team id, or "all" for the organisation. */
  team: string;
  name: string;
  members: number;
  topics: number;
  /** People × topics with a level: 0 in an organisation nobody has rated in yet. */
  rated: number;
  /** The open cycle's submitted (or validated) assessments and overdue ones; null when none is open. */
  completion: { done: number; people: number; overdue: number } | null;
  busFactorRisk: number;
  /** null: withheld under the privacy floor. */
  mustHave: { total: number; met: number } | null;
  /** Must-have targets met as the newest closed cycle recorded them; null when there is none
   * or the view is below the privacy floor (as the gap view's trend). */
  mustHaveBefore: { cycleName: string; total: number; met: number } | null;
  awaitingValidation: number;
  toCalibrate: number;
}

export interface GapHeadlines {
  /** The open cycle the completion figures are about. */
  openCycle: { name: string; dueOn: string } | null;
  /** The whole organisation (admins only). */
  organisation: GapHeadline | null;
  /** Must-have targets met over the cycles, organisation-wide (admins; empty below the floor). */
  trend: Awaited<ReturnType<typeof mustHaveTrend>>;
  /** Per team the viewer may see: all of them for admins, the teams they lead for leads. */
  teams: GapHeadline[];
}

/**
 * The dashboard's team comparison for a lead: per team they may see (and, for admins, the
 * whole organisation with its trend) open-cycle completion, must-have share now and at the
 * last closed cycle, bus-factor risks and what waits for review. Every figure is the gap
 * view's own (gapSummary, mustHaveTrend, calibrationQueue, pendingValidations) or the open
 * cycle's completion.
 */
export async function gapHeadlines(ctx: MemberContext): Promise<GapHeadlines> {
  const none: GapHeadlines = { openCycle: null, organisation: null, trend: [], teams: [] };
  if (!hasRole(ctx.membership.role, "lead")) return none;
  const isAdmin = hasRole(ctx.membership.role, "admin");
  const [teams, completion] = await Promise.all([
    viewableTeams(ctx),
    openCycleCompletion(ctx.organization.id, todayIn(ctx.organization.timeZone)),
  ]);
  const views = [...(isAdmin ? [{ id: "all", name: "Whole organisation" }] : []), ...teams];
  const headlines = await Promise.all(
    views.map(async (view) => {
      const { scope } = await resolveGapScope(ctx, new URLSearchParams({ team: view.id }));
      const [summary, pending, calibration] = await Promise.all([
        gapSummary(scope),
        pendingValidations(scope),
        calibrationQueue(scope, 0),
      ]);
      const trend = summary.mustHave ? await mustHaveTrend(scope, summary.mustHave) : [];
      // The trend ends with the open cycle (today's levels) when one is open.
      const closed = trend.filter((p) => p.cycleId !== completion?.cycle.id);
      const before = closed.at(-1);
      const counts = completion?.rows.find((r) => r.team === (scope.teamId ?? null));
      const headline: GapHeadline = {
        team: view.id,
        name: view.name,
        members: summary.members,
        topics: summary.topics.length,
        rated: summary.topics.reduce((sum, t) => sum + t.rated, 0),
        completion: completion
          ? {
              done: counts?.done ?? 0,
              people: counts?.people ?? 0,
              overdue: counts?.overdue ?? 0,
            }
          : null,
        busFactorRisk: summary.topics.filter((t) => t.busFactorRisk).length,
        mustHave: summary.mustHave,
        mustHaveBefore: before
          ? { cycleName: before.cycleName, total: before.total, met: before.met }
          : null,
        awaitingValidation: pending.length,
        toCalibrate: calibration.total,
      };
      return { headline, trend };
    }),
  );
  const organisation = isAdmin ? headlines[0]! : null;
  return {
    openCycle: completion ? { name: completion.cycle.name, dueOn: completion.cycle.dueOn } : null,
    organisation: organisation?.headline ?? null,
    trend: organisation?.trend ?? [],
    teams: headlines.slice(isAdmin ? 1 : 0).map((h) => h.headline),
  };
}
