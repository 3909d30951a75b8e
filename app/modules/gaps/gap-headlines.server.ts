import type { MemberContext } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { teamsLedBy } from "~/modules/accounts/teams.server";
import { resolveGapScope } from "./gap-scope.server";
import { gapSummary } from "./team-gaps.server";
import { calibrationQueue, pendingValidations } from "./validation.server";

export interface GapHeadline {
  /** The gap view's team filter: a team id, or "all" for the organisation. */
  team: string;
  name: string;
  members: number;
  topics: number;
  busFactorRisk: number;
  mustHave: { total: number; met: number };
  awaitingValidation: number;
  toCalibrate: number;
}

/**
 * The dashboard's figures for a lead: per team they lead (and, for admins, the whole
 * organisation) the bus-factor risks, must-have share and what waits for review.
 */
export async function gapHeadlines(ctx: MemberContext): Promise<GapHeadline[]> {
  if (!hasRole(ctx.membership.role, "lead")) return [];
  const led = await teamsLedBy(ctx.organization.id, ctx.membership.id);
  const views = [
    ...(hasRole(ctx.membership.role, "admin") ? [{ id: "all", name: "Whole organisation" }] : []),
    ...led,
  ];
  return Promise.all(
    views.map(async (view) => {
      const { scope } = await resolveGapScope(ctx, new URLSearchParams({ team: view.id }));
      const [summary, pending, calibration] = await Promise.all([
        gapSummary(scope),
        pendingValidations(scope),
        calibrationQueue(scope, 0),
      ]);
      return {
        team: view.id,
        name: view.name,
        members: summary.members,
        topics: summary.topics.length,
        busFactorRisk: summary.topics.filter((t) => t.busFactorRisk).length,
        mustHave: summary.mustHave,
        awaitingValidation: pending.length,
        toCalibrate: calibration.total,
      };
    }),
  );
}
