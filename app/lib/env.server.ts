import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

// The environment, parsed once at start-up. A bad or missing value stops the process
// with a message naming the variable and what is expected.

/** An embedded default's secret (by file name): generated once, kept beside its database in .data/. */
function embeddedSecret(name: string): string {
  const file = path.resolve(process.env.GAPMAP_DATA_DIR ?? ".data", name);
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

/** One Redis node: redis:// or rediss://, optional credentials, a host, an optional port and db. */
const REDIS_NODE = /^rediss?:\/\/([^@/\s]*@)?(\[[\da-fA-F:]+\]|[^:/@\s,[\]]+)(:\d{1,5})?(\/\d*)?$/;

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
    /** A streaming replica of DATABASE_URL for GET requests' reads (db/read-replica.ts). */
    DATABASE_REPLICA_URL: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(postgresUrl.optional())
      .optional(),
    /** After a write, the same caller's reads stay on the primary this long. */
    GAPMAP_REPLICA_STICKY_MS: milliseconds(10_000),
    /** Unset: BullMQ runs on its PostgreSQL backend in the same database. */
    /** With REDIS_CLUSTER, the cluster's seed nodes separated by commas. */
    REDIS_URL: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(
        z
          .string()
          .refine((v) => v.split(",").every((node) => REDIS_NODE.test(node.trim())), {
            message: "expected a URL like redis://127.0.0.1:6379 (or several, comma-separated)",
          })
          .optional(),
      )
      .optional(),
    /** "1": REDIS_URL is a Redis Cluster (BullMQ's keys hash-tagged into one slot per queue). */
    REDIS_CLUSTER: z
      .enum(["", "0", "1", "false", "true"], { message: 'expected "1" or "0"' })
      .default("")
      .transform((v) => v === "1" || v === "true"),
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
    /** Seals secrets stored in the database (SSO client secrets): 32 bytes as 64 hex digits. */
    ENCRYPTION_KEY: z
      .string()
      .trim()
      .regex(
        /^[0-9a-fA-F]{64}$/,
        "expected 32 bytes as 64 hex digits (e.g. `openssl rand -hex 32`)",
      )
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
    /** A failed job (an SMTP server away) is tried again after this long, doubling each time. */
    GAPMAP_RETRY_BACKOFF_MS: milliseconds(5_000),
    /** A pending message whose job was lost (a wiped Redis) is queued again after this long. */
    GAPMAP_REDISPATCH_AFTER_MS: milliseconds(120_000),
    /** Closed cycles are looked for, and reported, this often. */
    GAPMAP_REPORT_SCAN_EVERY_MS: milliseconds(60_000),
    /** A closed organisation is erased this long after it was closed, unless an admin cancels. */
    GAPMAP_DELETION_GRACE_DAYS: z.coerce
      .number({ message: "expected a number of days" })
      .min(0, "expected 0 days or more")
      .default(14),
    /** Set (the image sets it): the worker writes its heartbeat here for `worker --check`. */
    GAPMAP_HEARTBEAT_FILE: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .optional(),
    /** Requests each API token may make per minute; more get 429 with Retry-After. */
    GAPMAP_API_RATE_LIMIT: z.coerce
      .number({ message: "expected a number of requests per minute" })
      .int("expected a whole number of requests per minute")
      .min(1, "expected at least 1 request per minute")
      .default(600),
    /** GET /metrics wants `Authorization: Bearer <token>`; required once DATABASE_URL is set (embedded mode: open). */
    METRICS_TOKEN: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(
        z
          .string()
          .min(16, "expected at least 16 characters (e.g. `openssl rand -hex 16`)")
          .optional(),
      )
      .optional(),
    // How long the web server waits on a client (README, Operations): a slow or stalled
    // client is cut off instead of holding a connection for Node's defaults (60 s for the
    // headers, 5 min for a request).
    /** The request line and headers must arrive within this long. */
    GAPMAP_HEADERS_TIMEOUT_MS: milliseconds(10_000),
    /** The whole request, body included, must arrive within this long. */
    GAPMAP_REQUEST_TIMEOUT_MS: milliseconds(30_000),
    /** An idle kept-alive connection is closed after this long (above a load balancer's own idle timeout, 60 s on most). */
    GAPMAP_KEEP_ALIVE_TIMEOUT_MS: milliseconds(65_000),
    /** Set by env() itself: this process's database is the embedded one (see env()). */
    GAPMAP_EMBEDDED_DATABASE: z.literal("1").optional(),
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
    if (env.DATABASE_URL && !env.GAPMAP_EMBEDDED_DATABASE && !env.METRICS_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["METRICS_TOKEN"],
        message:
          "required when DATABASE_URL is set: at least 16 random characters (e.g. `openssl rand -hex 16`), for GET /metrics",
      });
    }
    if (env.GAPMAP_REQUEST_TIMEOUT_MS < env.GAPMAP_HEADERS_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["GAPMAP_REQUEST_TIMEOUT_MS"],
        message:
          "expected at least GAPMAP_HEADERS_TIMEOUT_MS (the headers are part of the request)",
      });
    }
    if (env.DATABASE_URL && !env.ENCRYPTION_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["ENCRYPTION_KEY"],
        message:
          "required when DATABASE_URL is set: 32 bytes as 64 hex digits (e.g. `openssl rand -hex 32`)",
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
    SESSION_SECRET: env.SESSION_SECRET ?? embeddedSecret("session-secret"),
    ENCRYPTION_KEY: env.ENCRYPTION_KEY ?? embeddedSecret("encryption-key"),
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
 * generated secrets, the localhost URL) are written back to process.env: the Remix server
 * bundle holds its own copy of this module and parses again later, after the embedded
 * database has set DATABASE_URL, and must arrive at the same values: so it is also told
 * that this DATABASE_URL is the embedded one, not a deployment's (which wants METRICS_TOKEN).
 */
export function env(): Env {
  if (!cached) {
    cached = parseEnv(process.env);
    process.env.SESSION_SECRET ??= cached.SESSION_SECRET;
    process.env.ENCRYPTION_KEY ??= cached.ENCRYPTION_KEY;
    process.env.APP_URL ??= cached.APP_URL;
    if (!cached.DATABASE_URL) process.env.GAPMAP_EMBEDDED_DATABASE = "1";
  }
  return cached;
}
