import { createHash, randomBytes, randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import {
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { z } from "zod";
import { db as defaultDb } from "#db/database";
import type { Database } from "#db/schema";
import { invalid } from "~/lib/errors.server";
import { recordAudit } from "~/modules/audit/audit.server";
import {
  ARCHIVE_LIMITS,
  ArchiveRefused,
  unpackArchive,
  type ArchiveLimits,
} from "./archive.server";
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, SCHEMA_VERSION } from "./export.server";
import {
  ownRows,
  readTenantSchema,
  rowColumns,
  type TenantSchema,
  type TenantTable,
} from "./tenant-tables.server";

// A new organisation from an export archive, on this installation or another of the same
// schema version. Every id is new (remapped wherever it appears, snapshots included), every
// reference is checked against the archive before anything is written, and the rows written
// are counted against the manifest; all in one transaction, so a refused archive leaves
// nothing behind. People are matched by email: an account that already exists here is
// linked (its name and password are untouched); others are created without a password
// (they set one with "Forgot password", or sign in with SSO once it is set up again).

export { ArchiveRefused };

const ManifestSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  formatVersion: z.number(),
  schemaVersion: z.string(),
  organization: z.object({ id: z.uuid(), name: z.string(), slug: z.string() }),
  tables: z.record(
    z.string(),
    z.object({
      kind: z.enum(["copy", "export_only"]),
      rows: z.number().int().min(0),
      file: z.string(),
    }),
  ),
});

export interface ImportResult {
  organizationId: string;
  name: string;
  /** Rows written per table (equal to the manifest's). */
  counts: Record<string, number>;
  /** People whose account already existed here and was linked. */
  linkedPeople: number;
}

type Row = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHUNK = 2_000;

export async function importArchive(
  archive: Buffer,
  importer: { userId: string; ip?: string | null },
  {
    limits = ARCHIVE_LIMITS,
    db = defaultDb,
  }: { limits?: ArchiveLimits; db?: Kysely<Database> } = {},
): Promise<ImportResult> {
  const files = await unpackArchive(archive, limits);
  const manifest = readManifest(files.get("manifest.json"));
  const schema = await readTenantSchema(db);
  const copied = schema.tables.filter((t) => t.policy.kind === "copy");
  const rows = readRows(files, manifest, schema, copied);
  checkOrganisation(rows, manifest.organization.id, copied);
  checkReferences(rows, copied);

  return db
    .transaction()
    .execute(async (trx) => {
      const ids = await newIds(trx, rows, copied, manifest.organization.id);
      const newOrgId = ids.get(manifest.organization.id) as string;
      const remap = (value: unknown): unknown => {
        if (typeof value === "string") return UUID.test(value) ? (ids.get(value) ?? value) : value;
        if (Array.isArray(value)) return value.map(remap);
        if (value && typeof value === "object")
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remap(v)]));
        return value;
      };
      const linked = ids.linkedUsers;
      const deferredUpdates: { table: TenantTable; rows: Row[]; columns: string[] }[] = [];
      // Sequence-numbered keys (ratings, calibration resolutions, the audit log) get this
      // installation's numbers: old → new per "table.column", for the rows pointing at them.
      const numbers = new Map<string, Map<string, number>>();
      for (const table of copied) {
        let tableRows = (rows.get(table.name) ?? []).map((r) => {
          const row = remap(r) as Row;
          for (const fk of table.foreignKeys)
            fk.columns.forEach((c, i) => {
              const renumbered = numbers.get(`${fk.refTable}.${fk.refColumns[i]}`);
              if (renumbered && row[c] !== null && row[c] !== undefined)
                row[c] = renumbered.get(String(row[c])) ?? row[c];
            });
          return row;
        });
        if (table.name === "users")
          tableRows = tableRows.filter((r) => !linked.has(r.id as string));
        if (table.name === "organizations")
          tableRows = [{ ...tableRows[0], slug: await freeSlug(trx, String(tableRows[0]!.slug)) }];
        if (table.name === "api_tokens")
          // The token itself never left its installation: the name and history come, unusable.
          tableRows = tableRows.map((r) => ({
            ...r,
            token_hash: createHash("sha256").update(randomBytes(32)).digest("hex"),
            revoked_at: r.revoked_at ?? new Date().toISOString(),
          }));
        const deferred = (schema.deferred.get(table.name) ?? []).flatMap(rowColumns);
        if (deferred.length) {
          deferredUpdates.push({ table, rows: tableRows, columns: deferred });
          tableRows = tableRows.map((r) => ({
            ...r,
            ...Object.fromEntries(deferred.map((c) => [c, null])),
          }));
        }
        tableRows = await renumber(trx, table, tableRows, numbers);
        await insertRows(trx, table, tableRows);
      }
      for (const { table, rows: tableRows, columns } of deferredUpdates) {
        const match = sql.join(
          table.primaryKey.map((c) => sql`t.${sql.ref(c)} = x.${sql.ref(c)}`),
          sql` AND `,
        );
        const sets = sql.join(columns.map((c) => sql`${sql.ref(c)} = x.${sql.ref(c)}`));
        await sql`UPDATE ${sql.table(table.name)} t SET ${sets}
        FROM jsonb_populate_recordset(NULL::${sql.table(table.name)}, ${JSON.stringify(tableRows)}::jsonb) x
        WHERE ${match}`.execute(trx);
      }

      const counts = await countRows(trx, schema, copied, newOrgId);
      const differ = copied.filter((t) => counts[t.name] !== (manifest.tables[t.name]?.rows ?? 0));
      if (differ.length)
        throw new ArchiveRefused(
          `Rows written differ from the manifest: ${differ.map((t) => `${t.name} ${counts[t.name]} of ${manifest.tables[t.name]?.rows}`).join(", ")}.`,
        );

      // Whoever imports it can open it: as the role the archive gives them, else as an admin.
      await trx
        .insertInto("memberships")
        .values({ organization_id: newOrgId, user_id: importer.userId, role: "admin" })
        .onConflict((oc) => oc.columns(["organization_id", "user_id"]).doNothing())
        .execute();
      const org = await trx
        .selectFrom("organizations")
        .select("name")
        .where("id", "=", newOrgId)
        .executeTakeFirstOrThrow();
      await recordAudit(
        {
          organizationId: newOrgId,
          actorUserId: importer.userId,
          action: "organization.imported",
          objectType: "organization",
          objectId: newOrgId,
          details: {
            from: manifest.organization,
            exportedAt: (manifest as { exportedAt?: string }).exportedAt ?? null,
            counts,
          },
          ip: importer.ip ?? null,
        },
        trx,
      );
      return { organizationId: newOrgId, name: org.name, counts, linkedPeople: linked.size };
    })
    .catch((error: unknown) => {
      if (error instanceof ArchiveRefused) throw error;
      const pg = error as { code?: string; message?: string; table?: string };
      // A constraint of this installation's schema refused a row (a level of 7, a broken enum):
      // the archive was tampered with or damaged. Nothing was written.
      if (pg?.code && /^(22|23)/.test(pg.code))
        throw new ArchiveRefused(
          `A row of the archive does not fit this installation${pg.table ? ` (${pg.table})` : ""}: ${pg.message}`,
        );
      throw error;
    });
}

function readManifest(file: Buffer | undefined) {
  if (!file)
    throw new ArchiveRefused(
      "The archive has no manifest.json: it is not a Gapmap organisation export.",
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.toString("utf8"));
  } catch {
    throw new ArchiveRefused("The archive's manifest.json is not valid JSON.");
  }
  const result = ManifestSchema.safeParse(parsed);
  if (!result.success)
    throw new ArchiveRefused(
      "The archive's manifest.json is not a Gapmap organisation export manifest.",
    );
  const manifest = result.data;
  if (manifest.formatVersion !== EXPORT_FORMAT_VERSION)
    throw new ArchiveRefused(
      `The archive's format version is ${manifest.formatVersion}; this installation reads version ${EXPORT_FORMAT_VERSION}.`,
    );
  if (manifest.schemaVersion !== SCHEMA_VERSION)
    throw new ArchiveRefused(
      `The archive was written with schema version ${manifest.schemaVersion}; this installation has ${SCHEMA_VERSION}. Export it again from an installation of the same version.`,
    );
  return manifest;
}

function readRows(
  files: Map<string, Buffer>,
  manifest: z.infer<typeof ManifestSchema>,
  schema: TenantSchema,
  copied: TenantTable[],
) {
  for (const name of Object.keys(manifest.tables))
    if (!schema.byName.has(name))
      throw new ArchiveRefused(
        `The archive holds a table this installation does not have: ${name}.`,
      );
  const rows = new Map<string, Row[]>();
  for (const table of copied) {
    const entry = manifest.tables[table.name];
    if (!entry || entry.kind !== "copy")
      throw new ArchiveRefused(`The archive lacks the table ${table.name}.`);
    const file = files.get(entry.file);
    if (!file) throw new ArchiveRefused(`The archive lacks ${entry.file}, named by its manifest.`);
    const columns = new Set(table.columns.map((c) => c.name));
    const lines = file
      .toString("utf8")
      .split("\n")
      .filter((l) => l.length);
    const parsed = lines.map((line, i) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new ArchiveRefused(`${entry.file} line ${i + 1} is not valid JSON.`);
      }
      if (!row || typeof row !== "object" || Array.isArray(row))
        throw new ArchiveRefused(`${entry.file} line ${i + 1} is not an object.`);
      const unknown = Object.keys(row).find((k) => !columns.has(k));
      if (unknown)
        throw new ArchiveRefused(
          `${entry.file} line ${i + 1} has a column ${table.name} does not have: ${unknown}.`,
        );
      return row as Row;
    });
    if (parsed.length !== entry.rows)
      throw new ArchiveRefused(
        `${entry.file} holds ${parsed.length} rows; the manifest says ${entry.rows}.`,
      );
    rows.set(table.name, parsed);
  }
  return rows;
}

function checkOrganisation(
  rows: Map<string, Row[]>,
  organizationId: string,
  copied: TenantTable[],
) {
  const orgs = rows.get("organizations") ?? [];
  if (orgs.length !== 1 || orgs[0]!.id !== organizationId)
    throw new ArchiveRefused("The archive must hold exactly the organisation its manifest names.");
  for (const table of copied.filter((t) => t.hasOrganizationId)) {
    const i = rows.get(table.name)!.findIndex((r) => r.organization_id !== organizationId);
    if (i >= 0)
      throw new ArchiveRefused(`${table.name} row ${i + 1} belongs to another organisation.`);
  }
}

/** Every foreign key of every row points at a row of the archive (else: refused, saying which). */
function checkReferences(rows: Map<string, Row[]>, copied: TenantTable[]) {
  const keysOf = new Map<string, Set<string>>();
  const keyOf = (row: Row, columns: string[]) => JSON.stringify(columns.map((c) => row[c] ?? null));
  for (const table of copied) {
    for (const fk of table.foreignKeys) {
      const refRows = rows.get(fk.refTable);
      if (!refRows)
        throw new Error(
          `${table.name}.${fk.columns.join("+")} points at ${fk.refTable}, which is not copied`,
        );
      const cacheKey = `${fk.refTable}:${fk.refColumns.join(",")}`;
      let keys = keysOf.get(cacheKey);
      if (!keys) {
        keys = new Set(refRows.map((r) => keyOf(r, fk.refColumns)));
        keysOf.set(cacheKey, keys);
      }
      const tableRows = rows.get(table.name)!;
      for (const [i, row] of tableRows.entries()) {
        // MATCH SIMPLE, as PostgreSQL: a key with a NULL part points at nothing.
        if (fk.columns.some((c) => row[c] === null || row[c] === undefined)) continue;
        if (!keys.has(keyOf(row, fk.columns))) {
          const column = rowColumns(fk).join(", ");
          throw new ArchiveRefused(
            `${table.name} row ${i + 1}: ${column} points at a row of ${fk.refTable} that is not in the archive (${fk.columns.map((c) => String(row[c])).join(", ")}).`,
          );
        }
      }
    }
  }
}

/**
 * A new id for every row's own id (a uuid primary-key column that points at no other row: it
 * is in no foreign key, or only as the organisation a foreign key names, as the organisation's
 * own id is in the key to its default framework); the people whose email already has an
 * account here keep that account's id.
 */
async function newIds(
  trx: Kysely<Database>,
  rows: Map<string, Row[]>,
  copied: TenantTable[],
  organizationId: string,
) {
  const ids = Object.assign(new Map<string, string>(), { linkedUsers: new Set<string>() });
  for (const table of copied) {
    const own = table.primaryKey.filter(
      (c) =>
        table.columns.find((x) => x.name === c)?.type === "uuid" &&
        !table.foreignKeys.some((fk) => rowColumns(fk).includes(c)),
    );
    // A uuid names one row wherever it appears (a report's frozen goal names the plan's goal
    // by its id): it gets one new id, however many tables hold it as their key.
    for (const row of rows.get(table.name)!)
      for (const c of own) if (!ids.has(row[c] as string)) ids.set(row[c] as string, randomUUID());
  }
  const users = rows.get("users") ?? [];
  if (users.length) {
    const existing = await trx
      .selectFrom("users")
      .select(["id", "email"])
      .where(
        sql<string>`lower(email)`,
        "in",
        users.map((u) => String(u.email).toLowerCase()),
      )
      .execute();
    const byEmail = new Map(existing.map((u) => [u.email.toLowerCase(), u.id]));
    for (const user of users) {
      const id = byEmail.get(String(user.email).toLowerCase());
      if (id) {
        ids.set(user.id as string, id);
        ids.linkedUsers.add(id);
      }
    }
  }
  if (!ids.has(organizationId)) throw new ArchiveRefused("The archive holds no organisation row.");
  return ids;
}

/** The archive's slug, or the first free one after it. */
async function freeSlug(trx: Kysely<Database>, slug: string) {
  const taken = new Set(
    (
      await trx
        .selectFrom("organizations")
        .select("slug")
        .where("slug", "like", `${slug}%`)
        .execute()
    ).map((r) => r.slug),
  );
  let candidate = slug;
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${slug}-${n}`;
  return candidate;
}

/**
 * Sequence-numbered columns (ratings, the audit log) get this installation's numbers, drawn
 * from its sequence in the archive's order, so "newest rating" still means the same one;
 * the old → new pairs are kept for the rows that point at them.
 */
async function renumber(
  trx: Kysely<Database>,
  table: TenantTable,
  rows: Row[],
  numbers: Map<string, Map<string, number>>,
): Promise<Row[]> {
  const generated = table.columns.filter((c) => c.generated).map((c) => c.name);
  if (!generated.length || !rows.length) return rows;
  const renumbered = rows.map((r) => ({ ...r }));
  for (const column of generated) {
    const { rows: fresh } = await sql<{ n: string }>`
      SELECT nextval(pg_get_serial_sequence(${table.name}, ${column})) AS n
      FROM generate_series(1, ${rows.length}) ORDER BY n`.execute(trx);
    const old = rows.map((r) => Number(r[column])).sort((a, b) => a - b);
    const pairs = new Map(old.map((value, i) => [String(value), Number(fresh[i]!.n)]));
    numbers.set(`${table.name}.${column}`, pairs);
    for (const row of renumbered) row[column] = pairs.get(String(row[column]));
  }
  return renumbered;
}

async function insertRows(trx: Kysely<Database>, table: TenantTable, rows: Row[]) {
  const columns = table.columns.map((c) => c.name);
  const list = sql.join(columns.map((c) => sql.ref(c)));
  // The numbers were drawn by renumber(): identity columns take them as given.
  const overriding = table.columns.some((c) => c.generated) ? sql`OVERRIDING SYSTEM VALUE` : sql``;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sql`INSERT INTO ${sql.table(table.name)} (${list}) ${overriding}
      SELECT ${sql.join(columns.map((c) => sql.ref(`x.${c}`)))}
      FROM jsonb_populate_recordset(NULL::${sql.table(table.name)}, ${JSON.stringify(rows.slice(i, i + CHUNK))}::jsonb) x`.execute(
      trx,
    );
  }
}

async function countRows(
  trx: Kysely<Database>,
  schema: TenantSchema,
  copied: TenantTable[],
  organizationId: string,
) {
  const parts = copied.map(
    (t) =>
      sql`SELECT ${t.name} AS name, count(*)::int AS n FROM ${sql.table(t.name)} t WHERE ${ownRows(schema, t, organizationId)}`,
  );
  const { rows } = await sql<{
    name: string;
    n: number;
  }>`${sql.join(parts, sql` UNION ALL `)}`.execute(trx);
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/**
 * The archive of the import form (multipart, field `archive`), read up to the archive limit;
 * past it, or when no file came, an "invalid" AppError beside the field.
 */
export async function readArchiveUpload(
  request: Request,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
): Promise<Buffer> {
  const tooLarge = `The archive may be at most ${limits.maxArchiveBytes / 1024 / 1024} MB.`;
  if (Number(request.headers.get("Content-Length")) > limits.maxArchiveBytes + 64 * 1024)
    throw invalid(tooLarge, { archive: tooLarge });
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(
      request,
      unstable_createMemoryUploadHandler({ maxPartSize: limits.maxArchiveBytes }),
    );
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) throw invalid(tooLarge, { archive: tooLarge });
    throw invalid("The form could not be read. Please try again.", {
      archive: "Choose the archive again.",
    });
  }
  const file = form.get("archive");
  if (!file || typeof file === "string" || file.size === 0)
    throw invalid("Choose an export archive (.tar.gz) to import.", {
      archive: "Choose an export archive (.tar.gz).",
    });
  return Buffer.from(await file.arrayBuffer());
}

/** An import from the admin page: a refused archive becomes the reason beside the field. */
export async function importUploadedArchive(
  request: Request,
  importer: { userId: string; ip: string | null },
) {
  const archive = await readArchiveUpload(request);
  try {
    return await importArchive(archive, importer);
  } catch (error) {
    if (error instanceof ArchiveRefused) throw invalid(error.message, { archive: error.message });
    throw error;
  }
}
