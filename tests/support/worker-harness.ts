import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterEach } from "vitest";
import type { JobBackend } from "#jobs/queues";
import { createIsolatedDatabase } from "./isolated-database";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";
import { spawnWorkerProcess, stopProcess, WORKER_COMMAND } from "./worker-process";

// The worker as it runs in production: a separate process, on either backend, delivering
// an isolated database's outbox to a real SMTP server.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, newest first. */
export function afterThisTest(cleanup: () => Promise<void>) {
  cleanups.push(cleanup);
}

/** Starts the worker process (worker-process.ts), killed after the current test. */
export function startWorkerProcess(
  env: Record<string, string>,
  command: [string, ...string[]] = WORKER_COMMAND,
): ChildProcess {
  const child = spawnWorkerProcess(env, command);
  afterThisTest(() => stopProcess(child));
  return child;
}

export async function killWorker(child: ChildProcess, signal: NodeJS.Signals) {
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill(signal);
  return exited;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

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
          body_text: "Hello",
        })),
      )
      .execute();
  }
  const env = {
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    REDIS_URL: backend === "redis" ? redisUrl : "",
    GAPMAP_QUEUE_PREFIX: `test-${randomUUID()}`,
  };

  /** Every row sent and every recipient's message received (by `received`). */
  async function allDelivered(received = sink.received) {
    const open = await database.db
      .selectFrom("notifications")
      .select("id")
      .where("status", "!=", "sent")
      .limit(1)
      .execute();
    return open.length === 0 && received.length >= recipients.length;
  }

  /** After a short wait for stragglers: who got nothing, who got more than one. */
  async function deliveryReport(received = sink.received) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const counts = new Map<string, number>();
    for (const mail of received)
      for (const to of mail.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return {
      missing: recipients.filter((r) => !counts.has(r)),
      duplicated: [...counts].filter(([, n]) => n > 1).map(([to]) => to),
    };
  }

  return { database, sink, recipients, env, allDelivered, deliveryReport };
}
