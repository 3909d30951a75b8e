// The web process: `npm start` (with --with-worker --demo), `npm run web`, and the Docker
// image's `web` command.
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { db } from "#db/database";
import { prepareDatabase } from "#db/prepare";
import { stopEmbeddedPostgres } from "#db/provision";
import { queuesStopping } from "~/lib/queues.server";
import type { RunningWorker } from "#jobs/worker";
import { createHttpApp, listen } from "~/http.server";
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

// `npm start` (--build) builds the app, when its sources changed, while the database starts.
const building = args.has("--build")
  ? import("./scripts/build-if-changed").then((b) => b.buildIfChanged((m) => logger.info(m)))
  : undefined;
await prepareDatabase((m) => logger.info(m));

if (args.has("--demo")) {
  const { seedDemo } = await import("#seeds/demo");
  const result = await seedDemo();
  logger.info(result, "demo data ready");
}

await building;

const vite = args.has("--dev")
  ? await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } }))
  : undefined;
const build = vite
  ? () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
  : ((await import(pathToFileURL("build/server/index.js").href)) as ServerBuild);

const server = listen(createHttpApp({ build, vite }), config.PORT, () => {
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
// while stopping, not a crash. Before a stop, an uncaught exception ends the process, logged.
process.on("uncaughtException", (error) => {
  if (stopping && isLostConnection(error)) return;
  if (stopping) {
    // The shutdown below still runs to its end and exits; what broke on the way is noted.
    logger.warn({ err: error }, "uncaught exception while stopping");
    return;
  }
  const crash = () => {
    if (stopping) return;
    logger.fatal({ err: error }, "uncaught exception");
    process.exit(1);
  };
  // The database may have gone on the same Ctrl-C before this process ran its handler: a
  // lost connection is a crash only if no stop signal follows within 2 s.
  if (isLostConnection(error)) setTimeout(crash, 2_000);
  else crash();
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const since = performance.now();
    queuesStopping();
    logger.info({ signal }, "shutting down");
    server.close();
    void (async () => {
      // Each step runs even when one before it failed (a database already gone, say).
      const steps = [
        () => worker?.close(),
        () => vite?.close(),
        () => db.destroy(),
        stopEmbeddedPostgres,
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          logger.warn({ err }, "while stopping");
        }
      }
      logger.info({ ms: Math.round(performance.now() - since) }, "stopped");
      process.exit(0);
    })();
  });
}
