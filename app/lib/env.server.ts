import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

// The environment, parsed once at start-up. A bad or missing value stops the process
// with a message naming the variable and what is expected.

/** The embedded default's secret: generated once, kept beside its database in .data/. */
function embeddedSessionSecret(): string {
  const file = path.resolve(process.env.GAPMAP_DATA_DIR ?? ".data", "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, "expected a postgres:// connection URL");
const optionalUrl = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(
      z
        .url({ message: `expected a URL like ${example}` })
        .refine((v) => protocols.some((p) => v.startsWith(`${p}://`)), {
          message: `expected a URL like ${example}`,
        })
        .optional(),
    )
    .optional();

const milliseconds = (fallback: number) =>
  z.coerce
    .number({ message: "expected a number of milliseconds" })
    .int("expected a whole number of milliseconds")
    .min(100, "expected at least 100 ms")
    .default(fallback);

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Unset: an embedded PostgreSQL under .data/postgres is started and used. */
    DATABASE_URL: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(postgresUrl.optional())
      .optional(),
    /** Unset: BullMQ runs on its PostgreSQL backend in the same database. */
    REDIS_URL: optionalUrl(["redis", "rediss"], "redis://127.0.0.1:6379"),
    /** Unset: email stays readable in the in-app outbox. */
    SMTP_URL: optionalUrl(["smtp", "smtps"], "smtp://user:pass@mail.example.com:587"),
    /** The sender of every email; unset: gapmap@ the APP_URL's host. */
    MAIL_FROM: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(z.email({ message: "expected an email address, like gapmap@example.com" }).optional())
      .optional(),
    SESSION_SECRET: z
      .string()
      .min(32, "expected at least 32 characters of random data (e.g. `openssl rand -hex 32`)")
      .optional(),
    PORT: z.coerce
      .number({ message: "expected a port number" })
      .int("expected a whole port number")
      .min(1, "expected a port between 1 and 65535")
      .max(65535, "expected a port between 1 and 65535")
      .default(3000),
    APP_URL: z
      .url({ message: "expected the public base URL, like https://gapmap.example.com" })
      .refine((v) => /^https?:\/\//.test(v), {
        message: "expected the public base URL, like https://gapmap.example.com",
      })
      .optional(),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    // The worker's tunables. The defaults suit production; tests shorten them so fault
    // scenarios play out in seconds.
    /** Keeps several deployments (or test runs) on one Redis apart. */
    GAPMAP_QUEUE_PREFIX: z
      .string()
      .trim()
      .regex(/^[\w.-]*$/, "expected letters, digits, '.', '-' or '_'")
      .transform((v) => v || "bull")
      .default("bull"),
    /** Invitations, resets and reminders leave within seconds of being written. */
    GAPMAP_DISPATCH_EVERY_MS: milliseconds(5_000),
    /** Each organisation's reminders are decided in its own time zone at every scan. */
    GAPMAP_REMINDER_SCAN_EVERY_MS: milliseconds(15 * 60_000),
    /** A killed worker's running jobs go back to the queue this long after its last sign of life. */
    GAPMAP_JOB_LOCK_MS: milliseconds(30_000),
    /** A pending message whose job was lost (a wiped Redis) is queued again after this long. */
    GAPMAP_REDISPATCH_AFTER_MS: milliseconds(120_000),
    /** Closed cycles are looked for, and reported, this often. */
    GAPMAP_REPORT_SCAN_EVERY_MS: milliseconds(60_000),
    /** Requests each API token may make per minute; more get 429 with Retry-After. */
    GAPMAP_API_RATE_LIMIT: z.coerce
      .number({ message: "expected a number of requests per minute" })
      .int("expected a whole number of requests per minute")
      .min(1, "expected at least 1 request per minute")
      .default(600),
    /** Set: GET /metrics wants `Authorization: Bearer <token>`; unset: it is open (keep it off the public network). */
    METRICS_TOKEN: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(z.string().min(16, "expected at least 16 characters (e.g. `openssl rand -hex 16`)").optional())
      .optional(),
  })
  // A deployment names its database; only the all-in-one embedded default may fall back
  // to a generated secret and a localhost URL.
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.SESSION_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message:
          "required when DATABASE_URL is set: at least 32 characters of random data (e.g. `openssl rand -hex 32`)",
      });
    }
    if (env.DATABASE_URL && !env.APP_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["APP_URL"],
        message:
          "required when DATABASE_URL is set: the public base URL, like https://gapmap.example.com",
      });
    }
  })
  .transform((env) => ({
    ...env,
    SESSION_SECRET: env.SESSION_SECRET ?? embeddedSessionSecret(),
    APP_URL: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
  }));

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment; throws EnvError naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map(
        (issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`,
      ),
    );
  }
  return result.data;
}

let cached: Env | undefined;

/**
 * The process environment, parsed on first use. The embedded defaults it settles on (the
 * generated secret, the localhost URL) are written back to process.env: the Remix server
 * bundle holds its own copy of this module and parses again later, after the embedded
 * database has set DATABASE_URL, and must arrive at the same values.
 */
export function env(): Env {
  if (!cached) {
    cached = parseEnv(process.env);
    process.env.SESSION_SECRET ??= cached.SESSION_SECRET;
    process.env.APP_URL ??= cached.APP_URL;
  }
  return cached;
}
