import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as outboxRoute from "~/routes/_app.admin.outbox";
import * as messagesRoute from "~/routes/_app.messages";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

async function message(
  organizationId: string,
  user: { id: string; email: string },
  status: "pending" | "sent" | "failed" = "pending",
) {
  return db
    .insertInto("notifications")
    .values({
      organization_id: organizationId,
      kind: "cycle_opened",
      recipient_user_id: user.id,
      recipient_email: user.email,
      idempotency_key: `pages:${randomUUID()}`,
      subject: `For ${user.email}`,
      body_text: "Hello",
      status,
      last_error: status === "failed" ? "connect ECONNREFUSED" : null,
      attempts: status === "failed" ? 5 : 0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

describe("reading the outbox in the app", () => {
  it("shows each person only their own messages and saves which reminders they receive", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId, "engineer", "Mia");
    await message(organizationId, eng);
    await message(organizationId, admin);
    type Page = Awaited<ReturnType<typeof messagesRoute.loader>>;
    const page = (
      await call(messagesRoute.loader, buildRequest("/messages", { cookie: eng.cookie }))
    ).data as Page;
    expect(page.messages.map((m) => m.recipient_email)).toEqual([eng.email]);
    expect(page.kinds.every((k) => k.on)).toBe(true);

    const form = Object.fromEntries(
      page.kinds.filter((k) => k.kind !== "assessment_due").map((k) => [`receive.${k.kind}`, "on"]),
    );
    await call(messagesRoute.action, buildRequest("/messages", { cookie: eng.cookie, form }));
    const after = (
      await call(messagesRoute.loader, buildRequest("/messages", { cookie: eng.cookie }))
    ).data as Page;
    expect(after.kinds.filter((k) => !k.on).map((k) => k.kind)).toEqual(["assessment_due"]);
  });

  it("lets admins see every message and send a failed one again, within their organisation", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId, "engineer", "Ola");
    const failed = await message(organizationId, eng, "failed");
    const sent = await message(organizationId, eng, "sent");

    type Page = Awaited<ReturnType<typeof outboxRoute.loader>>;
    const page = (
      await call(
        outboxRoute.loader,
        buildRequest("/admin/outbox?status=failed", { cookie: admin.cookie }),
      )
    ).data as Page;
    expect(page.messages.map((m) => [m.id, m.last_error])).toEqual([
      [failed.id, "connect ECONNREFUSED"],
    ]);
    expect(page.counts).toEqual({ failed: 1, sent: 1 });

    const lead = await addMember(organizationId, "lead");
    const refused = await call(
      outboxRoute.loader,
      buildRequest("/admin/outbox", { cookie: lead.cookie }),
    );
    expect(refused.status).toBe(403);

    const retry = (id: string, cookie: string) =>
      call(
        outboxRoute.action,
        buildRequest("/admin/outbox", { cookie, form: { notificationId: id } }),
      );
    expect((await retry(failed.id, admin.cookie)).data).toEqual({
      ok: true,
      message: "Queued to be sent again.",
    });
    const row = await db
      .selectFrom("notifications")
      .select(["status", "dispatch_round", "dispatched_at"])
      .where("id", "=", failed.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "pending", dispatch_round: 1, dispatched_at: null });
    expect((await retry(sent.id, admin.cookie)).status).toBe(409);

    const other = await createOrgWithAdmin();
    expect((await retry(failed.id, other.admin.cookie)).status).toBe(404);
  });
});
