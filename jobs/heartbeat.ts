import { renameSync, writeFileSync } from "node:fs";
import { logger } from "~/lib/logger.server";
import { checkReadiness, type Readiness } from "~/lib/readiness.server";

// The worker's sign of life for its container's health check (jobs/check-worker.mjs):
// every few seconds it checks its own database and Redis connections and writes the
// result to a file, with the time until which that result counts as current.

const EVERY_MS = 10_000;
/** Three missed beats make a worker unhealthy. */
const FRESH_FOR_MS = 3 * EVERY_MS;

export interface Heartbeat {
  at: string;
  freshUntil: string;
  checks: Readiness["checks"];
}

/** Beats into `file` until the returned function is called. */
export function startHeartbeat(file: string): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    const { checks } = await checkReadiness();
    if (stopped) return;
    const now = Date.now();
    const heartbeat: Heartbeat = {
      at: new Date(now).toISOString(),
      freshUntil: new Date(now + FRESH_FOR_MS).toISOString(),
      checks,
    };
    try {
      // Written whole, then renamed: the check never reads half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(heartbeat));
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      logger.error({ err, file }, "cannot write the heartbeat: the health check will fail");
    }
    timer = setTimeout(() => void beat(), EVERY_MS);
  };
  void beat();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
