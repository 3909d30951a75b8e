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
    const env = parseEnv({ ...deployment, REDIS_URL: "redis://cache:6379", SMTP_URL: "smtp://u:p@mail:587" });
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

  it("requires a secret and public URL once a real database is configured", () => {
    const found = problems({ DATABASE_URL: deployment.DATABASE_URL });
    expect(found.some((p) => p.startsWith("SESSION_SECRET: required when DATABASE_URL is set"))).toBe(true);
    expect(found.some((p) => p.startsWith("APP_URL: required when DATABASE_URL is set"))).toBe(true);
  });

  it("rejects ports outside 1–65535", () => {
    expect(problems({ ...deployment, PORT: "70000" })).toEqual(["PORT: expected a port between 1 and 65535"]);
  });

  it("treats empty optional URLs as unset", () => {
    const env = parseEnv({ ...deployment, REDIS_URL: "", SMTP_URL: " " });
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.SMTP_URL).toBeUndefined();
  });
});
