import type { TargetPriority } from "#db/schema";

/** The priority of a topic's target, in the order the expectations list names them. */
export const PRIORITIES = [
  "must_have",
  "good_to_have",
  "advanced",
] as const satisfies readonly TargetPriority[];

export const PRIORITY_LABEL: Record<TargetPriority, string> = {
  must_have: "Must-have",
  good_to_have: "Good-to-have",
  advanced: "Advanced",
};
