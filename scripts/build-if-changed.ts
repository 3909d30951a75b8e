// `npm start`'s build (server.ts --build): the app is built only when its sources changed
// since the last build. A production build takes ~20 s on a small machine; a second start of
// an unchanged clone should not pay it again. The sources' content hash is written beside
// the build (build/.source-hash) once a build succeeds; `vite build` empties build/ first, so
// a failed or interrupted build leaves no hash and the next start builds again.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Everything the client and server bundles are made from (app/ imports db/, jobs/, seeds/). */
const SOURCES = [
  "app",
  "db",
  "jobs",
  "seeds",
  "public",
  "vite.config.ts",
  "tsconfig.json",
  "package.json",
  "package-lock.json",
];
const HASH_FILE = "build/.source-hash";
const OUTPUTS = ["build/server/index.js", "build/client"];

function filesOf(entry: string): string[] {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry)
    .sort()
    .flatMap((child) => filesOf(path.join(entry, child)));
}

/** A hash of the sources' paths and contents (not their mtimes: a checkout touches those). */
export function sourceHash(root = "."): string {
  const hash = createHash("sha256");
  for (const file of SOURCES.flatMap((s) => filesOf(path.join(root, s))))
    hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

export function buildIsCurrent(root = "."): boolean {
  const stamp = path.join(root, HASH_FILE);
  return (
    OUTPUTS.every((o) => existsSync(path.join(root, o))) &&
    existsSync(stamp) &&
    readFileSync(stamp, "utf8").trim() === sourceHash(root)
  );
}

/**
 * Builds unless the build is current. Runs in a child process, so the caller can start the
 * database meanwhile; the child is killed if the caller exits first. Its output is shown
 * only when it fails, and then the process ends: nothing can be served without a build.
 */
export function buildIfChanged(log: (msg: string) => void): Promise<void> {
  if (buildIsCurrent()) {
    log("build: sources unchanged since the last build, reusing build/");
    return Promise.resolve();
  }
  // Hashed before building: an edit made during the build makes the next start build again.
  const hash = sourceHash();
  const started = performance.now();
  log("build: building the app (sources changed or never built)");
  // Not under the web server's heap cap (NODE_OPTIONS=--max-old-space-size=… in npm start):
  // bundling the app needs several times that.
  const nodeOptions = (process.env.NODE_OPTIONS ?? "").replace(/--max-old-space-size=\S*/g, "");
  const child = spawn(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: nodeOptions.trim() },
  });
  const stopChild = () => child.kill();
  process.once("exit", stopChild);
  let output = "";
  for (const stream of [child.stdout, child.stderr])
    stream.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      process.off("exit", stopChild);
      if (code !== 0) {
        // The start cannot go on without a build; its own output says what is wrong.
        console.error(`${output}\nbuild failed (${signal ?? `exit code ${code}`})`);
        process.exit(1);
      }
      writeFileSync(HASH_FILE, `${hash}\n`);
      log(`build: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      resolve();
    });
  });
}
