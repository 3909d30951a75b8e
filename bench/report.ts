// Quarterly report generation, timed as the report scan and the on-demand button run it:
// generateReport for the whole organisation (and one team, for comparison) on the newest
// closed cycle, against the one before it.
import { generateReport } from "~/modules/reports/generate-report.server";
import { latencyStats, sampleTimes, type LatencyStats } from "./stats";

export interface ReportTimes {
  organization: LatencyStats & { runsMs: number[] };
  team: LatencyStats;
}

export async function measureReports(input: {
  organizationId: string;
  cycleId: string;
  teamId: string;
  runs: number;
}): Promise<ReportTimes> {
  const make = (teamId: string | null) =>
    generateReport({
      organizationId: input.organizationId,
      cycleId: input.cycleId,
      teamId,
      generatedByUserId: null,
    });
  const organization = await sampleTimes(input.runs, () => make(null));
  const team = await sampleTimes(input.runs, () => make(input.teamId));
  return {
    organization: {
      ...latencyStats(organization),
      runsMs: organization.map((ms) => Math.round(ms)),
    },
    team: latencyStats(team),
  };
}
