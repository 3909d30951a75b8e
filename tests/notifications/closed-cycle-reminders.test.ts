import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { createSmtpSender, deliverNotification } from "~/modules/notifications/delivery.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import { planReminders } from "~/modules/notifications/reminders.server";
import * as cycles from "~/routes/_app.admin.cycles._index";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";

// Reminders about a cycle stop the moment an admin closes it: those the scan wrote before
// the close, still waiting for delivery, never go out.

let sink: SmtpSink;
let sender: ReturnType<typeof createSmtpSender>;

beforeAll(async () => {
  sink = await startSmtpSink();
  sender = createSmtpSender(sink.url);
});

afterAll(async () => {
  sender?.close();
  await sink?.close();
});

describe("closing a cycle between the reminder scan and delivery", () => {
  it("sends none of its overdue reminders, and keeps other messages", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const engineers = [await addMember(organizationId), await addMember(organizationId)];
    const version = await db
      .selectFrom("organizations as o")
      .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
      .select("f.current_version_id")
      .where("o.id", "=", organizationId)
      .executeTakeFirstOrThrow();
    const cycle = await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: version.current_version_id as string,
        name: "2026-Q4",
        status: "open",
        starts_on: "2026-10-01",
        due_on: "2026-11-20",
        ends_on: "2026-12-31",
        opened_at: new Date("2026-10-01T08:00:00Z"),
      })
      .returning("id")
      .executeTakeFirstOrThrow();

    // The scan, after the due date: an overdue reminder for each engineer (and the admin).
    expect(
      await planReminders(new Date("2026-12-01T09:00:00Z"), { organizationId }),
    ).toBeGreaterThanOrEqual(2);
    const written = await db
      .selectFrom("notifications")
      .select(["id", "kind", "recipient_email"])
      .where("organization_id", "=", organizationId)
      .execute();
    const overdue = written.filter((n) => n.kind === "assessment_overdue");
    expect(overdue.map((n) => n.recipient_email)).toEqual(
      expect.arrayContaining(engineers.map((e) => e.email)),
    );

    // A message about something else, waiting beside them.
    await enqueueNotification({
      organizationId,
      kind: "report_ready",
      recipientUserId: admin.id,
      recipientEmail: admin.email,
      idempotencyKey: `report_ready:test:${cycle.id}`,
      subject: "Another matter",
      text: "Still sent",
      html: "<p>Still sent</p>",
    });
    const other = await db
      .selectFrom("notifications")
      .select("id")
      .where("idempotency_key", "=", `report_ready:test:${cycle.id}`)
      .executeTakeFirstOrThrow();

    const closed = await call(
      cycles.action,
      buildRequest("/admin/cycles", {
        cookie: admin.cookie,
        form: { intent: "close", cycleId: cycle.id },
      }),
    );
    expect(closed.status).toBe(200);

    // Delivery comes round: nothing about the closed cycle is sent.
    for (const n of written) await deliverNotification(n.id, sender);
    expect(await deliverNotification(other.id, sender)).toBe("sent");
    const toEngineers = sink.received.filter((m) => engineers.some((e) => m.to.includes(e.email)));
    expect(toEngineers).toEqual([]);
    const left = await db
      .selectFrom("notifications")
      .select("kind")
      .where("organization_id", "=", organizationId)
      .where("kind", "in", ["cycle_opened", "assessment_due", "assessment_overdue"])
      .execute();
    expect(left).toEqual([]);
  });
});
