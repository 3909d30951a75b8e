import { sql, type Kysely } from "kysely";

// Statistics that tell PostgreSQL an id fixes its organisation (issue 29, ADR 019). Queries
// name both, as in `framework_version_id = $1 AND organization_id = $2`; by default the
// planner takes the two as independent and multiplies their selectivities, so with 1,000
// organisations it expects a thousandth of the rows (one topic where a version has 56, four
// ratings where a cycle has 200,000) and picks nested loops sized for that. A functional
// dependency statistic on each tenant foreign key's columns, and on organization_id with
// each other uuid column of a tenant table, keeps the estimate at the id's own.
// tests/schema.test.ts checks every such column set has one.

type Db = Kysely<unknown>;

/**
 * The column sets: each foreign key of a tenant table that names organization_id and other
 * columns, and organization_id with each other uuid column (a topic, a team, a scope) but
 * the table's own id, which is unique and needs none.
 */
async function tenantColumnSets(db: Db) {
  const { rows } = await sql<{ table: string; columns: string[] }>`
    WITH tenant AS (
      SELECT a.attrelid AS oid, a.attnum AS org FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
        AND c.relnamespace = 'public'::regnamespace
      WHERE a.attname = 'organization_id' AND NOT a.attisdropped
    )
    SELECT con.conrelid::regclass::text AS table,
      array_agg(a.attname::text ORDER BY a.attnum = t.org DESC, a.attnum) AS columns
    FROM pg_constraint con
    JOIN tenant t ON t.oid = con.conrelid
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
    WHERE con.contype = 'f' AND t.org = ANY (con.conkey) AND cardinality(con.conkey) > 1
    GROUP BY con.oid, con.conrelid
    UNION
    SELECT t.oid::regclass::text, ARRAY['organization_id', a.attname::text]
    FROM tenant t
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
      AND a.atttypid = 'uuid'::regtype AND a.attname NOT IN ('organization_id', 'id')
    ORDER BY 1, 2`.execute(db);
  return rows;
}

/** One statistics object per table and column set, named after them (at most 63 bytes). */
const tenantStatisticsName = (table: string, columns: string[]) =>
  `${table}_${columns.filter((c) => c !== "organization_id").join("_")}`.slice(0, 57) + "_by_org";

export async function up(db: Db): Promise<void> {
  const keys = await tenantColumnSets(db);
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
