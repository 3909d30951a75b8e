import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import {
  createSmtpSender,
  deliverNotification,
  type SendMessage,
} from "~/modules/notifications/delivery.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import { createOrgWithAdmin } from "../support/factories";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";

let sink: SmtpSink;
let sender: ReturnType<typeof createSmtpSender>;
let organizationId: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  sender = createSmtpSender(sink.url);
  ({ organizationId } = await createOrgWithAdmin());
});

afterAll(async () => {
  sender?.close();
  await sink?.close();
});

async function outboxRow(to = `to-${randomUUID().slice(0, 8)}@example.test`) {
  const key = `test:${randomUUID()}`;
  await enqueueNotification({
    organizationId,
    kind: "cycle_opened",
    recipientUserId: null,
    recipientEmail: to,
    idempotencyKey: key,
    subject: `Hello ${to}`,
    text: "Plain body",
    html: "<p>HTML body</p>",
  });
  const row = await db
    .selectFrom("notifications")
    .select("id")
    .where("idempotency_key", "=", key)
    .executeTakeFirstOrThrow();
  return { id: row.id, to };
}

const receivedBy = (to: string) => sink.received.filter((m) => m.to.includes(to));

async function statusOf(id: string) {
  return db
    .selectFrom("notifications")
    .select(["status", "attempts", "last_error"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

describe("delivering the outbox over SMTP", () => {
  it("sends a message once, with a Message-ID from its key, and marks it sent", async () => {
    const { id, to } = await outboxRow();
    expect(await deliverNotification(id, sender)).toBe("sent");
    expect(await deliverNotification(id, sender)).toBe("skipped");
    const mail = receivedBy(to);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe(`Hello ${to}`);
    expect(mail[0]!.messageId).toMatch(/^<[0-9a-f]{32}@gapmap>$/);
    expect(await statusOf(id)).toMatchObject({ status: "sent", attempts: 1, last_error: null });
  });

  it("sends once when several workers deliver the same row at the same moment", async () => {
    const { id, to } = await outboxRow();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => deliverNotification(id, sender)),
    );
    expect(results.filter((r) => r === "sent")).toHaveLength(1);
    expect(results.filter((r) => r === "skipped")).toHaveLength(4);
    expect(receivedBy(to)).toHaveLength(1);
  });

  it("the SMTP sender commits at the last moment: after the body, before the server has the message", async () => {
    const { id, to } = await outboxRow();
    const seen: number[] = [];
    const spying: SendMessage = (outgoing) =>
      sender({
        ...outgoing,
        beforeFinalDot: () => {
          seen.push(receivedBy(to).length);
          outgoing.beforeFinalDot();
        },
      });
    expect(await deliverNotification(id, spying)).toBe("sent");
    expect(seen).toEqual([0]);
    expect(receivedBy(to)).toHaveLength(1);
    expect(await statusOf(id)).toMatchObject({ status: "sent" });
  });

  it("delivers nothing when the sender dies before the message is released, and sends it on retry", async () => {
    const { id, to } = await outboxRow();
    // The sender gives up before the final dot (the connection drops mid-DATA): what a
    // worker SIGKILLed mid-send looks like from the server's side.
    const dying: SendMessage = async () => {
      throw new Error("worker killed mid-send");
    };
    await expect(deliverNotification(id, dying)).rejects.toThrow("worker killed mid-send");
    expect(await statusOf(id)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_error: "worker killed mid-send",
    });
    expect(receivedBy(to)).toHaveLength(0);
    expect(await deliverNotification(id, sender)).toBe("sent");
    expect(receivedBy(to)).toHaveLength(1);
  });

  it("never resends a message cut off after it was recorded: the server discarded it, an admin decides", async () => {
    const { id, to } = await outboxRow();
    // The body reached the server and the send was recorded; the connection then dies
    // before the final dot.
    const killedAfterBody: SendMessage = async ({ beforeFinalDot }) => {
      beforeFinalDot();
      throw new Error("killed");
    };
    await expect(deliverNotification(id, killedAfterBody)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receivedBy(to)).toHaveLength(0);
    const row = await statusOf(id);
    expect(row.status).toBe("failed");
    expect(row.last_error).toContain("it may have arrived");
    expect(await deliverNotification(id, sender)).toBe("skipped");
  });

  it("keeps a message pending while the SMTP server is down, and fails it after the last attempt", async () => {
    const { id, to } = await outboxRow();
    const down = createSmtpSender("smtp://127.0.0.1:9");
    try {
      await expect(deliverNotification(id, down)).rejects.toThrow();
      expect(await statusOf(id)).toMatchObject({ status: "pending", attempts: 1 });
      await expect(deliverNotification(id, down, { finalAttempt: true })).rejects.toThrow();
      const failed = await statusOf(id);
      expect(failed).toMatchObject({ status: "failed", attempts: 2 });
      expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      down.close();
    }
    expect(receivedBy(to)).toHaveLength(0);
  });
});
