// `npm run worker` / the Docker image's `worker` command.
import { db } from "#db/database";
import { prepareDatabase } from "#db/prepare";
import { stopEmbeddedPostgres } from "#db/provision";
import { EnvError, env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { startWorker } from "./worker";

try {
  env();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}
await prepareDatabase((m) => logger.info(m));
const worker = await startWorker();

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker stopping: letting running jobs finish");
    void worker
      .close()
      .then(() => db.destroy())
      .then(() => stopEmbeddedPostgres())
      .then(() => process.exit(0));
  });
}
