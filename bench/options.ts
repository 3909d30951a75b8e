// What one benchmark run measures and at what size: the full size of the issue by default,
// a tiny smoke size (`--size smoke`, used by the test suite), and any figure overridden by a
// flag (`npm run bench -- --members 500 --fanout 2000`) or its BENCH_* variable.
import { parseArgs } from "node:util";
import type { JobBackend } from "~/lib/queues.server";
import type { DatasetSize } from "./dataset";
import type { TenantsSize } from "./many-tenants";

export interface BenchOptions {
  sizeName: "full" | "smoke" | "custom";
  dataset: DatasetSize;
  /** Members who each get a reminder in the fan-out, per backend. */
  fanoutMembers: number;
  /** Requests measured one at a time per view (after `warmup` unmeasured ones). */
  teamRequests: number;
  orgRequests: number;
  warmup: number;
  /** Replays of the views' SQL for the raw floor. */
  rawIterations: number;
  sustain: { seconds: number; connections: number };
  /** The live cycle: saves per second across the organisation while the views are read. */
  live: { seconds: number; savesPerSecond: number; savers: number; teamViewers: number };
  /** Small organisations loaded beside the large one for the many-tenant scenario (0: none). */
  tenants: TenantsSize;
  /** Self-assessment saves of every skill topic, one at a time. */
  saves: number;
  reportRuns: number;
  backends: JobBackend[];
  /** How often the fan-out's worker hands pending messages to delivery jobs. */
  dispatchEveryMs: number;
  /** Give up on a fan-out after this long. */
  fanoutTimeoutMs: number;
  keepDatabase: boolean;
  /** Where results.json goes. */
  out: string;
  redisUrl: string;
}

const FULL: Omit<BenchOptions, "out" | "redisUrl" | "keepDatabase" | "sizeName" | "backends"> = {
  dataset: { members: 2000, teams: 20, cycles: 8, mentorships: 500 },
  fanoutMembers: 10_000,
  teamRequests: 300,
  orgRequests: 100,
  warmup: 20,
  rawIterations: 100,
  sustain: { seconds: 20, connections: 20 },
  live: { seconds: 30, savesPerSecond: 20, savers: 400, teamViewers: 4 },
  tenants: { organizations: 1000, minPeople: 5, maxPeople: 60 },
  saves: 100,
  reportRuns: 3,
  dispatchEveryMs: 5000,
  fanoutTimeoutMs: 300_000,
};

const SMOKE: typeof FULL = {
  dataset: { members: 40, teams: 2, cycles: 3, mentorships: 10 },
  fanoutMembers: 60,
  teamRequests: 10,
  orgRequests: 5,
  warmup: 2,
  rawIterations: 5,
  sustain: { seconds: 2, connections: 2 },
  live: { seconds: 3, savesPerSecond: 5, savers: 10, teamViewers: 1 },
  tenants: { organizations: 3, minPeople: 5, maxPeople: 12 },
  saves: 3,
  reportRuns: 1,
  dispatchEveryMs: 300,
  fanoutTimeoutMs: 60_000,
};

export const USAGE = `usage: npm run bench -- [options]
  --size full|smoke        preset (default full: 2,000 members, 20 teams, 8 cycles, 500
                           mentorships, 10,000-member fan-out, 20 s at 20 connections)
  --members N --teams N --cycles N --mentorships N      the large data set
  --fanout N               members reminded in the fan-out, per backend
  --backends redis,postgres
  --team-requests N --org-requests N --raw-iterations N --saves N --report-runs N
  --sustain-seconds N --sustain-connections N
  --live-seconds N --live-saves-per-second N
                           the live cycle: saves across the organisation while leads and an
                           admin read the gap views (default 30 s at 20 saves/s)
  --tenants N              small organisations (5–60 people, one open cycle) loaded beside the
                           large one for the many-tenant scenario (default 1,000; 0 skips it)
  --dispatch-every-ms N    the fan-out worker's GAPMAP_DISPATCH_EVERY_MS
  --keep-db                keep the benchmark's databases (their names are printed)
  --out FILE               results file (default bench/results.json)
Each option may also be given as BENCH_<NAME> (e.g. BENCH_MEMBERS=500). Postgres is
DATABASE_URL's server (unset: the embedded one); Redis is REDIS_URL (default
redis://127.0.0.1:6379).`;

const NUMBER_FLAGS = [
  "members",
  "teams",
  "cycles",
  "mentorships",
  "fanout",
  "team-requests",
  "org-requests",
  "raw-iterations",
  "saves",
  "report-runs",
  "sustain-seconds",
  "sustain-connections",
  "live-seconds",
  "live-saves-per-second",
  "tenants",
  "dispatch-every-ms",
] as const;

export class UsageError extends Error {}

export function parseBenchOptions(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: "string" },
      backends: { type: "string" },
      "keep-db": { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean" },
      ...Object.fromEntries(NUMBER_FLAGS.map((f) => [f, { type: "string" as const }])),
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  const fromEnv = (flag: string) => env[`BENCH_${flag.toUpperCase().replaceAll("-", "_")}`];
  const text = (flag: string) => (values as Record<string, unknown>)[flag] ?? fromEnv(flag);

  const size = String(text("size") ?? "full");
  if (size !== "full" && size !== "smoke")
    throw new UsageError(`--size: expected full or smoke\n${USAGE}`);
  const base = structuredClone(size === "smoke" ? SMOKE : FULL);
  let custom = false;
  const number = (flag: (typeof NUMBER_FLAGS)[number], fallback: number, least = 1) => {
    const raw = text(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < least)
      throw new UsageError(`--${flag}: expected a whole number ≥ ${least}`);
    custom = true;
    return n;
  };
  const backends = String(text("backends") ?? "redis,postgres")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (!backends.length || backends.some((b) => b !== "redis" && b !== "postgres"))
    throw new UsageError("--backends: expected redis, postgres or both");

  const dataset: DatasetSize = {
    members: number("members", base.dataset.members),
    teams: number("teams", base.dataset.teams),
    cycles: Math.max(2, number("cycles", base.dataset.cycles)),
    mentorships: number("mentorships", base.dataset.mentorships),
  };
  const options: BenchOptions = {
    ...base,
    dataset,
    fanoutMembers: number("fanout", base.fanoutMembers),
    teamRequests: number("team-requests", base.teamRequests),
    orgRequests: number("org-requests", base.orgRequests),
    rawIterations: number("raw-iterations", base.rawIterations),
    saves: number("saves", base.saves),
    reportRuns: number("report-runs", base.reportRuns),
    sustain: {
      seconds: number("sustain-seconds", base.sustain.seconds),
      connections: number("sustain-connections", base.sustain.connections),
    },
    live: {
      ...base.live,
      seconds: number("live-seconds", base.live.seconds),
      savesPerSecond: number("live-saves-per-second", base.live.savesPerSecond),
    },
    tenants: { ...base.tenants, organizations: number("tenants", base.tenants.organizations, 0) },
    dispatchEveryMs: Math.max(100, number("dispatch-every-ms", base.dispatchEveryMs)),
    backends: backends as JobBackend[],
    keepDatabase: Boolean(
      values["keep-db"] ?? (fromEnv("keep-db") === "1" || fromEnv("keep-db") === "true"),
    ),
    out: String(text("out") ?? "bench/results.json"),
    redisUrl: env.REDIS_URL?.trim() || "redis://127.0.0.1:6379",
    sizeName: "full",
  };
  options.sizeName = custom ? "custom" : size;
  return options;
}
