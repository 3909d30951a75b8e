import { type ChildProcess, spawn } from "node:child_process";
import { compiledEntryPoint } from "./compiled-entry-points";

// The worker as it runs in production, as a separate node process: no test runner needed,
// so the benchmark starts it the same way the worker tests do (worker-harness.ts).

/** The worker as the image runs it: its entry point compiled (compiled-entry-points.ts). */
export function workerCommand(): [string, ...string[]] {
  return [process.execPath, compiledEntryPoint("worker")];
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
