import type { ReportChange } from "#db/schema";

// How a member × topic level moved between two cycles, in words (client-safe).
export const CHANGE_LABEL: Record<ReportChange, string> = {
  improved: "Improved",
  regressed: "Regressed",
  unchanged: "Unchanged",
  stale: "Stale (not re-rated lately)",
  new: "Rated for the first time",
  not_rated: "Not rated",
};
