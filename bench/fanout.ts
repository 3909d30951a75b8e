// Reminder fan-out end to end on one job backend: an organisation of `members` people whose
// cycle has just opened, the real worker process (jobs/run-worker.ts) on an SMTP sink, and
// the reminder scan triggered as its schedule would: from the scan job to the last message
// received. Beside it, in the same run and on the same backend, the bare floor: `members`
// no-op BullMQ jobs added (in the dispatcher's chunks) and processed at the email worker's
// concurrency; and the SMTP floor: the same messages composed and sent with nothing else
// around them. Each run has a database of its own, dropped at the end unless kept.
import { randomUUID } from "node:crypto";
import {
  Queue,
  Worker,
  createPostgresBackend,
  type QueueOptions,
  type WorkerOptions,
} from "bullmq";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { DISPATCH_CHUNK } from "#jobs/processors/dispatch-outbox";
// The app's own job options and concurrency, so the floor's jobs cost what real ones do.
import { EMAIL_CONCURRENCY, defaultJobOptions, type JobBackend } from "~/lib/queues.server";
import { composeMessage, type OutboxMessage } from "~/modules/notifications/delivery.server";
import { createSmtpConnections } from "~/modules/notifications/smtp-connections.server";
import { openCycleForEveryone, seedOrganizationWithNewCycle } from "../tests/support/cycle-opening";
import { createIsolatedDatabase } from "../tests/support/isolated-database";
import { startSmtpSink } from "../tests/support/smtp-sink";
import { spawnWorkerProcess, stopProcess } from "../tests/support/worker-process";

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
  /** The same messages composed and sent alone: no queue, no database (see smtpFloor). */
  smtp: { messages: number; seconds: number; perSecond: number };
  /** Fan-out throughput as a share of the SMTP floor's. */
  ratioToSmtp: number;
  database?: string;
}

interface Backend {
  queue(name: string): Queue;
  worker(name: string, processor: () => Promise<unknown>): Worker;
  close(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the two backends' generic types differ, as in app/lib/queues.server.ts */
function backendFor(
  backend: JobBackend,
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
): Backend {
  const opened: { close(): Promise<unknown> }[] = [];
  const keep = <
    T extends { close(): Promise<unknown>; on(event: "error", f: (err: Error) => void): unknown },
  >(
    thing: T,
  ) => {
    opened.push(thing);
    // One line per error, not BullMQ's dump of the whole object (its PostgreSQL backend's
    // retention can deadlock under concurrent completions, which BullMQ retries).
    thing.on("error", (err: Error) => console.warn(`  bare BullMQ on ${backend}: ${err.message}`));
    return thing;
  };
  if (backend === "redis") {
    return {
      queue: (name) =>
        keep(
          new Queue(name, {
            connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
            prefix,
            defaultJobOptions,
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
      keep(new Queue(name, { connection, defaultJobOptions } as any, createPostgresBackend) as any),
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

/**
 * The fan-out's messages composed as the worker composes them and sent over as many SMTP
 * connections as it uses, into a fresh sink, with no queue and no database: the most any
 * pipeline that composes and sends each message one by one could reach on this machine.
 */
async function smtpFloor(messages: OutboxMessage[]) {
  const sink = await startSmtpSink();
  const connections = createSmtpConnections(sink.url, { maxConnections: EMAIL_CONCURRENCY });
  try {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: EMAIL_CONCURRENCY }, async () => {
        for (let row = messages[next++]; row; row = messages[next++]) {
          const { from, message } = await composeMessage(row);
          await connections.send({ from, to: [row.recipient_email] }, message, () => undefined);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (sink.received.length !== messages.length)
      throw new Error(`SMTP floor: ${sink.received.length} of ${messages.length} received`);
    const count = messages.length;
    return { messages: count, seconds: round(seconds, 2), perSecond: round(count / seconds, 1) };
  } finally {
    connections.close();
    await sink.close();
  }
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
    const { cycleId } = await seedOrganizationWithNewCycle(database.db, members);
    await sql`ANALYZE`.execute(database.db);
    log(`  ${backend}: ${members} members seeded; starting the worker`);
    worker = spawnWorkerProcess({
      DATABASE_URL: database.url,
      SMTP_URL: sink.url,
      REDIS_URL: backend === "redis" ? options.redisUrl : "",
      GAPMAP_QUEUE_PREFIX: prefix,
      SESSION_SECRET: process.env.SESSION_SECRET ?? randomUUID().repeat(2),
      ENCRYPTION_KEY: process.env.ENCRYPTION_KEY ?? randomUUID().replaceAll("-", "").repeat(2),
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
    await openCycleForEveryone(database.db, cycleId);
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
    log(`  ${backend}: the SMTP floor (the same messages composed and sent alone)`);
    const smtp = await smtpFloor(
      await database.db
        .selectFrom("notifications")
        .select(["recipient_email", "subject", "body_text", "body_html", "idempotency_key"])
        .execute(),
    );
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
      smtp,
      ratioToSmtp: round(perSecond / smtp.perSecond, 3),
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
