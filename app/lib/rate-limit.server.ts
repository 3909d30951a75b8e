import { sql } from "kysely";
import { db } from "#db/database";

// Fixed-window counters in Postgres, so every web process shares them.

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

function windowStart(windowSeconds: number, now = Date.now()) {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(now / ms) * ms);
}

/**
 * Counts one hit and says whether it was within the limit, in one statement: taken before
 * the work it guards, it holds under parallel requests (a check followed by a separate count
 * lets every request in a burst pass the check before any is counted).
 */
export async function takeHit(limit: Limit) {
  const now = Date.now();
  const start = windowStart(limit.windowSeconds, now);
  const { hits } = await db
    .insertInto("rate_limits")
    .values({ key: limit.key, window_start: start, hits: 1 })
    .onConflict((oc) =>
      oc.columns(["key", "window_start"]).doUpdateSet({ hits: sql`rate_limits.hits + 1` }),
    )
    .returning("hits")
    .executeTakeFirstOrThrow();
  const resetSeconds = Math.max(
    1,
    Math.ceil((start.getTime() + limit.windowSeconds * 1000 - now) / 1000),
  );
  return {
    allowed: hits <= limit.max,
    remaining: Math.max(0, limit.max - hits),
    resetSeconds,
    /** Gives the hit back (the attempt turned out not to count, e.g. a correct password). */
    giveBack: () =>
      db
        .updateTable("rate_limits")
        .set({ hits: sql`hits - 1` })
        .where("key", "=", limit.key)
        .where("window_start", "=", start)
        .where("hits", ">", 0)
        .execute(),
  };
}

export async function clearHits(key: string) {
  await db.deleteFrom("rate_limits").where("key", "=", key).execute();
}

/** Old windows are worthless; dropped now and then by the worker's housekeeping. */
export async function pruneRateLimits(olderThanSeconds = 86_400) {
  await db
    .deleteFrom("rate_limits")
    .where("window_start", "<", new Date(Date.now() - olderThanSeconds * 1000))
    .execute();
}
