import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { compiledEntryPoint } from "./compiled-entry-points";
import { freePort } from "./free-port";
import { newestMtime } from "./source-times";

// Runs the real production build of the app against this test run's database, and a
// headless Debian Chromium to drive it.

const BUILD_LOCK = "build.lock";

/**
 * Builds the app unless build/ is newer than every source file it is made from. Browser
 * test files run in parallel workers, so one builds while the others wait on a lock dir.
 */
export async function ensureBuild() {
  const output = "build/server/index.js";
  const fresh = () =>
    existsSync(output) && statSync(output).mtimeMs > newestMtime(["app", "db", "seeds"]);
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (fresh()) return;
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      // A stale lock (a crashed run) older than the deadline is taken over.
      const age = existsSync(BUILD_LOCK) ? Date.now() - statSync(BUILD_LOCK).mtimeMs : 0;
      if (age > 300_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error("timed out waiting for another worker's build");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (fresh()) return;
    const result = spawnSync("npx", ["remix", "vite:build"], { stdio: "pipe", encoding: "utf8" });
    if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/**
 * A directory to run one server from: a copy of build/ beside links to everything else
 * (sources, seeds, node_modules). A rebuild started meanwhile by another test run empties
 * build/, which would pull the pages' scripts from under a running server. Its build/node is
 * the entry points compiled from the current sources, where the image has them, so the
 * image's own command (docker-entrypoint.sh) runs them as the image does, not through tsx.
 */
function snapshotBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gapmap-app-server-"));
  cpSync("build", path.join(dir, "build"), { recursive: true });
  rmSync(path.join(dir, "build", "node"), { recursive: true, force: true });
  symlinkSync(path.dirname(compiledEntryPoint("server")), path.join(dir, "build", "node"));
  for (const entry of readdirSync(".")) {
    if (![".git", "build", BUILD_LOCK].includes(entry))
      symlinkSync(path.resolve(entry), path.join(dir, entry));
  }
  return dir;
}

export interface AppServer {
  url: string;
  /** Its log lines so far (and anything else it printed), when started with `captureLogs`. */
  logs(): string[];
  /** The web process itself, e.g. to read its memory use. */
  pid: number;
  /** Sends `signal` (SIGTERM unless given) and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** How it exited; null while it runs. */
  exitCode(): number | null;
}

/**
 * `args` are server.ts's own flags (`--with-worker`, `--demo`); with `captureLogs`, the
 * server's log lines and whatever else it writes to stdout or stderr are kept in `logs`
 * instead of printed. `command` starts the web process
 * another way, e.g. as the Docker image does (`["./docker-entrypoint.sh", "web"]`).
 */
export async function startAppServer(
  extraEnv: Record<string, string> = {},
  {
    args = [],
    captureLogs = false,
    command,
  }: { args?: string[]; captureLogs?: boolean; command?: [string, ...string[]] } = {},
): Promise<AppServer> {
  await ensureBuild();
  const cwd = snapshotBuild();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [file, ...commandArgs] = command ?? [process.execPath, compiledEntryPoint("server")];
  const child: ChildProcess = spawn(file, [...commandArgs, ...args], {
    cwd,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      APP_URL: url,
      LOG_LEVEL: "warn",
      REDIS_URL: "",
      ...extraEnv,
    },
    stdio: ["ignore", captureLogs ? "pipe" : "inherit", captureLogs ? "pipe" : "inherit"],
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("app server did not start within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid as number,
    logs: () => output.split("\n").filter(Boolean),
    exitCode: () => child.exitCode,
    stop: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        child.once("exit", () => {
          rmSync(cwd, { recursive: true, force: true });
          resolve();
        });
        child.kill(signal);
      }),
  };
}

/**
 * Debian's headless shell where installed (apt-get install chromium-headless-shell): the same
 * engine without the browser's window layer, half of Chromium's CPU in the suite (every-page:
 * 110 → 57 CPU-s). Otherwise the full browser in its headless mode.
 */
const CHROMIUM =
  process.env.CHROMIUM_PATH ||
  (existsSync("/usr/bin/chromium-headless-shell")
    ? "/usr/bin/chromium-headless-shell"
    : "/usr/bin/chromium");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Collects the page's script errors and console errors into `problems`. Remix aborts a
 * loader revalidation when a newer one starts (several fetchers saving back to back), and
 * the browser may log that abort; it is the router working as designed, so it is not kept.
 */
export function watchPageProblems(page: Page, problems: string[]) {
  const keep = (text: string) => !text.startsWith("AbortError:") && problems.push(text);
  page.on("console", (msg) => msg.type() === "error" && keep(msg.text()));
  page.on("pageerror", (err) => keep(`${err.name}: ${err.message}`));
}
