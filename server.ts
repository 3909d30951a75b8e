// The web process: `npm start` (with --with-worker --demo), `npm run web`, and the Docker
// image's `web` command.
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { db } from "#db/database";
import { prepareDatabase } from "#db/prepare";
import { stopEmbeddedPostgres } from "#db/provision";
import { queuesStopping } from "#jobs/queues";
import type { RunningWorker } from "#jobs/worker";
import { createHttpApp } from "~/http.server";
import { EnvError, env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { isLostConnection } from "~/lib/lost-connection.server";

const args = new Set(process.argv.slice(2));

let config;
try {
  config = env();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}

await prepareDatabase((m) => logger.info(m));

if (args.has("--demo")) {
  const { seedDemo } = await import("#seeds/demo");
  const result = await seedDemo();
  logger.info(result, "demo data ready");
}

const vite =
  args.has("--dev")
    ? await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } }))
    : undefined;
const build = vite
  ? () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
  : ((await import(pathToFileURL("build/server/index.js").href)) as ServerBuild);

const server = createHttpApp({ build, vite }).listen(config.PORT, () => {
  logger.info(`Gapmap listening on ${config.APP_URL} (port ${config.PORT})`);
});

let worker: RunningWorker | undefined;
if (args.has("--with-worker")) {
  const { startWorker } = await import("#jobs/worker");
  worker = await startWorker();
}

let stopping = false;
// The embedded PostgreSQL stops on the same signal (its library's own exit hook, and Ctrl-C
// reaches it directly), under the job queue's open connections: their errors are expected
// while stopping, not a crash. Anything else still ends the process, logged.
process.on("uncaughtException", (error) => {
  if (stopping && isLostConnection(error)) return;
  logger.fatal({ err: error }, "uncaught exception");
  process.exit(1);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    queuesStopping();
    logger.info({ signal }, "shutting down");
    server.close();
    void (async () => {
      await worker?.close();
      await vite?.close();
      await db.destroy();
      await stopEmbeddedPostgres();
      process.exit(0);
    })();
  });
}
