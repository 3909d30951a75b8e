import type { Kysely } from "kysely";
import { db as defaultDb } from "#db/database";
import type { Database } from "#db/schema";

export interface AuditEntry {
  organizationId: string;
  actorUserId: string | null;
  actorTokenId?: string | null;
  action: string;
  objectType: string;
  objectId?: string | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

/** Records who did what to which object; call inside the transaction that did it. */
export async function recordAudit(entry: AuditEntry, executor: Kysely<Database> = defaultDb) {
  await executor
    .insertInto("audit_log")
    .values({
      organization_id: entry.organizationId,
      actor_user_id: entry.actorUserId,
      actor_token_id: entry.actorTokenId ?? null,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId ?? null,
      // Postgres refuses JSON holding half a UTF-16 surrogate pair, which a pasted name may.
      details: JSON.stringify(entry.details ?? {}, (_, value: unknown) =>
        typeof value === "string" ? value.toWellFormed() : value,
      ),
      ip: entry.ip ?? null,
    })
    .execute();
}
