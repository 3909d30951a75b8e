import { sql, type Kysely } from "kysely";

// Quarterly reports (issue 7): beside each report's snapshot (its summary figures, jsonb),
// its long-format rows — one per member × topic of the report's cycle, with the level as of
// the previous cycle and as of this one — copied, names and targets included, so that
// later edits to people, ratings or the framework never change an issued report. Rows are
// as frozen as the report: no update, no delete.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`CREATE TYPE report_change AS ENUM
    ('improved', 'regressed', 'unchanged', 'stale', 'new', 'not_rated')`.execute(db);
  await sql`ALTER TABLE reports ADD COLUMN previous_cycle_id uuid`.execute(db);
  await sql`ALTER TABLE reports ADD CONSTRAINT reports_previous_cycle_fk
    FOREIGN KEY (organization_id, previous_cycle_id) REFERENCES cycles (organization_id, id)`.execute(
    db,
  );
  // One report per cycle and scope comes from the cycle's close; more may be made on demand.
  await sql`ALTER TABLE reports ADD COLUMN trigger text NOT NULL DEFAULT 'on_demand'
    CHECK (trigger IN ('cycle_closed', 'on_demand'))`.execute(db);
  await sql`CREATE UNIQUE INDEX reports_one_per_close ON reports
    (cycle_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid))
    WHERE trigger = 'cycle_closed'`.execute(db);

  await db.schema
    .createTable("report_rows")
    .addColumn("report_id", "uuid", (c) => c.notNull().references("reports.id").onDelete("cascade"))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("member_name", "text", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("topic_name", "text", (c) => c.notNull())
    .addColumn("topic_position", "integer", (c) => c.notNull())
    .addColumn("category_id", "uuid", (c) => c.notNull())
    .addColumn("category_name", "text", (c) => c.notNull())
    .addColumn("category_position", "integer", (c) => c.notNull())
    .addColumn("priority", sql`target_priority`)
    .addColumn("target_level", "smallint")
    .addColumn("level_before", "smallint")
    .addColumn("level_after", "smallint")
    .addColumn("rated_at_after", "timestamptz")
    .addColumn("change", sql`report_change`, (c) => c.notNull())
    .addColumn("mentored", "boolean", (c) => c.notNull())
    .addPrimaryKeyConstraint("report_rows_pkey", ["report_id", "member_id", "topic_id"])
    .execute();
  await sql`
    CREATE TRIGGER report_rows_frozen BEFORE UPDATE ON report_rows
      FOR EACH ROW EXECUTE FUNCTION reports_forbid_change();
  `.execute(db);
}
