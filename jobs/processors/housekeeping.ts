import { db } from "#db/database";
import { pruneRateLimits } from "~/lib/rate-limit.server";
import { eraseDueOrganisations } from "~/modules/organisation-data/deletion.server";
import { tidyExports } from "~/modules/organisation-data/export.server";

/**
 * Drops expired sessions, spent rate-limit windows and expired export archives: state nobody
 * can use any more. Queues again exports whose job was lost, and erases closed organisations
 * whose grace period has passed.
 */
export async function housekeeping(now = new Date()) {
  const sessions = await db.deleteFrom("sessions").where("expires_at", "<", now).executeTakeFirst();
  await pruneRateLimits();
  const exports = await tidyExports(now);
  const erased = await eraseDueOrganisations(now);
  return { expiredSessions: Number(sessions.numDeletedRows), ...exports, ...erased };
}
