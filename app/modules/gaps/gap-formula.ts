import type { TargetPriority } from "#db/schema";

// Shared by the SQL that ranks gaps and the page that explains the ranking.

/** How much a shortfall on a topic weighs, by the topic's priority in the member's profile. */
export const PRIORITY_WEIGHT: Record<TargetPriority, number> = {
  must_have: 3,
  good_to_have: 2,
  advanced: 1,
};

/** Proficient (3) or above is what "someone who can carry this topic" means for bus factor. */
export const PROFICIENT = 3;

/** A topic is at bus-factor risk when this many people or fewer are Proficient or above. */
export const BUS_FACTOR_RISK_AT = 1;

/**
 * Self and lead differing by this many levels or more go to the calibration queue. (The index
 * that finds them, current_levels_calibration in migration 0020, is made for 2: a new value
 * needs a new index to stay fast.)
 */
export const CALIBRATION_DIFFERENCE = 2;

export const GAP_FORMULA_TEXT =
  "Score = Σ over the people below target of (priority weight × levels short). " +
  "Weights: must-have 3, good-to-have 2, advanced 1. " +
  "A person's level is their lead's where the lead has validated their latest rating, else " +
  "their own; " +
  "N/A and unrated topics are left out.";
