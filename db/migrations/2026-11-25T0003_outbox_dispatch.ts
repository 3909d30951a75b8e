import { sql, type Kysely } from "kysely";

// Outbox delivery (ADR 009): the dispatcher finds pending rows not dispatched lately through
// a partial index and stamps them (dispatched_at, the unused claimed_at renamed), so each
// pass queues only new rows and ones whose job may have been lost; each row's delivery job
// is named by the row and its dispatch round, which an admin's retry of a failed message
// advances so the retry gets a fresh job.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`ALTER TABLE notifications RENAME COLUMN claimed_at TO dispatched_at`.execute(db);
  await db.schema
    .alterTable("notifications")
    .addColumn("dispatch_round", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`CREATE INDEX notifications_pending_idx ON notifications (dispatched_at NULLS FIRST)
    WHERE status = 'pending'`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`DROP INDEX IF EXISTS notifications_pending_idx`.execute(db);
  await db.schema.alterTable("notifications").dropColumn("dispatch_round").execute();
  await sql`ALTER TABLE notifications RENAME COLUMN dispatched_at TO claimed_at`.execute(db);
}
