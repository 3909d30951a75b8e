import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "~/lib/env.server";

function problems(source: Record<string, string>) {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

const deployment = {
  DATABASE_URL: "postgres://gapmap@db:5432/gapmap",
  SESSION_SECRET: "x".repeat(40),
  ENCRYPTION_KEY: "ab".repeat(32),
  APP_URL: "https://gapmap.example.com",
  METRICS_TOKEN: "m".repeat(16),
};

describe("environment", () => {
  it("accepts a complete deployment configuration and fills defaults", () => {
    const env = parseEnv({
      ...deployment,
      REDIS_URL: "redis://cache:6379",
      SMTP_URL: "smtp://u:p@mail:587",
    });
    expect(env.PORT).toBe(3000);
    expect(env.APP_URL).toBe("https://gapmap.example.com");
    expect(env.REDIS_URL).toBe("redis://cache:6379");
  });

  it("names each bad variable and says what is expected", () => {
    const found = problems({
      DATABASE_URL: "mysql://nope",
      REDIS_URL: "http://cache",
      SMTP_URL: "not a url",
      SESSION_SECRET: "short",
      ENCRYPTION_KEY: "not hex",
      APP_URL: "gapmap.example.com",
      PORT: "eighty",
    });
    expect(found.join("\n")).toMatch(/DATABASE_URL: expected a postgres:\/\/ connection URL/);
    expect(found.join("\n")).toMatch(/REDIS_URL: expected a URL like redis:\/\//);
    expect(found.join("\n")).toMatch(/SMTP_URL: expected a URL like smtp:\/\//);
    expect(found.join("\n")).toMatch(/SESSION_SECRET: expected at least 32 characters/);
    expect(found.join("\n")).toMatch(/ENCRYPTION_KEY: expected 32 bytes as 64 hex digits/);
    expect(found.join("\n")).toMatch(/APP_URL: expected the public base URL/);
    expect(found.join("\n")).toMatch(/PORT: expected a port number/);
  });

  it("takes a metrics token of at least 16 characters", () => {
    // Embedded mode (no DATABASE_URL): an empty token is no token, and /metrics stays open.
    expect(
      parseEnv({ SESSION_SECRET: "x".repeat(40), METRICS_TOKEN: "" }).METRICS_TOKEN,
    ).toBeUndefined();
    expect(parseEnv({ ...deployment, METRICS_TOKEN: "t".repeat(16) }).METRICS_TOKEN).toBe(
      "t".repeat(16),
    );
    expect(problems({ ...deployment, METRICS_TOKEN: "short" })).toEqual([
      "METRICS_TOKEN: expected at least 16 characters (e.g. `openssl rand -hex 16`)",
    ]);
  });

  it("requires a secret and public URL once a real database is configured", () => {
    const found = problems({ DATABASE_URL: deployment.DATABASE_URL });
    expect(
      found.some((p) => p.startsWith("SESSION_SECRET: required when DATABASE_URL is set")),
    ).toBe(true);
    expect(found.some((p) => p.startsWith("APP_URL: required when DATABASE_URL is set"))).toBe(
      true,
    );
    expect(
      found.some((p) => p.startsWith("ENCRYPTION_KEY: required when DATABASE_URL is set")),
    ).toBe(true);
  });

  it("requires METRICS_TOKEN once a real database is configured, so /metrics is never open", () => {
    const { METRICS_TOKEN: _, ...withoutToken } = deployment;
    expect(problems(withoutToken)).toEqual([
      "METRICS_TOKEN: required when DATABASE_URL is set: at least 16 random characters (e.g. `openssl rand -hex 16`), for GET /metrics",
    ]);
    expect(problems({ ...deployment, METRICS_TOKEN: " " })).toHaveLength(1);
  });

  it("sets the server's timeouts, the headers' within the request's", () => {
    const env = parseEnv(deployment);
    expect([
      env.GAPMAP_HEADERS_TIMEOUT_MS,
      env.GAPMAP_REQUEST_TIMEOUT_MS,
      env.GAPMAP_KEEP_ALIVE_TIMEOUT_MS,
    ]).toEqual([10_000, 30_000, 65_000]);
    expect(
      problems({
        ...deployment,
        GAPMAP_HEADERS_TIMEOUT_MS: "20000",
        GAPMAP_REQUEST_TIMEOUT_MS: "5000",
      }),
    ).toEqual([
      "GAPMAP_REQUEST_TIMEOUT_MS: expected at least GAPMAP_HEADERS_TIMEOUT_MS (the headers are part of the request)",
    ]);
  });

  it("rejects ports outside 1–65535", () => {
    expect(problems({ ...deployment, PORT: "70000" })).toEqual([
      "PORT: expected a port between 1 and 65535",
    ]);
  });

  it("takes the worker's timings in whole milliseconds, production defaults when unset", () => {
    expect(parseEnv(deployment)).toMatchObject({
      GAPMAP_JOB_LOCK_MS: 30_000,
      GAPMAP_RETRY_BACKOFF_MS: 5_000,
      GAPMAP_REDISPATCH_AFTER_MS: 120_000,
    });
    expect(
      parseEnv({ ...deployment, GAPMAP_RETRY_BACKOFF_MS: "250" }).GAPMAP_RETRY_BACKOFF_MS,
    ).toBe(250);
    expect(problems({ ...deployment, GAPMAP_RETRY_BACKOFF_MS: "soon" })).toEqual([
      "GAPMAP_RETRY_BACKOFF_MS: expected a number of milliseconds",
    ]);
    expect(problems({ ...deployment, GAPMAP_RETRY_BACKOFF_MS: "10" })).toEqual([
      "GAPMAP_RETRY_BACKOFF_MS: expected at least 100 ms",
    ]);
  });

  it("takes a Redis Cluster's seed nodes with REDIS_CLUSTER, and refuses a bad node", () => {
    const cluster = parseEnv({
      ...deployment,
      REDIS_URL: "redis://:secret@10.0.0.1:7000, redis://10.0.0.2:7001,rediss://[::1]:7002",
      REDIS_CLUSTER: "1",
    });
    expect(cluster.REDIS_CLUSTER).toBe(true);
    expect(parseEnv({ ...deployment, REDIS_URL: "redis://cache" }).REDIS_CLUSTER).toBe(false);
    for (const bad of ["redis://a:7000,http://b:7001", "redis://a:7000,", "redis://a b:7000"])
      expect(problems({ ...deployment, REDIS_URL: bad })).toEqual([
        "REDIS_URL: expected a URL like redis://127.0.0.1:6379 (or several, comma-separated)",
      ]);
    expect(problems({ ...deployment, REDIS_CLUSTER: "yes" })).toEqual([
      'REDIS_CLUSTER: expected "1" or "0"',
    ]);
  });

  it("treats empty optional URLs as unset", () => {
    const env = parseEnv({ ...deployment, REDIS_URL: "", SMTP_URL: " " });
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.SMTP_URL).toBeUndefined();
  });

  it("in the embedded default, a second parse after the database is provisioned agrees with the first", () => {
    // What `npm start` does: server.ts parses with nothing set, the embedded database then
    // sets DATABASE_URL, and the server bundle's own copy of the module parses again.
    const script = `
      const { env, parseEnv } = await import("./app/lib/env.server.ts");
      const first = env();
      process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:54329/gapmap";
      const second = parseEnv(process.env);
      console.log(JSON.stringify({ same: first.SESSION_SECRET === second.SESSION_SECRET && first.ENCRYPTION_KEY === second.ENCRYPTION_KEY && first.APP_URL === second.APP_URL }));
    `;
    const childEnv: NodeJS.ProcessEnv = {
      NODE_ENV: "production",
      PATH: process.env.PATH ?? "",
      GAPMAP_DATA_DIR: mkdtempSync(path.join(tmpdir(), "gapmap-env-")),
    };
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        env: childEnv,
        encoding: "utf8",
      },
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ same: true });
  });
});
