import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Queue, UnrecoverableError, Worker, createPostgresBackend } from "bullmq";
import { Redis } from "ioredis";
import { expect } from "vitest";
import type { JobBackend } from "~/lib/queues.server";
import { createIsolatedDatabase } from "./isolated-database";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";
import { afterThisTest } from "./test-cleanups";
import { spawnWorkerProcess, stopProcess, workerCommand } from "./worker-process";

// The worker as it runs in production: a separate process, on either backend, delivering
// an isolated database's outbox to a real SMTP server.

/** Worker processes started by the current test that have not exited. */
const running = new Set<ChildProcess>();

/** Starts the worker process (worker-process.ts), killed after the current test. */
export function startWorkerProcess(
  env: Record<string, string>,
  command: [string, ...string[]] = workerCommand(),
): ChildProcess {
  const child = spawnWorkerProcess(env, command);
  running.add(child);
  child.once("exit", () => running.delete(child));
  afterThisTest(() => stopProcess(child));
  return child;
}

/** Sends `signal` and waits for the exit; a process that has already exited gives its code. */
export async function killWorker(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill(signal);
  return exited;
}

/**
 * Stops every running worker as a deployment does (SIGTERM: running jobs finish), and checks
 * that each stopped by itself: exit 1 is its stop deadline (jobs/run-worker.ts) cutting it off.
 */
async function stopWorkers() {
  const codes = await Promise.all([...running].map((child) => killWorker(child, "SIGTERM")));
  expect(codes, "exit codes of the workers stopped").toEqual(codes.map(() => 0));
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Long enough that a cut-off copy of it tells a whole body from a part of one. */
const BODY = "Hello from the outbox fixture.";

/**
 * An isolated database holding `messages` pending outbox rows, one per recipient, an SMTP
 * sink, and the environment a worker needs for them on `backend`.
 */
export async function outboxFixture(
  backend: JobBackend,
  messages: number,
  { redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379" } = {},
) {
  const database = await createIsolatedDatabase();
  afterThisTest(() => database.drop());
  const sink: SmtpSink = await startSmtpSink();
  afterThisTest(() => sink.close());
  const recipients = Array.from({ length: messages }, (_, i) => `person-${i}@example.test`);
  for (let i = 0; i < recipients.length; i += 1000) {
    await database.db
      .insertInto("notifications")
      .values(
        recipients.slice(i, i + 1000).map((to) => ({
          organization_id: null,
          kind: "cycle_opened",
          recipient_user_id: null,
          recipient_email: to,
          idempotency_key: `worker-test:${to}`,
          subject: `For ${to}`,
          body_text: BODY,
        })),
      )
      .execute();
  }
  const env = {
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    REDIS_URL: backend === "redis" ? redisUrl : "",
    GAPMAP_QUEUE_PREFIX: `test-${randomUUID()}`,
    // Faults play out in seconds: a killed worker's jobs return after the 5 s lock
    // (worker-process.ts; shorter ones are lost under load while the worker is busy), a failed
    // send is retried after 1, 2, 4 and 8 s, and a message whose job was lost (a Redis crash)
    // is queued again 5 s after its dispatch.
    GAPMAP_RETRY_BACKOFF_MS: "1000",
    GAPMAP_REDISPATCH_AFTER_MS: "5000",
  };

  /**
   * Recipients a SIGKILL took in the at-most-once window of ADR 009: their row is sent (its
   * COMMIT written) and the sink got their whole message, body and all, but the connection
   * closed before the final dot that follows the COMMIT by one synchronous step. A message
   * cut off any earlier is not one of these: its row must have rolled back and been sent again.
   */
  async function lostAtTheDot(to: SmtpSink = sink) {
    const arrived = new Set(to.received.flatMap((m) => m.to));
    // The sink's data stream holds a message's last 4 bytes back until it sees whether they
    // begin the final dot, so a whole body arrives without its last few characters.
    const whole = to.cutOff.filter((m) => {
      const [headers = "", ...rest] = m.raw.split("\r\n\r\n");
      const body = rest.join("\r\n\r\n");
      return (
        m.subject === `For ${m.to[0]}` &&
        headers.includes(m.to[0]!) &&
        BODY.startsWith(body) &&
        body.length >= BODY.length - 4
      );
    });
    const candidates = [...new Set(whole.flatMap((m) => m.to))].filter((r) => !arrived.has(r));
    if (candidates.length === 0) return [];
    const sent = await database.db
      .selectFrom("notifications")
      .select("recipient_email")
      .where("recipient_email", "in", candidates)
      .where("status", "=", "sent")
      .execute();
    return sent.map((r) => r.recipient_email!).sort();
  }

  /** Every row sent and every recipient's message received by `to` (or lost at the dot). */
  async function allDelivered(to: SmtpSink = sink) {
    const open = await database.db
      .selectFrom("notifications")
      .select("id")
      .where("status", "!=", "sent")
      .limit(1)
      .execute();
    if (open.length > 0) return false;
    const arrived = new Set(to.received.flatMap((m) => m.to)).size;
    return arrived + (await lostAtTheDot(to)).length >= recipients.length;
  }

  /**
   * Waits until every message is sent and received, however long that takes on a busy
   * machine, as long as deliveries keep coming: it fails once `idleMs` pass with none. A
   * killed worker's last message returns only once the stalled-job check finds its job,
   * which on BullMQ's PostgreSQL backend took over 60 s in a loaded CI run (1,999 of 2,000).
   */
  async function allDeliveredInTime(to: SmtpSink = sink, idleMs = 150_000) {
    let progress = -1;
    let lastProgressAt = Date.now();
    while (!(await allDelivered(to))) {
      const sent = await database.db
        .selectFrom("notifications")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "sent")
        .executeTakeFirstOrThrow();
      const now = Number(sent.n) + to.received.length;
      if (now !== progress) [progress, lastProgressAt] = [now, Date.now()];
      else if (Date.now() - lastProgressAt > idleMs)
        throw new Error(`no message delivered for ${idleMs} ms (${to.received.length} received)`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Who got nothing, who got more than one, once the workers have stopped: every send
   * they had started has then finished, so a late duplicate cannot slip past the count.
   */
  async function deliveryReport(to: SmtpSink = sink) {
    await stopWorkers();
    const counts = new Map<string, number>();
    for (const mail of to.received)
      for (const address of mail.to) counts.set(address, (counts.get(address) ?? 0) + 1);
    return {
      missing: recipients.filter((r) => !counts.has(r)),
      duplicated: [...counts].filter(([, n]) => n > 1).map(([address]) => address),
    };
  }

  return {
    database,
    sink,
    recipients,
    env,
    allDelivered,
    allDeliveredInTime,
    deliveryReport,
    lostAtTheDot,
  };
}

/**
 * Leaves a failed job `jobId` in `queueName` of the fixture's queue store, as BullMQ does
 * with a job that stalled twice (its worker killed, the next one too busy to take it over).
 */
export async function leaveFailedJob(
  backend: JobBackend,
  env: Record<string, string>,
  queueName: string,
  jobId: string,
  data: object,
) {
  const connection =
    backend === "redis"
      ? {
          connection: new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null }),
          prefix: env.GAPMAP_QUEUE_PREFIX,
        }
      : { connection: { connectionString: env.DATABASE_URL, schema: "bullmq", migrate: true } };
  const backendArgs = backend === "redis" ? [] : [createPostgresBackend];
  /* eslint-disable @typescript-eslint/no-explicit-any -- the two backends' generic types differ */
  const queue = new (Queue as any)(queueName, connection, ...backendArgs);
  const worker = new (Worker as any)(
    queueName,
    async () => {
      throw new UnrecoverableError("job stalled more than allowable limit");
    },
    connection,
    ...backendArgs,
  );
  /* eslint-enable @typescript-eslint/no-explicit-any */
  try {
    const failed = new Promise((resolve) => worker.once("failed", resolve));
    await queue.add("deliver", data, { jobId, attempts: 1 });
    await failed;
    expect(await queue.getJobState(jobId)).toBe("failed");
  } finally {
    await worker.close();
    await queue.close();
    if (backend === "redis") (connection.connection as Redis).disconnect();
  }
}
