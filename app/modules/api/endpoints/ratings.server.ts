import { z } from "zod";
import { db } from "#db/database";
import { AppError, conflict, invalid, notFound } from "~/lib/errors.server";
import { MAX_TOPICS_PER_POST } from "~/lib/forms.server";
import { saveLeadRatings } from "~/modules/ratings/lead-ratings.server";
import {
  LeadRatingInputSchema,
  parseRatingInputs,
  SelfRatingInputSchema,
  type RatingLevel,
} from "~/modules/ratings/rating-input";
import { saveSelfRatings } from "~/modules/ratings/self-ratings.server";
import {
  cursor,
  endpoint,
  id,
  isoTime,
  level,
  pageFrom,
  pageOf,
  pageQuery,
} from "../api-endpoint.server";

const source = z.enum(["self", "lead"]);

const RatingSchema = z.object({
  id: z.number().int(),
  cycleId: id,
  memberId: id,
  topicId: id,
  source,
  level: level.describe("0–4, or null for not applicable."),
  note: z.string().nullable(),
  evidence: z.array(z.string()),
  ratedAt: isoTime,
});

/** The API's level (null = N/A) as a rating's. */
const ratingLevel = (value: number | null) => (value === null ? "na" : value) as RatingLevel;

const INVALID = "Some ratings are not valid.";

function duplicateTopics(topicIds: string[]) {
  const seen = new Set<string>();
  const errors: Record<string, string> = {};
  topicIds.forEach((topicId, index) => {
    if (seen.has(topicId))
      errors[`ratings.${index}.topicId`] = "This topic appears twice in one save.";
    seen.add(topicId);
  });
  if (Object.keys(errors).length) throw invalid("Each topic may appear once.", errors);
}

async function activeMember(organizationId: string, memberId: string) {
  const member = await db
    .selectFrom("memberships")
    .select(["id", "user_id", "active"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", memberId)
    .executeTakeFirst();
  if (!member) throw notFound("Member");
  if (!member.active) throw conflict("This member is deactivated; their ratings are read-only.");
  return member;
}

export const ratingEndpoints = [
  endpoint({
    operationId: "listRatings",
    method: "GET",
    path: "/ratings",
    tag: "Ratings",
    summary: "List ratings",
    description:
      "By default each member's newest self and lead rating per topic (what the gap view shows); `history=true` lists every rating ever saved (ratings are append-only).",
    write: false,
    query: z.object({
      ...pageQuery,
      cursor: cursor(/^\d{1,15}$/),
      cycle: id.optional().describe("Only ratings saved in this cycle."),
      member: id.optional(),
      topic: id.optional(),
      source: source.optional(),
      history: z
        .enum(["true", "false"])
        .transform((v) => v === "true")
        .optional(),
    }),
    success: { status: 200, schema: pageOf(RatingSchema) },
    async handle({ principal, query }) {
      let rows = db
        .selectFrom("ratings as r")
        .select([
          "r.id",
          "r.cycle_id",
          "r.member_id",
          "r.topic_id",
          "r.source",
          "r.level",
          "r.note",
          "r.evidence_urls",
          "r.created_at",
        ])
        .where("r.organization_id", "=", principal.organizationId);
      if (!query.history)
        rows = rows.where((eb) =>
          eb.exists(
            eb
              .selectFrom("current_levels as cl")
              .select("cl.topic_id")
              .whereRef("cl.member_id", "=", "r.member_id")
              .whereRef("cl.topic_id", "=", "r.topic_id")
              .where((eb) =>
                eb.or([
                  eb("cl.self_rating_id", "=", eb.ref("r.id")),
                  eb("cl.lead_rating_id", "=", eb.ref("r.id")),
                ]),
              ),
          ),
        );
      if (query.cycle) rows = rows.where("r.cycle_id", "=", query.cycle);
      if (query.member) rows = rows.where("r.member_id", "=", query.member);
      if (query.topic) rows = rows.where("r.topic_id", "=", query.topic);
      if (query.source) rows = rows.where("r.source", "=", query.source);
      if (query.cursor) rows = rows.where("r.id", ">", Number(query.cursor));
      const found = await rows
        .orderBy("r.id")
        .limit(query.limit + 1)
        .execute();
      const page = pageFrom(found, query.limit, (r) => String(r.id));
      return {
        json: {
          ...page,
          data: page.data.map((r) => ({
            id: r.id,
            cycleId: r.cycle_id,
            memberId: r.member_id,
            topicId: r.topic_id,
            source: r.source,
            level: r.level,
            note: r.note,
            evidence: r.evidence_urls,
            ratedAt: r.created_at.toISOString(),
          })),
        },
      };
    },
  }),
  endpoint({
    operationId: "saveSelfRatings",
    method: "POST",
    path: "/ratings/self",
    tag: "Ratings",
    summary: "Save a member's self ratings in the open cycle",
    description:
      "The same rules as the self-assessment page: only while a cycle is open and the member's assessment is a draft; topics of the cycle's framework version; ratings are appended, never overwritten. `baseRatingId` is the id of the rating you are replacing (from GET /ratings), or null when the topic has none: when someone saved a newer rating meanwhile, that topic is not written and comes back under `conflicts`.",
    write: true,
    body: z.strictObject({
      memberId: id,
      ratings: z
        .array(
          z.strictObject({
            topicId: id,
            level,
            note: z.string().default(""),
            evidence: z.array(z.string()).default([]),
            baseRatingId: z.number().int().positive().nullable().default(null),
          }),
        )
        .min(1, "Send at least one rating.")
        .max(MAX_TOPICS_PER_POST),
    }),
    success: {
      status: 200,
      schema: z.object({
        saved: z.array(z.object({ topicId: id, ratingId: z.number().int() })),
        conflicts: z.array(
          z.object({
            topicId: id,
            topicName: z.string(),
            theirs: z.object({
              ratingId: z.number().int(),
              ratedAt: isoTime,
              level,
              note: z.string().nullable(),
              evidence: z.array(z.string()),
            }),
            yours: z.object({ level, note: z.string().nullable(), evidence: z.array(z.string()) }),
          }),
        ),
      }),
    },
    async handle({ principal, body }) {
      duplicateTopics(body.ratings.map((r) => r.topicId));
      const ratings = parseRatingInputs(
        body.ratings.map((r) => ({ ...r, level: ratingLevel(r.level) })),
        SelfRatingInputSchema,
        (i, field) => `ratings.${i}.${field}`,
        INVALID,
      );
      const member = await activeMember(principal.organizationId, body.memberId);
      const result = await saveSelfRatings(
        { organizationId: principal.organizationId, memberId: member.id, userId: member.user_id },
        ratings,
      );
      return { json: result, auditObjectId: member.id };
    },
  }),
  endpoint({
    operationId: "saveLeadRatings",
    method: "POST",
    path: "/ratings/lead",
    tag: "Ratings",
    summary: "Save lead ratings on a submitted assessment, and optionally validate it",
    description:
      "The same rules as the validation page, in the name of the admin who created the token: only on a submitted assessment in the open cycle. Each rating listed is a judgement of the lead's; topics not listed get no lead rating. `baseRatingId` (optional) is the lead rating your change starts from (null when the topic had none): when another lead rated the topic since, the save is refused (422) and nothing is written. With `validate: true` the assessment becomes validated; topics without a lead level from this cycle keep the member's own level, and `withoutLeadLevel` says how many there are.",
    write: true,
    body: z.strictObject({
      memberId: id,
      // Empty with `validate: true` validates what is already there.
      ratings: z
        .array(
          z.strictObject({
            topicId: id,
            level,
            comment: z.string().default(""),
            baseRatingId: z
              .number()
              .int()
              .positive()
              .max(Number.MAX_SAFE_INTEGER)
              .nullable()
              .optional(),
          }),
        )
        .max(MAX_TOPICS_PER_POST)
        .default([]),
      validate: z.boolean().default(false),
    }),
    success: {
      status: 200,
      schema: z.object({
        ratingsAdded: z.number().int(),
        validated: z.boolean(),
        withoutLeadLevel: z.number().int(),
      }),
    },
    async handle({ actor, body, ip }) {
      duplicateTopics(body.ratings.map((r) => r.topicId));
      const ratings = parseRatingInputs(
        body.ratings.map((r) => ({
          topicId: r.topicId,
          level: ratingLevel(r.level),
          note: r.comment,
          evidence: [],
          baseRatingId: r.baseRatingId,
        })),
        LeadRatingInputSchema,
        (i, field) => `ratings.${i}.${field === "note" ? "comment" : field}`,
        INVALID,
      );
      await activeMember(actor.organization.id, body.memberId);
      const result = await saveLeadRatings(actor, body.memberId, ratings, {
        markValidated: body.validate,
        ip,
      }).catch((error: unknown) => {
        // The module names a topic's field `lead.<topicId>`; the API names its item.
        if (error instanceof AppError && error.kind === "invalid") {
          const index = new Map(body.ratings.map((r, i) => [`lead.${r.topicId}`, i]));
          const errors = Object.entries(error.fieldErrors).map(([key, message]) => [
            index.has(key) ? `ratings.${index.get(key)}.level` : key,
            message,
          ]);
          throw invalid(INVALID, Object.fromEntries(errors));
        }
        throw error;
      });
      return { json: result, auditObjectId: body.memberId };
    },
  }),
];
