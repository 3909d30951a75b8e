import { sql, type Kysely } from "kysely";
import { db as defaultDb } from "#db/database";
import type { Database } from "#db/schema";

// Which tables hold an organisation's data, read from the schema itself (never a list kept by
// hand, which would go stale): every table with an `organization_id` column, the tables those
// point at that have none (`users`: the people), and every table pointing at one of these
// (recursively). Each such table must have a policy below saying what export, import and
// deletion do with it; a table without one stops every export and import with its name, and
// tests/organisation-data fail until someone decides.

export type TableKind =
  /** Exported and imported (ids remapped). */
  | "copy"
  /** Exported (it is the organisation's history) but not imported: it belongs to the installation. */
  | "export_only"
  /** Kept by triggers from the copied tables: rebuilt by the import, so not in the archive. */
  | "derived"
  /** Never leaves the installation: tokens, sessions, secrets. */
  | "secret";

export interface TablePolicy {
  kind: TableKind;
  /** Columns never exported (secrets, password hashes). */
  omit?: readonly string[];
  /** Why, for the manifest and the reader of this file. */
  why?: string;
}

export const TABLE_POLICIES: Record<string, TablePolicy> = {
  organizations: {
    kind: "copy",
    omit: ["closed_at", "erase_after", "closed_by_user_id"],
    why: "settings; a closed organisation's deletion state stays behind",
  },
  users: { kind: "copy", omit: ["password_hash"], why: "password hashes never leave" },
  memberships: { kind: "copy" },
  teams: { kind: "copy" },
  team_members: { kind: "copy" },
  frameworks: { kind: "copy" },
  framework_versions: { kind: "copy" },
  categories: { kind: "copy" },
  category_revisions: { kind: "copy" },
  topics: { kind: "copy" },
  topic_revisions: { kind: "copy" },
  level_descriptors: { kind: "copy" },
  topic_level_descriptors: { kind: "copy" },
  target_profiles: { kind: "copy" },
  topic_targets: { kind: "copy" },
  capability_targets: { kind: "copy" },
  cycles: { kind: "copy" },
  ratings: { kind: "copy", why: "append-only history, every rating" },
  cycle_progress: { kind: "copy", why: "written when a cycle closed, from ratings as of then" },
  topic_flags: { kind: "copy" },
  assessments: { kind: "copy" },
  mentorships: { kind: "copy" },
  check_ins: { kind: "copy" },
  notification_mutes: { kind: "copy" },
  reports: { kind: "copy", why: "frozen snapshots" },
  report_rows: { kind: "copy", why: "frozen snapshots" },
  audit_log: { kind: "copy" },
  calibration_resolutions: {
    kind: "copy",
    why: "a lead's settled calibrations, against the ratings they settled (rating ids renumbered)",
  },
  development_plans: { kind: "copy" },
  plan_goals: { kind: "copy" },
  plan_comments: { kind: "copy" },
  topic_resources: { kind: "copy" },
  report_plan_goals: { kind: "copy", why: "frozen snapshots, goal ids remapped" },
  api_tokens: {
    kind: "copy",
    omit: ["token_hash"],
    why: "names and history only: imported tokens are revoked, new ones are created there",
  },
  notifications: {
    kind: "export_only",
    why: "messages sent from this installation; importing them would send them again",
  },
  sso_connections: {
    kind: "export_only",
    omit: ["client_secret_sealed"],
    why: "the client secret never leaves, so single sign-on is set up again",
  },
  sso_domains: { kind: "export_only", why: "set up again with single sign-on" },
  team_channels: {
    kind: "export_only",
    omit: ["url_sealed", "secret_sealed"],
    why: "the webhook URL and signing secret never leave, so a team's channel is set up again",
  },
  channel_deliveries: {
    kind: "export_only",
    why: "messages sent from this installation to team channels; importing them would send them again",
  },
  current_levels: { kind: "derived", why: "kept by triggers on ratings and assessments" },
  level_counts: { kind: "derived", why: "people per level, kept by triggers on current_levels" },
  level_changes_pending: { kind: "derived", why: "a transaction's changes, gone at its commit" },
  gap_data_versions: { kind: "derived", why: "the gap view's cache key, bumped by triggers" },
  gap_level_versions: {
    kind: "derived",
    why: "the gap view's cache key for levels, bumped by triggers",
  },
  sessions: { kind: "secret", why: "sign-in tokens of this installation" },
  password_resets: { kind: "secret", why: "password reset tokens" },
  invitations: { kind: "secret", why: "invitation links are tokens; invite people again" },
  sso_login_attempts: { kind: "secret", why: "sign-ins in flight: nonces and PKCE verifiers" },
  organization_exports: { kind: "secret", why: "the archives themselves" },
  calendar_feeds: {
    kind: "secret",
    why: "a feed's address is a token; its member subscribes again",
  },
};

export interface ForeignKey {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

/**
 * A foreign key's columns that point at a row, without those that name the organisation the
 * row is in (its organization_id, or the organisation's own id in its key to a framework).
 */
export function rowColumns(fk: ForeignKey) {
  return fk.columns.filter((_, i) => fk.refColumns[i] !== "organization_id");
}

export interface TenantTable {
  name: string;
  policy: TablePolicy;
  /** Columns in table order, with their type, and whether NULL is allowed. */
  columns: { name: string; type: string; nullable: boolean; generated: boolean }[];
  primaryKey: string[];
  /** Foreign keys from this table. */
  foreignKeys: ForeignKey[];
  hasOrganizationId: boolean;
}

export interface TenantSchema {
  /** Every tenant table, parents before children (import order). */
  tables: TenantTable[];
  byName: Map<string, TenantTable>;
  /** Nullable foreign-key columns that point forward in the order (or at the own table): set after every insert. */
  deferred: Map<string, ForeignKey[]>;
}

export class UnclassifiedTables extends Error {
  constructor(public readonly tables: string[]) {
    super(
      `tenant tables without a policy in organisation-data/tenant-tables.server.ts: ${tables.join(", ")}`,
    );
  }
}

/** The tenant tables as the schema says today. Throws when one has no policy. */
export async function readTenantSchema(db: Kysely<Database> = defaultDb): Promise<TenantSchema> {
  const columns = (
    await sql<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
      generated: boolean;
    }>`
      SELECT c.table_name, c.column_name, c.udt_name AS data_type, c.is_nullable,
        (c.column_default LIKE 'nextval(%' OR c.is_identity = 'YES') AS generated
      FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`.execute(db)
  ).rows;
  // pg_constraint keeps the column pairs of composite keys in order (information_schema's
  // constraint_column_usage does not pair them).
  const constraints = (
    await sql<{
      table_name: string;
      type: string;
      columns: string[];
      ref_table: string | null;
      ref_columns: string[] | null;
    }>`
      SELECT cl.relname AS table_name, con.contype AS type,
        ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
        rcl.relname AS ref_table,
        ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS ref_columns
      FROM pg_constraint con
      JOIN pg_class cl ON cl.oid = con.conrelid
      JOIN pg_namespace ns ON ns.oid = cl.relnamespace AND ns.nspname = 'public'
      LEFT JOIN pg_class rcl ON rcl.oid = con.confrelid
      WHERE con.contype IN ('p', 'f')
      ORDER BY cl.relname, con.conname`.execute(db)
  ).rows;

  const all = new Map<string, TenantTable>();
  for (const c of columns) {
    let table = all.get(c.table_name);
    if (!table) {
      table = {
        name: c.table_name,
        policy: { kind: "copy" },
        columns: [],
        primaryKey: [],
        foreignKeys: [],
        hasOrganizationId: false,
      };
      all.set(c.table_name, table);
    }
    table.columns.push({
      name: c.column_name,
      type: c.data_type,
      nullable: c.is_nullable === "YES",
      generated: Boolean(c.generated),
    });
    if (c.column_name === "organization_id") table.hasOrganizationId = true;
  }
  for (const k of constraints) {
    const table = all.get(k.table_name);
    if (!table) continue;
    if (k.type === "p") table.primaryKey = k.columns;
    else
      table.foreignKeys.push({
        table: k.table_name,
        columns: k.columns,
        refTable: k.ref_table as string,
        refColumns: k.ref_columns ?? [],
      });
  }

  // Tenant tables: organisation-scoped ones, the tables they point at that have no
  // organisation (the people), then everything pointing at any of them.
  const tenant = new Set<string>(["organizations"]);
  for (const t of all.values()) if (t.hasOrganizationId) tenant.add(t.name);
  for (const name of [...tenant])
    for (const fk of all.get(name)!.foreignKeys)
      if (!all.get(fk.refTable)?.hasOrganizationId) tenant.add(fk.refTable);
  for (let grew = true; grew;) {
    grew = false;
    for (const t of all.values())
      if (!tenant.has(t.name) && t.foreignKeys.some((fk) => tenant.has(fk.refTable))) {
        tenant.add(t.name);
        grew = true;
      }
  }

  const unclassified = [...tenant].filter((name) => !TABLE_POLICIES[name]).sort();
  if (unclassified.length) throw new UnclassifiedTables(unclassified);

  for (const name of tenant) all.get(name)!.policy = TABLE_POLICIES[name]!;
  const tables = importOrder([...tenant].sort().map((n) => all.get(n)!));
  const position = new Map(tables.map((t, i) => [t.name, i]));
  const deferred = new Map<string, ForeignKey[]>();
  for (const t of tables)
    for (const fk of t.foreignKeys)
      if ((position.get(fk.refTable) ?? -1) >= position.get(t.name)!)
        deferred.set(t.name, [...(deferred.get(t.name) ?? []), fk]);
  return { tables, byName: new Map(tables.map((t) => [t.name, t])), deferred };
}

/**
 * Parents before children. A foreign key whose own columns may all be NULL (beyond the
 * organisation) does not have to wait: cycles (an organisation's default framework, a
 * framework's current version) are broken there, and those columns are set after the inserts.
 */
function importOrder(tables: TenantTable[]): TenantTable[] {
  const names = new Set(tables.map((t) => t.name));
  const optional = (t: TenantTable, fk: ForeignKey) =>
    rowColumns(fk).some((c) => t.columns.find((x) => x.name === c)?.nullable);
  const waitsFor = (t: TenantTable, strict: boolean) =>
    t.foreignKeys
      .filter(
        (fk) => fk.refTable !== t.name && names.has(fk.refTable) && (strict || !optional(t, fk)),
      )
      .map((fk) => fk.refTable);
  const ordered: TenantTable[] = [];
  const placed = new Set<string>();
  const pending = [...tables];
  while (pending.length) {
    // Prefer a table whose every parent is placed; else one whose required parents are.
    const next =
      pending.find((t) => waitsFor(t, true).every((p) => placed.has(p))) ??
      pending.find((t) => waitsFor(t, false).every((p) => placed.has(p)));
    if (!next)
      throw new Error(
        `no import order: required foreign keys form a cycle among ${pending.map((t) => t.name).join(", ")}`,
      );
    ordered.push(next);
    placed.add(next.name);
    pending.splice(pending.indexOf(next), 1);
  }
  return ordered;
}

/** Columns exported for a table: all but the omitted ones. */
export function exportedColumns(table: TenantTable): string[] {
  return table.columns.map((c) => c.name).filter((c) => !table.policy.omit?.includes(c));
}

/**
 * The SQL condition selecting the organisation's rows of a table (alias `t`): its
 * organisation column; the organisation itself; for the people, everyone who is or was a
 * member or whom an exported row names; for a table without organisation column, rows
 * pointing at the organisation's rows of a parent.
 */
export function ownRows(
  schema: TenantSchema,
  table: TenantTable,
  organizationId: string,
): ReturnType<typeof sql> {
  if (table.name === "organizations") return sql`t.id = ${organizationId}`;
  if (table.hasOrganizationId) return sql`t.organization_id = ${organizationId}`;
  const referrers = schema.tables.flatMap((child) =>
    child.hasOrganizationId && child.policy.kind !== "secret"
      ? child.foreignKeys.filter((fk) => fk.refTable === table.name && fk.columns.length === 1)
      : [],
  );
  if (referrers.length) {
    const sources = referrers.map(
      (fk) =>
        sql`SELECT ${sql.ref(fk.columns[0]!)} FROM ${sql.table(fk.table)} WHERE organization_id = ${organizationId}`,
    );
    return sql`t.${sql.ref(referrers[0]!.refColumns[0]!)} IN (${sql.join(sources, sql` UNION `)})`;
  }
  const parentFk = table.foreignKeys.find((fk) => schema.byName.has(fk.refTable));
  if (!parentFk) throw new Error(`${table.name}: no way to find an organisation's rows`);
  const parent = schema.byName.get(parentFk.refTable)!;
  return sql`(${sql.join(parentFk.columns.map((c) => sql.ref(`t.${c}`)))}) IN (SELECT ${sql.join(
    parentFk.refColumns.map((c) => sql.ref(`t.${c}`)),
  )} FROM ${sql.table(parent.name)} t WHERE ${ownRows(schema, parent, organizationId)})`;
}
