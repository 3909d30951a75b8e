// Reminder fan-out end to end on one job backend: an organisation of `members` people whose
// cycle has just opened, the real worker process (jobs/run-worker.ts) on an SMTP sink, and
// the reminder scan triggered as its schedule would: from the scan job to the last message
// received. Beside it, in the same run and on the same backend, the bare floor: `members`
// no-op BullMQ jobs added (in the dispatcher's chunks) and processed at the email worker's
// concurrency. Each run has a database of its own, dropped at the end unless kept.
import { randomUUID } from "node:crypto";
import {
  Queue,
  Worker,
  createPostgresBackend,
  type QueueOptions,
  type WorkerOptions,
} from "bullmq";
import { Redis } from "ioredis";
import { sql, type Kysely } from "kysely";
import type { Database } from "#db/schema";
import type { JobBackend } from "#jobs/queues";
import { insertChunked } from "#seeds/bulk";
import { createOrganization } from "~/modules/accounts/organizations.server";
import { createIsolatedDatabase } from "../tests/support/isolated-database";
import { startSmtpSink } from "../tests/support/smtp-sink";
import { spawnWorkerProcess, stopProcess } from "../tests/support/worker-process";

/** The email worker's concurrency (jobs/worker.ts) and the dispatcher's chunk (dispatch-outbox.ts). */
const EMAIL_CONCURRENCY = 8;
const DISPATCH_CHUNK = 200;
/** The app's default job options (jobs/queues.ts), so the floor's jobs cost what real ones do. */
const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 5_000 },
} as const;

export interface FanoutResult {
  backend: JobBackend;
  members: number;
  delivered: number;
  /** Messages received more than once (same recipient, or same Message-ID). */
  duplicates: number;
  missing: number;
  notSent: number;
  /** Scan job queued → every message received. */
  seconds: number;
  /** Scan job queued → the scan's outbox rows written. */
  scanSeconds: number | null;
  perSecond: number;
  bare: { jobs: number; seconds: number; perSecond: number };
  /** Fan-out throughput as a share of the bare floor's. */
  ratio: number;
  database?: string;
}

interface Backend {
  queue(name: string): Queue;
  worker(name: string, processor: () => Promise<unknown>): Worker;
  close(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the two backends' generic types differ, as in jobs/queues.ts */
function backendFor(
  backend: JobBackend,
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
): Backend {
  const opened: { close(): Promise<unknown> }[] = [];
  const keep = <T extends { close(): Promise<unknown> }>(thing: T) => (opened.push(thing), thing);
  if (backend === "redis") {
    return {
      queue: (name) =>
        keep(
          new Queue(name, {
            connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
            prefix,
            defaultJobOptions: JOB_OPTIONS,
          } as QueueOptions),
        ),
      worker: (name, processor) =>
        keep(
          new Worker(name, processor, {
            connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
            prefix,
            concurrency: EMAIL_CONCURRENCY,
          } as WorkerOptions),
        ),
      close: async () => {
        for (const thing of opened.splice(0).reverse()) await thing.close();
      },
    };
  }
  const connection = { connectionString: databaseUrl, schema: "bullmq", migrate: true };
  return {
    queue: (name) =>
      keep(
        new Queue(
          name,
          { connection, defaultJobOptions: JOB_OPTIONS } as any,
          createPostgresBackend,
        ) as any,
      ),
    worker: (name, processor) =>
      keep(
        new Worker(
          name,
          processor as any,
          { connection, concurrency: EMAIL_CONCURRENCY } as any,
          createPostgresBackend,
        ) as any,
      ),
    close: async () => {
      for (const thing of opened.splice(0).reverse()) await thing.close();
    },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Deletes every key of the run's queues from the shared Redis. */
async function clearRedisPrefix(redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl);
  try {
    const stream = redis.scanStream({ match: `${prefix}:*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>)
      if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** One organisation, `members` active members, and a planned cycle that starts today. */
async function seedOrganization(db: Kysely<Database>, members: number) {
  return db.transaction().execute(async (trx) => {
    const admin = await trx
      .insertInto("users")
      .values({
        email: "admin@fanout.gapmap.test",
        display_name: "Fan-out Admin",
        password_hash: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const org = await createOrganization(trx, {
      name: "Bench Fan-out Org",
      userId: admin.id,
      timeZone: "UTC",
    });
    const version = await trx
      .selectFrom("frameworks")
      .select("current_version_id")
      .where("organization_id", "=", org.organizationId)
      .executeTakeFirstOrThrow();
    for (let i = 1; i < members; i += 1000) {
      const count = Math.min(1000, members - i);
      const users = await trx
        .insertInto("users")
        .values(
          Array.from({ length: count }, (_, k) => ({
            email: `person-${i + k}@fanout.gapmap.test`,
            display_name: `Person ${i + k}`,
            password_hash: null,
          })),
        )
        .returning("id")
        .execute();
      await insertChunked(
        trx,
        "memberships",
        users.map((u) => ({ organization_id: org.organizationId, user_id: u.id })),
      );
    }
    const today = new Date();
    const day = (offset: number) =>
      new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const cycle = await trx
      .insertInto("cycles")
      .values({
        organization_id: org.organizationId,
        framework_version_id: version.current_version_id as string,
        name: "Fan-out quarter",
        status: "planned",
        starts_on: day(-1),
        // Far enough ahead that no "due in N days" reminder applies: one message each.
        due_on: day(20),
        ends_on: day(60),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { organizationId: org.organizationId, cycleId: cycle.id };
  });
}

/** Polls `check` until it holds (true) or `timeoutMs` passes (false). */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, poll = 25) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, poll));
  }
  return true;
}

async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  poll = 25,
) {
  if (!(await waitFor(check, timeoutMs, poll)))
    throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
}

/** Adds `jobs` no-op jobs in the dispatcher's chunks and processes them; seconds from first add to last done. */
async function bareFloor(jobs: Backend, count: number, timeoutMs: number) {
  const name = "bench-noop";
  const queue = jobs.queue(name);
  let done = 0;
  const worker = jobs.worker(name, async () => undefined);
  worker.on("completed", () => (done += 1));
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < count; i += DISPATCH_CHUNK)
    await queue.addBulk(
      Array.from({ length: Math.min(DISPATCH_CHUNK, count - i) }, (_, k) => ({
        name: "noop",
        data: { n: i + k },
      })),
    );
  await waitUntil(() => done >= count, timeoutMs, "bare BullMQ floor", 5);
  const seconds = (performance.now() - started) / 1000;
  return { jobs: count, seconds: round(seconds, 2), perSecond: round(count / seconds, 1) };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function measureFanout(
  backend: JobBackend,
  options: {
    members: number;
    serverUrl: string;
    redisUrl: string;
    dispatchEveryMs: number;
    timeoutMs: number;
    keepDatabase: boolean;
    log: (message: string) => void;
  },
): Promise<FanoutResult> {
  const { members, log } = options;
  const database = await createIsolatedDatabase({
    prefix: `gapmap_bench_fanout_${backend}`,
    serverUrl: options.serverUrl,
  });
  const prefix = `bench-${randomUUID()}`;
  const sink = await startSmtpSink();
  const jobs = backendFor(backend, database.url, options.redisUrl, prefix);
  let worker: ReturnType<typeof spawnWorkerProcess> | undefined;
  try {
    const { cycleId } = await seedOrganization(database.db, members);
    await sql`ANALYZE`.execute(database.db);
    log(`  ${backend}: ${members} members seeded; starting the worker`);
    worker = spawnWorkerProcess({
      DATABASE_URL: database.url,
      SMTP_URL: sink.url,
      REDIS_URL: backend === "redis" ? options.redisUrl : "",
      GAPMAP_QUEUE_PREFIX: prefix,
      SESSION_SECRET: process.env.SESSION_SECRET ?? randomUUID().repeat(2),
      APP_URL: "http://127.0.0.1:3000",
      GAPMAP_DISPATCH_EVERY_MS: String(options.dispatchEveryMs),
      // The scan runs when the bench queues it, not on its own meanwhile.
      GAPMAP_REMINDER_SCAN_EVERY_MS: String(3_600_000),
      GAPMAP_JOB_LOCK_MS: "30000",
      LOG_LEVEL: "error",
    });
    const reminders = jobs.queue("reminders");
    // Ready: the worker has run a job of its own schedules (the dispatcher runs at once).
    await waitUntil(
      async () => ((await reminders.getJobCounts("completed")).completed ?? 0) >= 1,
      60_000,
      "worker start",
      100,
    );

    // An admin opens the cycle (drafts for everyone, as openCycle does); the scan follows.
    await database.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("cycles")
        .set({ status: "open", opened_at: new Date() })
        .where("id", "=", cycleId)
        .execute();
      await sql`INSERT INTO assessments (organization_id, cycle_id, member_id)
        SELECT organization_id, ${cycleId}, id FROM memberships WHERE active`.execute(trx);
    });
    const queuedAt = new Date();
    const started = performance.now();
    await reminders.add("scan", {});
    const running = worker;
    const complete = await waitFor(() => {
      if (running.exitCode !== null)
        throw new Error(`the ${backend} worker exited with ${running.exitCode}`);
      return sink.received.length >= members;
    }, options.timeoutMs);
    const seconds = (performance.now() - started) / 1000;
    if (!complete)
      log(
        `  ${backend}: only ${sink.received.length} of ${members} received within ${options.timeoutMs / 1000} s`,
      );

    // Stragglers (a duplicate would arrive after the count was reached).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const byRecipient = new Map<string, number>();
    const byMessageId = new Map<string, number>();
    for (const mail of sink.received) {
      for (const to of mail.to) byRecipient.set(to, (byRecipient.get(to) ?? 0) + 1);
      byMessageId.set(mail.messageId, (byMessageId.get(mail.messageId) ?? 0) + 1);
    }
    const duplicates = Math.max(
      [...byRecipient.values()].reduce((sum, n) => sum + n - 1, 0),
      [...byMessageId.values()].reduce((sum, n) => sum + n - 1, 0),
    );
    const outbox = await database.db
      .selectFrom("notifications")
      .select((eb) => [
        eb.fn.countAll<number>().as("total"),
        eb.fn.count<number>("id").filterWhere("status", "!=", "sent").as("not_sent"),
        eb.fn.max("created_at").as("written"),
      ])
      .executeTakeFirstOrThrow();
    await stopProcess(worker);
    worker = undefined;

    log(
      `  ${backend}: ${sink.received.length} received in ${seconds.toFixed(1)} s; now the bare BullMQ floor`,
    );
    const bare = await bareFloor(jobs, members, options.timeoutMs);
    const perSecond = members / seconds;
    return {
      backend,
      members,
      delivered: byRecipient.size,
      duplicates,
      missing: Math.max(0, members - byRecipient.size),
      notSent: outbox.not_sent + Math.max(0, members - outbox.total),
      seconds: round(seconds, 2),
      scanSeconds: outbox.written
        ? round((new Date(outbox.written).getTime() - queuedAt.getTime()) / 1000, 2)
        : null,
      perSecond: round(perSecond, 1),
      bare,
      ratio: round(perSecond / bare.perSecond, 3),
      ...(options.keepDatabase ? { database: database.name } : {}),
    };
  } finally {
    if (worker) await stopProcess(worker);
    await jobs.close();
    await sink.close();
    if (backend === "redis") await clearRedisPrefix(options.redisUrl, prefix);
    if (options.keepDatabase) await database.db.destroy();
    else await database.drop();
  }
}
