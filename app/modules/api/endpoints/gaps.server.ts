import { z } from "zod";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { PRIORITY_WEIGHT } from "~/modules/gaps/gap-formula";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary, heatmap, HEATMAP_PAGE_SIZE, topGaps } from "~/modules/gaps/team-gaps.server";
import { PRIORITIES } from "~/modules/frameworks/priorities";
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
  profile: id.optional().describe("Only members with this target profile."),
});

/** The gap scope for the API's filters; a filter naming nothing in this organisation is a 404. */
async function scopeFor(actor: MemberContext, query: z.output<typeof filters>) {
  const params = new URLSearchParams(
    Object.entries(query).flatMap(([k, v]) =>
      typeof v === "string" && k in filters.shape ? [[k, v]] : [],
    ),
  );
  if (!query.team) params.set("team", "all");
  const { scope } = await resolveGapScope(actor, params);
  if (query.category && scope.categoryId !== query.category) throw notFound("Category");
  if (query.profile && scope.profileId !== query.profile) throw notFound("Target profile");
  return scope;
}

const TopicGapSchema = z.object({
  topicId: id,
  name: z.string(),
  categoryId: id,
  rated: z.number().int(),
  notApplicable: z.number().int(),
  unrated: z.number().int(),
  withTarget: z.number().int().describe("People with both a target and a level."),
  met: z
    .number()
    .int()
    .describe("Of those, people at or above their target: coverage = met / withTarget."),
  proficient: z.number().int().describe("People at Proficient (3) or above."),
  affected: z.number().int().describe("People below their target."),
  mentored: z.number().int().describe("Of those, people an active mentorship covers."),
  score: z.number().describe("Σ priority weight × shortfall over the people affected."),
  averageLevel: z.number().nullable(),
  busFactorRisk: z.boolean().describe("One person or nobody at Proficient or above."),
  capability: z
    .object({
      minPeople: z.number().int(),
      minLevel: z.number().int(),
      atLevel: z.number().int(),
      met: z.boolean(),
    })
    .nullable(),
});

const GapsSchema = z.object({
  members: z.number().int(),
  mustHave: z.object({ total: z.number().int(), met: z.number().int() }),
  busFactorRisks: z.number().int(),
  priorityWeights: z.record(z.string(), z.number()),
  /** Hidden (empty) when the scope has fewer people than the organisation's privacy floor. */
  categories: z.array(
    z.object({
      categoryId: id,
      name: z.string(),
      averageGap: z.number().nullable(),
      averageLevel: z.number().nullable(),
      averageTarget: z.number().nullable(),
      levels: z.array(z.number().int()).length(5),
      notApplicable: z.number().int(),
      unrated: z.number().int(),
      mustHaveTotal: z.number().int(),
      mustHaveMet: z.number().int(),
    }),
  ),
  categoriesHidden: z.boolean(),
  topics: z.array(TopicGapSchema),
  topGaps: z.array(TopicGapSchema),
});

const HeatmapSchema = z.object({
  topics: z.array(z.object({ id, name: z.string(), categoryId: id })),
  members: z.array(
    z.object({
      id,
      name: z.string(),
      title: z.string().nullable(),
      profile: z.string().nullable(),
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
      "The gap view's figures. Top gaps are ranked by score = Σ priority weight × shortfall over the people below target (weights in `priorityWeights`).",
    write: false,
    query: filters,
    success: { status: 200, schema: GapsSchema },
    async handle({ actor, query }) {
      const summary = await gapSummary(await scopeFor(actor, query));
      return {
        json: {
          members: summary.members,
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
      const map = await heatmap(await scopeFor(actor, query), { page });
      return {
        json: {
          topics: map.topics,
          members: map.members.map((m) => ({
            id: m.id,
            name: m.displayName,
            title: m.title,
            profile: m.profile,
            cells: m.cells,
          })),
          totalMembers: map.totalMembers,
          nextCursor: page < map.pages ? cursorFor(String(page + 1)) : null,
        },
      };
    },
  }),
];
