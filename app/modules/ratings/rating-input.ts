import { z } from "zod";
import { invalid } from "~/lib/errors.server";
import { MAX_TOPICS_PER_POST } from "~/lib/forms.server";

// What a rating write takes, whoever sends it: the self-assessment and validation forms map
// their fields into it, the REST API its JSON. One schema, so both say the same about the
// same input.

/** 0–4, or "na" for not applicable. */
export type RatingLevel = 0 | 1 | 2 | 3 | 4 | "na";

export interface RatingInput {
  topicId: string;
  /** null: nothing chosen for this topic (a radio group cannot be cleared): nothing changes. */
  level: RatingLevel | null;
  note: string | null;
  evidence: string[];
  /**
   * The rating the editor started from (null when the topic had none): a save whose base is
   * no longer the newest rating of that topic and source is refused for that topic. A lead
   * rating may leave it out (API callers that overwrite on purpose).
   */
  baseRatingId?: number | null;
}

const MAX_NOTE = 2000;
const MAX_COMMENT = 2000;
const MAX_EVIDENCE = 5;

const LEVEL_MESSAGE = "Choose a level from 0 to 4, or N/A.";

const level = z.literal([0, 1, 2, 3, 4, "na"], { error: LEVEL_MESSAGE }).nullable();

const evidenceUrl = z
  .string()
  .max(2000, "Links must be under 2,000 characters.")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.includes(".");
    } catch {
      return false;
    }
  }, "Each evidence link must be a full http(s) address, e.g. https://github.com/org/repo/pull/12.");

const text = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .transform((value) => value || null);

/** A member's own rating: a level, a note and evidence links. */
export const SelfRatingInputSchema = z.object({
  topicId: z.uuid(),
  level,
  note: text(MAX_NOTE, `Keep the note under ${MAX_NOTE} characters.`),
  evidence: z
    .array(evidenceUrl)
    .max(MAX_EVIDENCE, `At most ${MAX_EVIDENCE} evidence links per topic.`),
  baseRatingId: z.number().int().positive().nullable(),
}) satisfies z.ZodType<RatingInput>;

/** A lead's rating of a member: a level and a comment (the note), no evidence. */
export const LeadRatingInputSchema = SelfRatingInputSchema.extend({
  note: text(MAX_COMMENT, `Keep the comment under ${MAX_COMMENT} characters.`),
  evidence: z.array(z.string()).max(0),
  baseRatingId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
}) satisfies z.ZodType<RatingInput>;

/** The level as stored: 0–4, null for not applicable. */
export function storedLevel(value: RatingLevel): number | null {
  return value === "na" ? null : value;
}

/** A form's level field: "" nothing chosen, "na", or a digit; anything else fails the schema. */
export function levelFromField(value: string): unknown {
  if (value === "") return null;
  if (value === "na") return "na";
  return /^[0-4]$/.test(value) ? Number(value) : value;
}

/**
 * Validates every item; errors are collected for all of them, keyed by `fieldKey(index,
 * field)` with the schema's field name, and thrown together as one "invalid" error.
 */
export function parseRatingInputs<T>(
  items: unknown[],
  schema: z.ZodType<T>,
  fieldKey: (index: number, field: string) => string,
  message = "Please correct the highlighted topics.",
): T[] {
  if (items.length > MAX_TOPICS_PER_POST) throw invalid("Too many topics in one save.");
  const parsed: T[] = [];
  const fieldErrors: Record<string, string> = {};
  items.forEach((item, index) => {
    const result = schema.safeParse(item);
    if (result.success) parsed.push(result.data);
    else
      for (const issue of result.error.issues)
        fieldErrors[fieldKey(index, String(issue.path[0]))] ??= issue.message;
  });
  if (Object.keys(fieldErrors).length) throw invalid(message, fieldErrors);
  return parsed;
}
