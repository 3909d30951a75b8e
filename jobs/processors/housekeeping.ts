import { db } from "#db/database";
import { pruneRateLimits } from "~/lib/rate-limit.server";

/** Drops expired sessions and spent rate-limit windows: state nobody can use any more. */
export async function housekeeping() {
  const sessions = await db
    .deleteFrom("sessions")
    .where("expires_at", "<", new Date())
    .executeTakeFirst();
  await pruneRateLimits();
  return { expiredSessions: Number(sessions.numDeletedRows) };
}
