import { z } from "zod";

// The inputs of a development plan, shared by the pages' forms and the API (client-safe).

export const MAX_GOALS = 5;
export const MAX_LEARNING_LINKS = 5;

const httpUrl = z
  .string()
  .trim()
  .max(2000, "Keep each link under 2,000 characters.")
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "Links must be web addresses starting with http:// or https://.");

/** One link per line in a form; an array in the API. */
const learningLinks = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) =>
    (Array.isArray(v) ? v : (v ?? "").split(/\r?\n/)).map((line) => line.trim()).filter(Boolean),
  )
  .pipe(z.array(httpUrl).max(MAX_LEARNING_LINKS, `At most ${MAX_LEARNING_LINKS} links per goal.`));

export const GoalSchema = z.object({
  topicId: z.uuid({ error: "Choose a topic." }),
  targetLevel: z.coerce
    .number({ error: "Choose a target level from 0 to 4." })
    .int("Choose a target level from 0 to 4.")
    .min(0, "Choose a target level from 0 to 4.")
    .max(4, "Choose a target level from 0 to 4."),
  dueCycleId: z.uuid({ error: "Choose the cycle by which to reach it." }),
  actions: z
    .string()
    .trim()
    .max(2000, "Keep the actions under 2,000 characters.")
    .optional()
    .transform((v) => v ?? ""),
  learningLinks,
});
export type GoalInput = z.infer<typeof GoalSchema>;

export const CommentSchema = z.object({
  body: z
    .string({ error: "Write a comment." })
    .trim()
    .min(1, "Write a comment.")
    .max(2000, "Keep the comment under 2,000 characters."),
});

export const GoalMentorSchema = z.object({
  goalId: z.uuid({ error: "Choose a goal." }),
  mentorId: z.uuid({ error: "Choose a mentor." }),
});

/** The forms of a plan page, one intent each. */
export const PlanIntentSchema = z.discriminatedUnion("intent", [
  GoalSchema.extend({ intent: z.literal("add-goal") }),
  z.object({ intent: z.literal("remove-goal"), goalId: z.uuid({ error: "Choose a goal." }) }),
  CommentSchema.extend({ intent: z.literal("comment") }),
  GoalMentorSchema.extend({ intent: z.literal("mentor") }),
]);
export type PlanIntent = z.infer<typeof PlanIntentSchema>;
