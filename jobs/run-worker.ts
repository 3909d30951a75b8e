// `npm run worker` / the Docker image's `worker` command.
import { db } from "#db/database";
import { prepareDatabase } from "#db/prepare";
import { stopEmbeddedPostgres } from "#db/provision";
import { EnvError, env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { startHeartbeat } from "./heartbeat";
import { startWorker } from "./worker";

let config;
try {
  config = env();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}
await prepareDatabase((m) => logger.info(m));
const worker = await startWorker();
const heartbeatFile = config.GAPMAP_HEARTBEAT_FILE;
const stopHeartbeat = heartbeatFile ? startHeartbeat(heartbeatFile) : undefined;

/**
 * How long a stop may take before the process exits anyway: within compose's 60 s grace, for
 * a job that does not finish; a send cut short stays at most once (ADR 009).
 */
const STOP_DEADLINE_MS = 45_000;

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const since = performance.now();
    stopHeartbeat?.();
    logger.info({ signal }, "worker stopping: letting running jobs finish");
    setTimeout(() => {
      logger.warn({ afterMs: STOP_DEADLINE_MS }, "worker stop timed out: exiting now");
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    void worker
      .close()
      .then(() => db.destroy())
      .then(() => stopEmbeddedPostgres())
      .then(() => {
        logger.info({ ms: Math.round(performance.now() - since) }, "worker stopped");
        process.exit(0);
      });
  });
}
