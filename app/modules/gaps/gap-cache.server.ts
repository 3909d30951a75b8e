import { AsyncLocalStorage } from "node:async_hooks";
import { sql } from "kysely";
import { db, withCustomPlans } from "#db/database";
import { memoInRequest } from "~/lib/request-scope.server";
import type { GapScope } from "./gap-scope";

// The gap view's figures are read far more often than the data behind them changes, so this
// web process keeps them, each tagged with the versions of the data it was made from. Every
// statement that writes a row they are made from bumps a version in the same transaction
// (migrations 0005 and 0022): writes that move people's levels (ratings, assessments,
// calibration resolutions) bump the levels version of the organisation and of each team of
// the people written; every other write (a membership, a team, a mentorship, a target, a
// cycle, a name…) bumps the organisation's data version. A figure is served from here only
// while the versions it was made under are still the current ones: a change is seen by the
// first request after it commits, in every web process (ADR 008, ADR 018). A save in one team
// leaves another team's figures kept, and figures that read no levels (the trend, the filter
// choices) are kept through every save.
//
// The versions are read before the figures are computed, so a figure is never older than the
// versions it is kept under (a change in between just makes the next request compute again).
// Only figures that do not depend on the time of day are kept (not staleness).

// An organisation view's summary is ~25 KB as JSON: 200 entries stay well inside the web
// process's 128 MB heap (docker-entrypoint.sh).
const MAX_ENTRIES = 200;
const entries = new Map<string, { version: string; value: unknown }>();
// On globalThis, as the bypass below: the HTTP server's metrics (loaded from source) and the
// app's build each have a copy of this module, and must count the same lookups.
const STATS = Symbol.for("gapmap.gapCache.stats");
const statsHolder = globalThis as typeof globalThis & {
  [STATS]?: { hits: number; misses: number };
};
const stats = (statsHolder[STATS] ??= { hits: 0, misses: 0 });

/** How often figures were served from the cache and computed, since the process started. */
export function gapCacheStats() {
  return { ...stats, entries: entries.size };
}

const BYPASS = Symbol.for("gapmap.gapCache.bypass");
const holder = globalThis as typeof globalThis & { [BYPASS]?: AsyncLocalStorage<boolean> };
const bypass = (holder[BYPASS] ??= new AsyncLocalStorage<boolean>());

/** Runs `work` with every gap figure computed afresh (the benchmark's raw SQL floor). */
export function withoutGapCache<T>(work: () => T): T {
  return bypass.run(true, work);
}

/**
 * The organisation's data version and the levels versions of its teams and of itself, read
 * once per page request (one statement, whichever figures the page keeps).
 */
function dataVersions(organizationId: string) {
  return memoInRequest(`gap-data-versions:${organizationId}`, async () => {
    const { rows } = await sql<{ scope_id: string | null; version: string }>`
      SELECT NULL::uuid AS scope_id, version FROM gap_data_versions
      WHERE organization_id = ${organizationId}
      UNION ALL
      SELECT scope_id, version FROM gap_level_versions
      WHERE organization_id = ${organizationId}`.execute(db);
    return new Map(rows.map((r) => [r.scope_id, String(r.version)]));
  });
}

/** The version a figure is kept under: the data version, and `levelScope`'s levels version. */
async function dataVersion(organizationId: string, levelScope: string | null) {
  const versions = await dataVersions(organizationId);
  const data = versions.get(null) ?? "0";
  return levelScope === null ? data : `${data}.${versions.get(levelScope) ?? "0"}`;
}

/** Freezes `value` and everything in it: kept figures are shared by every request. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Whether the organisation has at least 5 times the active people of the organisation the
 * planner assumes, the average one by its statistics (memberships per organization_id), so
 * that its figures are computed with plans for its own rows (withCustomPlans). Prepared
 * statements settle on a generic plan sized for that average: right for a lone organisation
 * or a typical tenant, loops that ran for seconds for the large one among 1,000 small ones
 * (ADR 019). Asked once per request that computes figures, so it follows the statistics.
 */
function plannedForOwnRows(organizationId: string): Promise<boolean> {
  return memoInRequest(`own-plans:${organizationId}`, async () => {
    const { rows } = await sql<{ own: boolean }>`
    SELECT coalesce(count(*) >= 5 * (
      SELECT CASE WHEN st.n_distinct > 0 THEN c.reltuples / st.n_distinct
        ELSE -1 / nullif(st.n_distinct, 0) END
      FROM pg_stats st
      JOIN pg_class c ON c.relname = st.tablename AND c.relnamespace = 'public'::regnamespace
      WHERE st.schemaname = 'public' AND st.tablename = 'memberships'
        AND st.attname = 'organization_id'), false) AS own
    FROM memberships m WHERE m.organization_id = ${organizationId} AND m.active`.execute(db);
    return rows[0]?.own ?? false;
  });
}

/**
 * Runs `compute` with plans for the organisation's own rows where it is large enough to need
 * them (plannedForOwnRows): every kept gap figure, and the reads of its size that are not kept.
 */
export async function withOwnPlansWhereLarge<T>(
  organizationId: string,
  compute: () => Promise<T>,
): Promise<T> {
  return (await plannedForOwnRows(organizationId)) ? withCustomPlans(compute) : compute();
}

/**
 * `compute()`'s figures for `scope` (and `args`), from this process's cache while the data
 * they are made from has not changed since they were computed: the people's levels in the
 * scope (its team, or the whole organisation) and everything else in the organisation, or,
 * with `readsLevels: false`, only the latter. The figures are frozen: every caller shares them
 * (a copy per request cost a twentieth of a gap view's CPU).
 */
export function cachedGapFigures<T>(
  name: string,
  scope: GapScope,
  args: readonly unknown[],
  compute: () => Promise<T>,
  { readsLevels = true }: { readsLevels?: boolean } = {},
): Promise<T> {
  return cachedForOrganization(
    scope.organizationId,
    [
      name,
      scope.versionId,
      scope.teamId,
      scope.categoryId,
      scope.priority,
      scope.profileId,
      scope.compareProfileId,
      scope.privacyFloor,
      args,
    ],
    () => withOwnPlansWhereLarge(scope.organizationId, compute),
    readsLevels ? (scope.teamId ?? scope.organizationId) : null,
  );
}

/**
 * `compute()`'s answer for `key` in the organisation, kept as cachedGapFigures keeps figures:
 * `levelScope` names whose levels it reads (a team's id, the organisation's for everyone's),
 * null when it reads none.
 */
export async function cachedForOrganization<T>(
  organizationId: string,
  keyParts: readonly unknown[],
  compute: () => Promise<T>,
  levelScope: string | null,
): Promise<T> {
  if (bypass.getStore()) return compute();
  const version = await dataVersion(organizationId, levelScope);
  const key = JSON.stringify([organizationId, ...keyParts]);
  const kept = entries.get(key);
  if (kept?.version === version) {
    // Most recently used last: the oldest entry is the first to go.
    entries.delete(key);
    entries.set(key, kept);
    stats.hits += 1;
    return kept.value as T;
  }
  stats.misses += 1;
  const value = deepFreeze(await compute());
  entries.delete(key);
  entries.set(key, { version, value });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  return value;
}
