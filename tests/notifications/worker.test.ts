import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { JobBackend } from "#jobs/queues";
import { createIsolatedDatabase } from "../support/isolated-database";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";

// The worker as it runs in production: a separate process, on each backend, delivering the
// outbox to a real SMTP server.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startWorkerProcess(env: Record<string, string>): ChildProcess {
  const child = spawn("node_modules/.bin/tsx", ["jobs/run-worker.ts"], {
    env: { ...process.env, LOG_LEVEL: "warn", GAPMAP_DISPATCH_EVERY_MS: "300", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
  return child;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function setUp(backend: JobBackend, messages: number) {
  const database = await createIsolatedDatabase();
  cleanups.push(() => database.drop());
  const sink: SmtpSink = await startSmtpSink();
  cleanups.push(() => sink.close());
  const recipients = Array.from({ length: messages }, (_, i) => `person-${i}@example.test`);
  await database.db
    .insertInto("notifications")
    .values(
      recipients.map((to) => ({
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
  const env = {
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    REDIS_URL: backend === "redis" ? "redis://127.0.0.1:6379" : "",
    GAPMAP_QUEUE_PREFIX: `test-${randomUUID()}`,
  };
  return { database, sink, recipients, env };
}

describe.each<JobBackend>(["postgres", "redis"])("the worker on the %s backend", (backend) => {
  it("delivers every pending outbox message exactly once, then stops cleanly on SIGTERM", async () => {
    const { database, sink, recipients, env } = await setUp(backend, 40);
    const worker = startWorkerProcess(env);
    await waitFor(() => sink.received.length >= recipients.length, 60_000);
    await waitFor(async () => {
      const pending = await database.db
        .selectFrom("notifications")
        .select("id")
        .where("status", "!=", "sent")
        .execute();
      return pending.length === 0;
    }, 10_000);
    // A little longer: nothing more may arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const perRecipient = new Map<string, number>();
    for (const mail of sink.received)
      for (const to of mail.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    expect([...perRecipient.keys()].sort()).toEqual([...recipients].sort());
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);

    worker.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => worker.once("exit", resolve));
    expect(code).toBe(0);
  }, 120_000);
});

describe.each<JobBackend>(["postgres", "redis"])("faults on the %s backend", (backend) => {
  it("a worker SIGKILLed mid fan-out and restarted: every recipient gets exactly one email", async () => {
    const { database, sink, recipients, env } = await setUp(backend, 2000);
    const first = startWorkerProcess(env);
    await waitFor(() => sink.received.length >= 300, 60_000);
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    expect(sink.received.length).toBeLessThan(recipients.length);

    startWorkerProcess(env);
    await waitFor(async () => {
      const open = await database.db
        .selectFrom("notifications")
        .select("id")
        .where("status", "!=", "sent")
        .limit(1)
        .execute();
      return open.length === 0 && sink.received.length >= recipients.length;
    }, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const counts = new Map<string, number>();
    for (const mail of sink.received)
      for (const to of mail.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    const missing = recipients.filter((r) => !counts.has(r));
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([to]) => to);
    expect({ missing, duplicated }).toEqual({ missing: [], duplicated: [] });
  }, 150_000);
});
