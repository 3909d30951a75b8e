import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { buildSync } from "esbuild";
import { entryPointsBuild } from "../../scripts/entry-points";
import { newestMtime } from "./source-times";

// The worker as it runs in production, as a separate node process: no test runner needed,
// so the benchmark starts it the same way the worker tests do (worker-harness.ts).

/**
 * `jobs/run-worker.ts` compiled as the image runs it (scripts/entry-points.ts), once for
 * the sources as they are: under node_modules/.cache, where its packages resolve, shared by
 * the run's test processes (each compiles beside it and renames, so none reads half a file).
 */
export function workerCommand(): [string, ...string[]] {
  const dir = path.resolve(
    "node_modules/.cache/gapmap-worker",
    String(Math.trunc(newestMtime(["app", "db", "jobs", "seeds"]))),
  );
  const file = path.join(dir, "worker.js");
  if (!existsSync(file)) {
    const partial = `${dir}.${process.pid}`;
    buildSync(entryPointsBuild(partial, { worker: "jobs/run-worker.ts" }));
    try {
      renameSync(partial, dir);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process's copy came first
    }
  }
  return [process.execPath, file];
}

/**
 * Starts the worker as its own node process (node itself, not a CLI wrapper, whose extra
 * parent process would survive a SIGKILL meant for the worker). A shortened lock lets
 * a killed worker's running jobs come back within seconds.
 */
export function spawnWorkerProcess(
  env: Record<string, string>,
  command: [string, ...string[]] = workerCommand(),
): ChildProcess {
  const [file, ...args] = command;
  return spawn(file, args, {
    env: {
      ...process.env,
      LOG_LEVEL: "error",
      GAPMAP_DISPATCH_EVERY_MS: "300",
      GAPMAP_JOB_LOCK_MS: "5000",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/** SIGKILLs the process unless it has exited, and waits for its exit. */
export async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
