import { execFile } from "node:child_process";

// The Docker CLI for the container test (tests/production/image.test.ts): the engine at
// DOCKER_HOST (or the default socket), with `docker compose` or the older `docker-compose`.

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; resolves with its exit code and output whatever the code. */
export function run(
  file: string,
  args: string[],
  { env, timeoutMs = 120_000 }: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `docker …`; throws with its output unless it exits 0. */
export async function docker(args: string[], options: { timeoutMs?: number } = {}) {
  const result = await run("docker", args, options);
  if (result.code !== 0)
    throw new Error(
      `docker ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  return result.stdout.trim();
}

const BASE_IMAGES = ["node:22-bookworm-slim", "postgres:16", "redis:7"];

/**
 * Waits for the engine to answer. `.ci/run` starts one in the background when none
 * answers and says how long it may take in GAPMAP_DOCKER_WAIT_S; otherwise one try.
 * No engine is a failure, never a skip.
 */
export async function requireDocker() {
  const deadline = Date.now() + Number(process.env.GAPMAP_DOCKER_WAIT_S ?? 0) * 1000;
  for (;;) {
    const info = await run("docker", ["info", "--format", "{{.ServerVersion}}"], {
      timeoutMs: 20_000,
    });
    // The engine .ci/run starts answers before it has built the base images the Dockerfile
    // and compose file name (a build would then try Docker Hub): wait for those too.
    const images =
      info.code === 0 && Date.now() < deadline
        ? await run("docker", ["image", "inspect", ...BASE_IMAGES], { timeoutMs: 20_000 })
        : { code: 0 };
    if (info.code === 0 && images.code === 0) return info.stdout.trim();
    if (Date.now() >= deadline) {
      const log = process.env.GAPMAP_DOCKER_ENGINE_LOG;
      throw new Error(
        `The container test needs a Docker engine and none answers (docker info: ${info.stderr.trim()}). ` +
          "Start one and set DOCKER_HOST, or run `bash .ci/run`, which starts one." +
          (log ? ` The engine's start-up log: ${log}` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** `docker compose` when the CLI has the plugin, else the standalone `docker-compose`. */
export async function composeCommand(): Promise<[string, ...string[]]> {
  const plugin = await run("docker", ["compose", "version"]);
  return plugin.code === 0 ? ["docker", "compose"] : ["docker-compose"];
}

/** A container's state: running, its exit code, its health ("" without a health check). */
export async function inspectState(container: string) {
  const [status, exitCode, finishedAt, health] = (
    await docker([
      "inspect",
      "--format",
      "{{.State.Status}} {{.State.ExitCode}} {{.State.FinishedAt}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
      container,
    ])
  ).split(" ");
  // Docker's nanoseconds, cut to the milliseconds Date reads.
  const finished = Date.parse((finishedAt ?? "").replace(/(\.\d{3})\d*/, "$1"));
  return { status, exitCode: Number(exitCode), finishedAt: finished, health: health ?? "" };
}

/** The last lines a container printed, for a failure's message. */
export async function logsOf(container: string) {
  const result = await run("docker", ["logs", "--tail", "40", container]);
  return `${result.stdout}${result.stderr}`;
}

/**
 * `docker stop` with Docker's default 10 s grace: `ms` from the request to the process's
 * exit (Docker's own record of it), `wallMs` until the command returned (Docker's clean-up
 * included), and the exit code.
 */
export async function timedStop(container: string) {
  const requested = Date.now();
  await docker(["stop", "--time", "10", container], { timeoutMs: 30_000 });
  const wallMs = Date.now() - requested;
  const { exitCode, finishedAt } = await inspectState(container);
  return { ms: finishedAt - requested, wallMs, exitCode };
}
