import { z } from "zod";
import { db } from "#db/database";
import { forbidden, notFound } from "~/lib/errors.server";
import { memoInRequest } from "~/lib/request-scope.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { PRIORITIES } from "~/modules/frameworks/priorities";
import { cachedForOrganization } from "./gap-cache.server";
import type { GapFilters, GapScope } from "./gap-scope";
import { viewableTeams } from "~/modules/accounts/visibility.server";

const ORGANISATION = "all";

// A malformed value in a shared link is dropped rather than failing the page.
const FiltersSchema = z.object({
  team: z
    .union([z.literal(ORGANISATION), z.uuid()])
    .optional()
    .catch(undefined),
  category: z.uuid().optional().catch(undefined),
  priority: z.enum(PRIORITIES).optional().catch(undefined),
  profile: z.uuid().optional().catch(undefined),
  compare: z.uuid().optional().catch(undefined),
});

function readFilters(params: URLSearchParams) {
  const value = (name: string) => params.get(name) || undefined;
  return FiltersSchema.parse({
    team: value("team"),
    category: value("category"),
    priority: value("priority"),
    profile: value("profile"),
    compare: value("compare"),
  });
}

/**
 * Resolves the URL's filters into a scope the viewer may see. No team chosen → the first team
 * they lead (admins: the whole organisation). A team they do not lead, or another
 * organisation's, is not found; an unknown category or profile is ignored.
 */
export function resolveGapScope(ctx: MemberContext, params: URLSearchParams) {
  // The gap view's layout and page loaders both resolve the same URL in one request.
  return memoInRequest(
    `gap-scope:${ctx.organization.id}:${ctx.membership.id}:${params.toString()}`,
    () => computeGapScope(ctx, params),
  );
}

/**
 * What the viewer may choose from: the teams they may see, the organisation's settings and
 * framework, its categories and target profiles. Kept between requests while the
 * organisation's data (levels aside) is unchanged (gap-cache.server.ts).
 */
function scopeChoices(ctx: MemberContext) {
  return cachedForOrganization(
    ctx.organization.id,
    ["gapScopeChoices", ctx.membership.id, ctx.membership.role],
    async () => {
      const [teams, org] = await Promise.all([
        viewableTeams(ctx),
        db
          .selectFrom("organizations as o")
          .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
          .select([
            "o.privacy_floor",
            "o.stale_after_days",
            "f.id as framework_id",
            "f.current_version_id",
          ])
          .where("o.id", "=", ctx.organization.id)
          .executeTakeFirst(),
      ]);
      const versionId = org?.current_version_id;
      if (!org || !versionId) return { teams, org: null, categories: [], profiles: [] };
      const [categories, profiles] = await Promise.all([
        db
          .selectFrom("category_revisions")
          .select(["category_id as id", "name"])
          .where("organization_id", "=", ctx.organization.id)
          .where("framework_version_id", "=", versionId)
          .orderBy("position")
          .execute(),
        db
          .selectFrom("target_profiles")
          .select(["id", "name"])
          .where("organization_id", "=", ctx.organization.id)
          .where("framework_id", "=", org.framework_id)
          .orderBy("position")
          .execute(),
      ]);
      return { teams, org: { ...org, current_version_id: versionId }, categories, profiles };
    },
    null, // reads no levels: kept through saves
  );
}

async function computeGapScope(ctx: MemberContext, params: URLSearchParams) {
  const asked = readFilters(params);
  const isAdmin = hasRole(ctx.membership.role, "admin");
  const { teams, org, categories, profiles } = await scopeChoices(ctx);
  if (!org) throw notFound("Framework");
  const versionId = org.current_version_id;

  let teamId: string | null;
  if (asked.team === ORGANISATION) {
    if (!isAdmin) throw notFound("Team");
    teamId = null;
  } else if (asked.team) {
    if (!teams.some((t) => t.id === asked.team)) throw notFound("Team");
    teamId = asked.team;
  } else if (isAdmin) {
    teamId = null;
  } else {
    const first = teams[0];
    if (!first)
      throw forbidden("You do not lead a team yet. An admin can name you lead of a team.");
    teamId = first.id;
  }

  const categoryId = categories.some((c) => c.id === asked.category) ? asked.category! : null;
  const profileId = profiles.some((p) => p.id === asked.profile) ? asked.profile! : null;
  const compareProfileId = profiles.some((p) => p.id === asked.compare) ? asked.compare! : null;

  const scope: GapScope = {
    organizationId: ctx.organization.id,
    versionId,
    teamId,
    categoryId,
    priority: asked.priority ?? null,
    profileId,
    compareProfileId,
    staleBefore: new Date(Date.now() - org.stale_after_days * 86_400_000),
    privacyFloor: org.privacy_floor,
  };
  const filters: GapFilters = {
    team: teamId ?? ORGANISATION,
    category: categoryId,
    priority: scope.priority,
    profile: profileId,
    compare: compareProfileId,
  };
  return {
    scope,
    filters,
    options: { teams, canViewOrganization: isAdmin, categories, profiles },
  };
}

export type ResolvedGapScope = Awaited<ReturnType<typeof computeGapScope>>;

/** The filters as a query string ("?team=…&category=…"), for links that keep the view. */
export function filtersQuery(filters: GapFilters, extra: Record<string, string> = {}) {
  const params = new URLSearchParams();
  params.set("team", filters.team);
  if (filters.category) params.set("category", filters.category);
  if (filters.priority) params.set("priority", filters.priority);
  if (filters.profile) params.set("profile", filters.profile);
  if (filters.compare) params.set("compare", filters.compare);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `?${params}`;
}
