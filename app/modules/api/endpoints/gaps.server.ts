import { z } from "zod";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { PRIORITY_WEIGHT } from "~/modules/gaps/gap-formula";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary, heatmap, HEATMAP_PAGE_SIZE, topGaps } from "~/modules/gaps/team-gaps.server";
import { PRIORITIES } from "~/modules/frameworks/priorities";
import { WITHHELD_DESCRIPTION } from "~/modules/gaps/privacy-floor";
import { cursor, cursorFor, endpoint, id, level } from "../api-endpoint.server";

// The gap view's figures, computed by the same modules as the page, so the API and the UI
// always agree.

const filters = z.object({
  team: z
    .union([z.literal("all"), id])
    .optional()
    .describe("A team id, or `all` for the whole organisation (the default)."),
  category: id.optional(),
  priority: z.enum(PRIORITIES).optional(),
  profile: id
    .optional()
    .describe("People on profile: only members whose own target profile is this one."),
  compare: id
    .optional()
    .describe(
      "Compare against: measure everyone in view against this target profile's targets (levels, people and filters unchanged). Default: each person against their own profile.",
    ),
});

/** The gap scope for the API's filters; a filter naming nothing in this organisation is a 404. */
async function scopeFor(actor: MemberContext, query: z.output<typeof filters>) {
  const params = new URLSearchParams(
    Object.entries(query).flatMap(([k, v]) =>
      typeof v === "string" && k in filters.shape ? [[k, v]] : [],
    ),
  );
  if (!query.team) params.set("team", "all");
  const { scope, options } = await resolveGapScope(actor, params);
  if (query.category && scope.categoryId !== query.category) throw notFound("Category");
  if (query.profile && scope.profileId !== query.profile) throw notFound("Target profile");
  if (query.compare && scope.compareProfileId !== query.compare) throw notFound("Target profile");
  return { scope, comparedAgainst: options.profiles.find((p) => p.id === query.compare) ?? null };
}

const ComparedAgainstSchema = z
  .object({ id, name: z.string() })
  .nullable()
  .describe("The yardstick in force: the `compare` profile, or null for each person's own.");

const TopicGapSchema = z.object({
  topicId: id,
  name: z.string(),
  categoryId: id,
  rated: z.number().int(),
  notApplicable: z.number().int(),
  unrated: z.number().int(),
  withheld: z.boolean().describe(WITHHELD_DESCRIPTION),
  withTarget: z.number().int().nullable().describe("People with both a target and a level."),
  met: z
    .number()
    .int()
    .nullable()
    .describe("Of those, people at or above their target: coverage = met / withTarget."),
  proficient: z.number().int().nullable().describe("People at Proficient (3) or above."),
  affected: z.number().int().nullable().describe("People below their target."),
  mentored: z.number().int().nullable().describe("Of those, people an active mentorship covers."),
  score: z.number().nullable().describe("Σ priority weight × shortfall over the people affected."),
  averageLevel: z.number().nullable(),
  busFactorRisk: z
    .boolean()
    .nullable()
    .describe("One person or nobody at Proficient or above (null when withheld)."),
  capability: z
    .object({
      minPeople: z.number().int(),
      minLevel: z.number().int(),
      atLevel: z.number().int().nullable(),
      met: z.boolean().nullable(),
    })
    .nullable(),
});

const GapsSchema = z.object({
  comparedAgainst: ComparedAgainstSchema,
  members: z.number().int(),
  raters: z.number().int().describe("People in view with a level on at least one topic in view."),
  privacyFloor: z.number().int().describe("The organisation's privacy floor (ADR 015)."),
  withheld: z
    .boolean()
    .describe(
      `The view's totals (\`mustHave\`) and categories are withheld. ${WITHHELD_DESCRIPTION}`,
    ),
  mustHave: z
    .object({ total: z.number().int(), met: z.number().int() })
    .nullable()
    .describe("Over the topics whose figures are shown; null when withheld."),
  busFactorRisks: z.number().int().describe("Topics at risk, of those whose figures are shown."),
  priorityWeights: z.record(z.string(), z.number()),
  categories: z
    .array(
      z.object({
        categoryId: id,
        name: z.string(),
        withheld: z.boolean().describe(WITHHELD_DESCRIPTION),
        averageGap: z.number().nullable(),
        averageLevel: z.number().nullable(),
        averageTarget: z.number().nullable(),
        levels: z.array(z.number().int()).length(5).nullable(),
        notApplicable: z.number().int(),
        unrated: z.number().int(),
        mustHaveTotal: z.number().int().nullable(),
        mustHaveMet: z.number().int().nullable(),
      }),
    )
    .describe(
      "Over the category's topics whose own figures are shown; empty when the view is withheld.",
    ),
  categoriesHidden: z.boolean().describe("Deprecated: the same as `withheld`."),
  topics: z.array(TopicGapSchema),
  topGaps: z.array(TopicGapSchema),
});

const HeatmapSchema = z.object({
  comparedAgainst: ComparedAgainstSchema,
  topics: z.array(z.object({ id, name: z.string(), categoryId: id })),
  members: z.array(
    z.object({
      id,
      name: z.string(),
      title: z.string().nullable(),
      profile: z.string().nullable().describe("The member's own target profile."),
      below: z.number().int().describe("Topics below the yardstick's target."),
      shortfall: z.number().int().describe("Σ priority weight × shortfall over those topics."),
      cells: z
        .array(
          z
            .object({
              level,
              source: z.enum(["self", "lead"]),
              stale: z.boolean(),
              target: z.number().int().nullable(),
              priority: z.enum(PRIORITIES).nullable(),
              mentored: z.boolean(),
            })
            .nullable(),
        )
        .describe("Aligned with `topics`; null where the member has not rated the topic."),
    }),
  ),
  totalMembers: z.number().int(),
  nextCursor: z.string().nullable(),
});

export const gapEndpoints = [
  endpoint({
    operationId: "getGaps",
    method: "GET",
    path: "/gaps",
    tag: "Gaps",
    summary: "Coverage, bus factor and ranked top gaps for a team or the organisation",
    description:
      "The gap view's figures. Top gaps are ranked by score = Σ priority weight × shortfall over the people below target (weights in `priorityWeights`). Targets are each person's own profile's, or with `compare` one profile's for everyone in view.",
    write: false,
    query: filters,
    success: { status: 200, schema: GapsSchema },
    async handle({ actor, query }) {
      const { scope, comparedAgainst } = await scopeFor(actor, query);
      const summary = await gapSummary(scope);
      return {
        json: {
          comparedAgainst,
          members: summary.members,
          raters: summary.raters,
          privacyFloor: scope.privacyFloor,
          withheld: summary.chartsHidden,
          mustHave: summary.mustHave,
          busFactorRisks: summary.topics.filter((t) => t.busFactorRisk).length,
          priorityWeights: PRIORITY_WEIGHT,
          categories: summary.chartsHidden ? [] : summary.categories,
          categoriesHidden: summary.chartsHidden,
          topics: summary.topics,
          topGaps: topGaps(summary),
        },
      };
    },
  }),
  endpoint({
    operationId: "getHeatmap",
    method: "GET",
    path: "/gaps/heatmap",
    tag: "Gaps",
    summary: "The heatmap: members × topics with each member's shown level and target",
    description: `Pages of ${HEATMAP_PAGE_SIZE} members by name; follow \`nextCursor\`.`,
    write: false,
    query: filters.extend({ cursor: cursor(/^[1-9]\d{0,5}$/) }),
    success: { status: 200, schema: HeatmapSchema },
    async handle({ actor, query }) {
      const page = query.cursor ? Number(query.cursor) : 1;
      const { scope, comparedAgainst } = await scopeFor(actor, query);
      const map = await heatmap(scope, { page });
      return {
        json: {
          comparedAgainst,
          topics: map.topics,
          members: map.members.map((m) => ({
            id: m.id,
            name: m.displayName,
            title: m.title,
            profile: m.profile,
            below: m.below,
            shortfall: m.shortfall,
            cells: m.cells,
          })),
          totalMembers: map.totalMembers,
          nextCursor: page < map.pages ? cursorFor(String(page + 1)) : null,
        },
      };
    },
  }),
];
