import { AsyncLocalStorage } from "node:async_hooks";
import { db } from "#db/database";
import { memoInRequest } from "~/lib/request-scope.server";
import type { GapScope } from "./gap-scope";

// The gap view's figures are read far more often than the data behind them changes, so this
// web process keeps them, each tagged with its organisation's gap data version. Every
// statement that writes a row they are made from (a rating, a membership, a team, a
// mentorship, a target, a cycle, an assessment, a name…) bumps that version in the same
// transaction (migration 0005), and a figure is served from here only while the version it
// was made under is still the current one: a change is seen by the first request after it
// commits, in every web process (ADR 008).
//
// The version is read before the figures are computed, so a figure is never older than the
// version it is kept under (a change in between just makes the next request compute again).
// Only figures that do not depend on the time of day are kept (not staleness).

// An organisation view's summary is ~25 KB as JSON: 200 entries stay well inside the web
// process's 128 MB heap (docker-entrypoint.sh).
const MAX_ENTRIES = 200;
const entries = new Map<string, { version: string; value: unknown }>();
const stats = { hits: 0, misses: 0 };

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

/** The organisation's gap data version, read once per page request. */
function dataVersion(organizationId: string) {
  return memoInRequest(`gap-data-version:${organizationId}`, async () => {
    const row = await db
      .selectFrom("gap_data_versions")
      .select("version")
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    return String(row?.version ?? 0);
  });
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
 * `compute()`'s figures for `scope` (and `args`), from this process's cache while the
 * organisation's data has not changed since they were computed. The figures are frozen:
 * every caller shares them (a copy per request cost a twentieth of a gap view's CPU).
 */
export function cachedGapFigures<T>(
  name: string,
  scope: GapScope,
  args: readonly unknown[],
  compute: () => Promise<T>,
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
    compute,
  );
}

/** `compute()`'s answer for `key` in the organisation, kept as cachedGapFigures keeps figures. */
export async function cachedForOrganization<T>(
  organizationId: string,
  keyParts: readonly unknown[],
  compute: () => Promise<T>,
): Promise<T> {
  if (bypass.getStore()) return compute();
  const version = await dataVersion(organizationId);
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
