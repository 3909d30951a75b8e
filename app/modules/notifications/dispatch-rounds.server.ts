import { z } from "zod";
import { db } from "#db/database";
import { conflict, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";

// The two outboxes (emails, team-channel posts) give each row one delivery job per dispatch
// round; the job id names the row and its round, so a queue never holds two jobs for one
// round (ADR 009). What they share is here, once.

export type OutboxName = "notifications" | "channel_deliveries";

const LABELS: Record<OutboxName, { noun: string; objectType: string; action: string }> = {
  notifications: { noun: "message", objectType: "notification", action: "notification.retry" },
  channel_deliveries: {
    noun: "delivery",
    objectType: "channel_delivery",
    action: "channel_delivery.retry",
  },
};

/** A pending row that needs a delivery job. */
export interface Dispatchable {
  id: string;
  jobId: string;
  /** It was given a job before, which may still be waiting, running, finished or lost. */
  dispatchedBefore: boolean;
}

export function dispatchable(row: {
  id: string;
  dispatch_round: number;
  dispatched_at: Date | null;
}): Dispatchable {
  return {
    id: row.id,
    jobId: `${row.id}.${row.dispatch_round}`,
    dispatchedBefore: row.dispatched_at !== null,
  };
}

/** Moves rows still pending to a new dispatch round: their next job gets a new id. */
export async function newDispatchRound(table: OutboxName, ids: string[]) {
  if (!ids.length) return [];
  const rows = await db
    .updateTable(table)
    .set((eb) => ({ dispatch_round: eb("dispatch_round", "+", 1) }))
    .where("id", "in", ids)
    .where("status", "=", "pending")
    .returning(["id", "dispatch_round", "dispatched_at"])
    .execute();
  return rows.map(dispatchable);
}

/** Stamps rows whose jobs are queued: they wait before being dispatched again. */
export async function markDispatched(table: OutboxName, ids: string[]) {
  if (!ids.length) return;
  await db.updateTable(table).set({ dispatched_at: new Date() }).where("id", "in", ids).execute();
}

/** Sends a failed row of the organisation's outbox again, in a new dispatch round. Audited. */
export async function sendAgain(
  ctx: MemberContext,
  table: OutboxName,
  id: string,
  ip: string | null,
) {
  const label = LABELS[table];
  const what = label.noun[0]!.toUpperCase() + label.noun.slice(1);
  if (!z.uuid().safeParse(id).success) throw notFound(what);
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom(table)
      .select(["id", "status"])
      .where("organization_id", "=", ctx.organization.id)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound(what);
    if (row.status !== "failed") throw conflict(`Only a failed ${label.noun} can be sent again.`);
    await trx
      .updateTable(table)
      .set((eb) => ({
        status: "pending",
        dispatch_round: eb("dispatch_round", "+", 1),
        dispatched_at: null,
      }))
      .where("id", "=", row.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: label.action,
        objectType: label.objectType,
        objectId: row.id,
        ip,
      },
      trx,
    );
  });
}
