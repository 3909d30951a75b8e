import { sql, type Kysely } from "kysely";
import { stringify } from "csv-stringify/sync";
import { db as defaultDb } from "#db/database";
import type { Database, ExportStatus } from "#db/schema";
import { migrations } from "#db/migrations";
import { guardCell } from "~/lib/csv-cells";
import { notFound } from "~/lib/errors.server";
import { QUEUES, producerQueue } from "~/lib/queues.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { packArchive } from "./archive.server";
import {
  exportedColumns,
  ownRows,
  readTenantSchema,
  type TenantTable,
} from "./tenant-tables.server";

// The whole organisation as one archive (format in README, "Organisation data"): a manifest,
// one JSON Lines file per table and the same rows as CSV. Built by the worker; kept in the
// database for KEEP_DAYS, then removed by housekeeping.

export const EXPORT_FORMAT = "gapmap-organisation-export";
export const EXPORT_FORMAT_VERSION = 1;
export const KEEP_DAYS = 7;

/** The schema an archive was written with: the latest migration's name. */
export const SCHEMA_VERSION = Object.keys(migrations).at(-1) as string;

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  schemaVersion: string;
  exportedAt: string;
  organization: { id: string; name: string; slug: string };
  tables: Record<
    string,
    {
      kind: "copy" | "export_only";
      rows: number;
      file: string;
      csv: string;
      omittedColumns: string[];
    }
  >;
  /** Tables of the organisation left out, and why. */
  notExported: Record<string, string>;
}

export interface ExportJob {
  exportId: string;
}

const exportable = (t: TenantTable) => t.policy.kind === "copy" || t.policy.kind === "export_only";

/** Builds the archive; `progress` hears 0–100 with what is being read. */
export async function buildArchive(
  organizationId: string,
  progress: (percent: number, stage: string) => Promise<void> = async () => undefined,
  db: Kysely<Database> = defaultDb,
): Promise<{ archive: Buffer; manifest: ExportManifest }> {
  const schema = await readTenantSchema(db);
  const org = await db
    .selectFrom("organizations")
    .select(["id", "name", "slug"])
    .where("id", "=", organizationId)
    .executeTakeFirst();
  if (!org) throw notFound("Organisation");
  const tables = schema.tables.filter(exportable);
  const files: { name: string; body: Buffer }[] = [];
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    schemaVersion: SCHEMA_VERSION,
    exportedAt: new Date().toISOString(),
    organization: org,
    tables: {},
    notExported: Object.fromEntries(
      schema.tables
        .filter((t) => !exportable(t))
        .map((t) => [t.name, `${t.policy.kind}: ${t.policy.why ?? ""}`]),
    ),
  };
  // One snapshot of every table: rows written meanwhile appear in all of them or none.
  await db
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute(async (trx) => {
      for (const [index, table] of tables.entries()) {
        await progress(Math.round((index / tables.length) * 90), table.name);
        const columns = exportedColumns(table);
        const order = table.primaryKey.length ? table.primaryKey : columns.slice(0, 1);
        const { rows } = await sql<{ row: Record<string, unknown> }>`
        SELECT to_jsonb(t) - ${sql.val(table.policy.omit ?? [])}::text[] AS row
        FROM ${sql.table(table.name)} t
        WHERE ${ownRows(schema, table, organizationId)}
        ORDER BY ${sql.join(order.map((c) => sql.ref(`t.${c}`)))}`.execute(trx);
        const file = `data/${table.name}.jsonl`;
        const csv = `csv/${table.name}.csv`;
        files.push({
          name: file,
          body: Buffer.from(
            rows.map((r) => JSON.stringify(r.row)).join("\n") + (rows.length ? "\n" : ""),
          ),
        });
        files.push({
          name: csv,
          body: Buffer.from(
            toCsv(
              columns,
              rows.map((r) => r.row),
            ),
          ),
        });
        manifest.tables[table.name] = {
          kind: table.policy.kind as "copy" | "export_only",
          rows: rows.length,
          file,
          csv,
          omittedColumns: [...(table.policy.omit ?? [])],
        };
      }
    });
  await progress(95, "packing");
  files.unshift({
    name: "manifest.json",
    body: Buffer.from(JSON.stringify(manifest, null, 2) + "\n"),
  });
  return { archive: await packArchive(files), manifest };
}

function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (value: unknown) =>
    value === null || value === undefined
      ? ""
      : guardCell(typeof value === "object" ? JSON.stringify(value) : String(value));
  return stringify([columns, ...rows.map((row) => columns.map((c) => cell(row[c])))]);
}

/** An admin asks for an export: recorded, audited, and handed to the worker. */
export async function requestExport(
  ctx: MemberContext,
  ip: string | null,
  actorTokenId: string | null = null,
) {
  const row = await defaultDb.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto("organization_exports")
      .values({ organization_id: ctx.organization.id, requested_by_user_id: ctx.user.id })
      .returning(["id", "status", "created_at"])
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        actorTokenId,
        action: "organization.export_requested",
        objectType: "organization_export",
        objectId: created.id,
        ip,
      },
      trx,
    );
    return created;
  });
  await enqueueExport(row.id);
  return row;
}

async function enqueueExport(exportId: string) {
  // The job id makes a second enqueue of the same export (housekeeping's re-queue) a no-op.
  await producerQueue<ExportJob>(QUEUES.maintenance).add(
    "export",
    { exportId },
    { jobId: `export-${exportId}`, attempts: 2 },
  );
}

/** The worker's job: builds the archive and keeps it; progress is written as it goes. */
export async function runExport(exportId: string) {
  const job = await defaultDb
    .updateTable("organization_exports")
    .set({ status: "running", progress: 0, stage: "starting", error: null })
    .where("id", "=", exportId)
    .where("status", "in", ["queued", "running"])
    .returning(["organization_id"])
    .executeTakeFirst();
  if (!job) return { skipped: true };
  const report = async (percent: number, stage: string) => {
    await defaultDb
      .updateTable("organization_exports")
      .set({ progress: percent, stage })
      .where("id", "=", exportId)
      .execute();
  };
  try {
    const { archive, manifest } = await buildArchive(job.organization_id, report);
    await defaultDb
      .updateTable("organization_exports")
      .set({
        status: "ready",
        progress: 100,
        stage: null,
        archive,
        byte_size: archive.length,
        counts: JSON.stringify(
          Object.fromEntries(Object.entries(manifest.tables).map(([t, m]) => [t, m.rows])),
        ),
        finished_at: new Date(),
        expires_at: new Date(Date.now() + KEEP_DAYS * 86_400_000),
      })
      .where("id", "=", exportId)
      .execute();
    return { bytes: archive.length };
  } catch (error) {
    await defaultDb
      .updateTable("organization_exports")
      .set({
        status: "failed",
        stage: null,
        error: error instanceof Error ? error.message : String(error),
        finished_at: new Date(),
      })
      .where("id", "=", exportId)
      .execute();
    throw error;
  }
}

/**
 * Housekeeping: expired archives go; exports whose job was lost (Redis wiped, a worker
 * killed past its retries) are queued again.
 */
export async function tidyExports(now = new Date()) {
  const expired = await defaultDb
    .deleteFrom("organization_exports")
    .where("expires_at", "<", now)
    .executeTakeFirst();
  const stuck = await defaultDb
    .selectFrom("organization_exports")
    .select("id")
    .where("status", "in", ["queued", "running"])
    .where("created_at", "<", new Date(now.getTime() - 15 * 60_000))
    .execute();
  for (const { id } of stuck) {
    await defaultDb
      .updateTable("organization_exports")
      .set({ status: "queued" })
      .where("id", "=", id)
      .execute();
    await producerQueue<ExportJob>(QUEUES.maintenance)
      .remove(`export-${id}`)
      .catch(() => 0);
    await enqueueExport(id);
  }
  return { expiredExports: Number(expired.numDeletedRows), requeuedExports: stuck.length };
}

export interface ExportSummary {
  id: string;
  status: ExportStatus;
  progress: number;
  stage: string | null;
  byteSize: number | null;
  counts: Record<string, number> | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date | null;
  requestedBy: string | null;
}

const summaryColumns = [
  "e.id",
  "e.status",
  "e.progress",
  "e.stage",
  "e.byte_size",
  "e.counts",
  "e.error",
  "e.created_at",
  "e.finished_at",
  "e.expires_at",
  "u.display_name",
] as const;

function summary(row: {
  id: string;
  status: ExportStatus;
  progress: number;
  stage: string | null;
  byte_size: number | null;
  counts: Record<string, number> | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  expires_at: Date | null;
  display_name: string | null;
}): ExportSummary {
  return {
    id: row.id,
    status: row.status,
    progress: row.progress,
    stage: row.stage,
    byteSize: row.byte_size,
    counts: row.counts,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at,
    requestedBy: row.display_name,
  };
}

/** The organisation's exports still kept, newest first. */
export async function listExports(organizationId: string): Promise<ExportSummary[]> {
  const rows = await defaultDb
    .selectFrom("organization_exports as e")
    .leftJoin("users as u", "u.id", "e.requested_by_user_id")
    .select(summaryColumns)
    .where("e.organization_id", "=", organizationId)
    .where((eb) => eb.or([eb("e.expires_at", "is", null), eb("e.expires_at", ">", new Date())]))
    .orderBy("e.created_at", "desc")
    .limit(20)
    .execute();
  return rows.map(summary);
}

export async function getExport(organizationId: string, exportId: string): Promise<ExportSummary> {
  const row = await defaultDb
    .selectFrom("organization_exports as e")
    .leftJoin("users as u", "u.id", "e.requested_by_user_id")
    .select(summaryColumns)
    .where("e.organization_id", "=", organizationId)
    .where("e.id", "=", exportId)
    .where((eb) => eb.or([eb("e.expires_at", "is", null), eb("e.expires_at", ">", new Date())]))
    .executeTakeFirst();
  if (!row) throw notFound("Export");
  return summary(row);
}

/** The archive of a finished export, audited; another organisation's, expired or unfinished: not found. */
export async function downloadExport(
  ctx: MemberContext,
  exportId: string,
  ip: string | null,
  actorTokenId: string | null = null,
): Promise<{ body: Buffer; filename: string }> {
  const row = await defaultDb
    .selectFrom("organization_exports")
    .select(["archive", "created_at"])
    .where("organization_id", "=", ctx.organization.id)
    .where("id", "=", exportId)
    .where("status", "=", "ready")
    .where("expires_at", ">", new Date())
    .executeTakeFirst();
  if (!row?.archive) throw notFound("Export");
  await recordAudit({
    organizationId: ctx.organization.id,
    actorUserId: ctx.user.id,
    actorTokenId,
    action: "organization.export_downloaded",
    objectType: "organization_export",
    objectId: exportId,
    ip,
  });
  const day = row.created_at.toISOString().slice(0, 10);
  return { body: row.archive, filename: `gapmap-${ctx.organization.slug}-${day}.tar.gz` };
}
