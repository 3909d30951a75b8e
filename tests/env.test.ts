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
  APP_URL: "https://gapmap.example.com",
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
      APP_URL: "gapmap.example.com",
      PORT: "eighty",
    });
    expect(found.join("\n")).toMatch(/DATABASE_URL: expected a postgres:\/\/ connection URL/);
    expect(found.join("\n")).toMatch(/REDIS_URL: expected a URL like redis:\/\//);
    expect(found.join("\n")).toMatch(/SMTP_URL: expected a URL like smtp:\/\//);
    expect(found.join("\n")).toMatch(/SESSION_SECRET: expected at least 32 characters/);
    expect(found.join("\n")).toMatch(/APP_URL: expected the public base URL/);
    expect(found.join("\n")).toMatch(/PORT: expected a port number/);
  });

  it("takes an optional metrics token of at least 16 characters", () => {
    expect(parseEnv(deployment).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ ...deployment, METRICS_TOKEN: "" }).METRICS_TOKEN).toBeUndefined();
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
  });

  it("rejects ports outside 1–65535", () => {
    expect(problems({ ...deployment, PORT: "70000" })).toEqual([
      "PORT: expected a port between 1 and 65535",
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
      console.log(JSON.stringify({ same: first.SESSION_SECRET === second.SESSION_SECRET && first.APP_URL === second.APP_URL }));
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
