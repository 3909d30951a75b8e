import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { QUEUES, createQueue, createWorker, type QueueName } from "~/lib/queues.server";
import * as queuesRoute from "~/routes/_app.admin.queues";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

// The admin's queue dashboard on the run's job backend: instance-wide counts and schedules,
// the organisation's own failed email jobs, and retry.

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const thing of opened) await thing.close();
});

async function failedMessage(organizationId: string, email: string) {
  return db
    .insertInto("notifications")
    .values({
      organization_id: organizationId,
      kind: "cycle_opened",
      recipient_email: email,
      idempotency_key: `queues:${randomUUID()}`,
      subject: `For ${email}`,
      body_text: "Hello",
      status: "failed",
      attempts: 5,
      last_error: "connect ECONNREFUSED",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

/** Adds jobs that fail at once, and waits until they have. */
async function failJobs(name: QueueName, jobs: { name: string; data: object }[]) {
  const queue = createQueue(name);
  opened.push(queue);
  const added = await queue.addBulk(jobs.map((j) => ({ ...j, opts: { attempts: 1 } })));
  const worker = createWorker(name, async () => {
    throw new Error("the SMTP server said no");
  });
  try {
    const deadline = Date.now() + 20_000;
    while ((await Promise.all(added.map((j) => j.isFailed()))).some((failed) => !failed)) {
      if (Date.now() > deadline) throw new Error("jobs did not fail in time");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await worker.close();
  }
  return added.map((j) => j.id as string);
}

type Page = Awaited<ReturnType<typeof queuesRoute.loader>>;

describe("the queue dashboard", () => {
  it("shows counts and the organisation's own failed jobs, retries them, and is for admins only", async () => {
    const a = await createOrgWithAdmin();
    const b = await createOrgWithAdmin();
    const ours = await failedMessage(a.organizationId, "ours@example.test");
    const theirs = await failedMessage(b.organizationId, "theirs@example.test");
    const [ourJob, theirJob] = await failJobs(QUEUES.email, [
      { name: "deliver", data: { notificationId: ours.id } },
      { name: "deliver", data: { notificationId: theirs.id } },
    ]);
    const [systemJob] = await failJobs(QUEUES.maintenance, [{ name: "housekeeping", data: {} }]);

    const page = (
      await call<Page>(
        queuesRoute.loader,
        buildRequest("/admin/queues", { cookie: a.admin.cookie }),
      )
    ).data;
    if (!page.reachable) throw new Error(page.error);
    const email = page.queues.find((q) => q.name === "email");
    expect(email?.counts.failed).toBeGreaterThanOrEqual(2);
    expect(page.queues.map((q) => q.name).sort()).toEqual(["channels", "email", "maintenance", "reminders"]);
    const shown = page.failed.map((j) => [j.queue, j.id]);
    expect(shown).toContainEqual(["email", ourJob]);
    expect(shown).toContainEqual(["maintenance", systemJob]);
    expect(shown).not.toContainEqual(["email", theirJob]);
    expect(JSON.stringify(page)).not.toContain("theirs@example.test");
    const ourRow = page.failed.find((j) => j.queue === "email" && j.id === ourJob);
    expect(ourRow?.failedReason).toBe("the SMTP server said no");
    expect(ourRow?.notification).toMatchObject({
      recipient: "ours@example.test",
      status: "failed",
    });

    for (const role of ["lead", "engineer"] as const) {
      const member = await addMember(a.organizationId, role);
      const refused = await call(
        queuesRoute.loader,
        buildRequest("/admin/queues", { cookie: member.cookie }),
      );
      expect(refused.status).toBe(403);
    }

    const retry = (cookie: string, queue: string, jobId: string) =>
      call(queuesRoute.action, buildRequest("/admin/queues", { cookie, form: { queue, jobId } }));

    // Another organisation's email job: 404, and nothing changes.
    expect((await retry(a.admin.cookie, "email", theirJob as string)).status).toBe(404);
    const untouched = await db
      .selectFrom("notifications")
      .select("status")
      .where("id", "=", theirs.id)
      .executeTakeFirstOrThrow();
    expect(untouched.status).toBe("failed");
    const emailQueue = createQueue(QUEUES.email);
    opened.push(emailQueue);
    expect(await emailQueue.getJobState(theirJob as string)).toBe("failed");

    // Our email job: its message goes back to pending in a new round, the failed job goes.
    expect((await retry(a.admin.cookie, "email", ourJob as string)).data).toMatchObject({
      ok: true,
    });
    expect(
      await db
        .selectFrom("notifications")
        .select(["status", "dispatch_round"])
        .where("id", "=", ours.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: "pending", dispatch_round: 1 });
    const after = (
      await call<Page>(
        queuesRoute.loader,
        buildRequest("/admin/queues", { cookie: a.admin.cookie }),
      )
    ).data;
    if (!after.reachable) throw new Error(after.error);
    expect(after.failed.map((j) => [j.queue, j.id])).not.toContainEqual(["email", ourJob]);

    // A system job runs again as it was; both retries are in the audit log.
    expect((await retry(a.admin.cookie, "maintenance", systemJob as string)).data).toMatchObject({
      ok: true,
    });
    const maintenance = createQueue(QUEUES.maintenance);
    opened.push(maintenance);
    expect(await maintenance.getJobState(systemJob as string)).toBe("waiting");
    const audit = await db
      .selectFrom("audit_log")
      .select("action")
      .where("organization_id", "=", a.organizationId)
      .orderBy("created_at")
      .execute();
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining(["notification.retry", "job.retry"]),
    );

    // Unknown jobs and queues are refused with a message, not a crash.
    expect((await retry(a.admin.cookie, "maintenance", "no-such-job")).status).toBe(404);
    const badQueue = await retry(a.admin.cookie, "everything", "1");
    expect(badQueue.status).toBe(422);
    expect(JSON.stringify(badQueue.data)).toContain("Unknown queue.");
  });
});
