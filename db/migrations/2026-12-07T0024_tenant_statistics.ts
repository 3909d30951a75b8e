import { sql, type Kysely } from "kysely";

// Statistics that tell PostgreSQL an id fixes its organisation (issue 29, ADR 019). Queries
// name both, as in `framework_version_id = $1 AND organization_id = $2`; by default the
// planner takes the two as independent and multiplies their selectivities, so with 1,000
// organisations it expects a thousandth of the rows (one topic where a version has 56, four
// ratings where a cycle has 200,000) and picks nested loops sized for that. A functional
// dependency statistic on each tenant foreign key's columns (and the level tables' scope)
// keeps the estimate at the id's own. tests/schema.test.ts checks every such key has one.

type Db = Kysely<unknown>;

/** Column sets a query filters together with organization_id that no foreign key names. */
const SCOPES: Array<{ table: string; columns: string[] }> = [
  { table: "level_counts", columns: ["organization_id", "scope_id"] },
  { table: "gap_level_versions", columns: ["organization_id", "scope_id"] },
];

/** Each foreign key between tenant tables that names organization_id and other columns. */
async function tenantKeys(db: Db) {
  const { rows } = await sql<{ table: string; name: string; columns: string[] }>`
    SELECT c.conrelid::regclass::text AS table, c.conname AS name,
      array_agg(a.attname::text ORDER BY a.attname = 'organization_id' DESC, a.attnum) AS columns
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
    GROUP BY c.oid, c.conrelid, c.conname
    HAVING 'organization_id' = ANY (array_agg(a.attname::text)) AND count(*) > 1
    ORDER BY 1, 2`.execute(db);
  return [...rows.map((r) => ({ table: r.table, columns: r.columns })), ...SCOPES];
}

/** One statistics object per table and column set, named after them (at most 63 bytes). */
export const tenantStatisticsName = (table: string, columns: string[]) =>
  `${table}_${columns.filter((c) => c !== "organization_id").join("_")}`.slice(0, 57) + "_by_org";

export async function up(db: Db): Promise<void> {
  const keys = await tenantKeys(db);
  for (const { table, columns } of keys) {
    await sql`CREATE STATISTICS IF NOT EXISTS ${sql.id(tenantStatisticsName(table, columns))}
      (dependencies, ndistinct) ON ${sql.join(columns.map((c) => sql.id(c)))}
      FROM ${sql.id(table)}`.execute(db);
  }
  // The statistics are empty until the table is analysed.
  for (const table of new Set(keys.map((k) => k.table)))
    await sql`ANALYZE ${sql.id(table)}`.execute(db);
}

export async function down(db: Db): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    SELECT stxname AS name FROM pg_statistic_ext
    WHERE stxnamespace = 'public'::regnamespace AND stxname LIKE '%\\_by\\_org'`.execute(db);
  for (const { name } of rows) await sql`DROP STATISTICS ${sql.id(name)}`.execute(db);
}
