import { sql, type Kysely } from "kysely";

// Two things the benchmark (issue 9) found the gap view needed at 2,000 people:
// - cycle_progress had no index by member, so a team's must-have trend read the whole
//   organisation's history (141,000 rows) to sum 100 people's;
// - the gap figures (and the choices a viewer's scope is resolved from: teams, settings,
//   categories, profiles) are read far more often than the data behind them changes, so the
//   web process keeps them (app/modules/gaps/gap-cache.server.ts), tagged with the
//   organisation's gap_data_versions.version. Every statement that changes a row the cached
//   figures are made from bumps that version in its own transaction, so a figure cached
//   before a change is never served after the change commits, by any web process (ADR 008).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** Tables whose rows carry organization_id and feed the cached gap figures and scopes. */
const TENANT_TABLES = [
  "teams",
  "frameworks",
  "target_profiles",
  "memberships",
  "team_members",
  "mentorships",
  "capability_targets",
  "topic_targets",
  "topic_revisions",
  "category_revisions",
  "cycles",
  "cycle_progress",
  "assessments",
] as const;

export async function up(db: Db): Promise<void> {
  await sql`CREATE INDEX cycle_progress_member_idx ON cycle_progress (member_id, cycle_id)
    INCLUDE (category_id, must_have_total, must_have_met)`.execute(db);

  await sql`
    CREATE TABLE gap_data_versions (
      organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
      version bigint NOT NULL DEFAULT 0
    );

    -- Statement-level: one bump per statement and organisation, however many rows it wrote.
    CREATE FUNCTION gap_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO gap_data_versions AS v (organization_id, version)
          SELECT DISTINCT o.organization_id, 1 FROM old_rows o
          JOIN organizations org ON org.id = o.organization_id
          ORDER BY 1
        ON CONFLICT (organization_id) DO UPDATE SET version = v.version + 1;
      ELSE
        INSERT INTO gap_data_versions AS v (organization_id, version)
          SELECT DISTINCT n.organization_id, 1 FROM new_rows n
          ORDER BY 1
        ON CONFLICT (organization_id) DO UPDATE SET version = v.version + 1;
      END IF;
      RETURN NULL;
    END $$;

    -- A renamed person: every organisation they belong to.
    CREATE FUNCTION gap_data_user_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO gap_data_versions AS v (organization_id, version)
        SELECT DISTINCT m.organization_id, 1 FROM new_rows n
        JOIN old_rows o ON o.id = n.id AND o.display_name IS DISTINCT FROM n.display_name
        JOIN memberships m ON m.user_id = n.id
        ORDER BY 1
      ON CONFLICT (organization_id) DO UPDATE SET version = v.version + 1;
      RETURN NULL;
    END $$;

    -- An organisation's own settings (privacy floor, staleness, default framework).
    CREATE FUNCTION gap_data_organization_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO gap_data_versions AS v (organization_id, version)
        SELECT n.id, 1 FROM new_rows n ORDER BY 1
      ON CONFLICT (organization_id) DO UPDATE SET version = v.version + 1;
      RETURN NULL;
    END $$;

    CREATE TRIGGER organizations_gap_data AFTER UPDATE ON organizations
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_organization_changed();
    CREATE TRIGGER users_gap_data AFTER UPDATE ON users
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_user_renamed();
    -- Ratings are append-only (migration 0001): inserts are their only change.
    CREATE TRIGGER ratings_gap_data AFTER INSERT ON ratings
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
  `.execute(db);

  for (const table of TENANT_TABLES) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_gap_data_insert`)} AFTER INSERT ON ${sql.table(table)}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
      CREATE TRIGGER ${sql.raw(`${table}_gap_data_update`)} AFTER UPDATE ON ${sql.table(table)}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
      CREATE TRIGGER ${sql.raw(`${table}_gap_data_delete`)} AFTER DELETE ON ${sql.table(table)}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
    `.execute(db);
  }
}

export async function down(db: Db): Promise<void> {
  for (const table of TENANT_TABLES) {
    for (const op of ["insert", "update", "delete"])
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_gap_data_${op}`)} ON ${sql.table(table)}`.execute(
        db,
      );
  }
  await sql`DROP TRIGGER IF EXISTS ratings_gap_data ON ratings`.execute(db);
  await sql`DROP TRIGGER IF EXISTS users_gap_data ON users`.execute(db);
  await sql`DROP TRIGGER IF EXISTS organizations_gap_data ON organizations`.execute(db);
  await sql`DROP FUNCTION IF EXISTS gap_data_changed, gap_data_user_renamed,
    gap_data_organization_changed`.execute(db);
  await sql`DROP TABLE IF EXISTS gap_data_versions`.execute(db);
  await sql`DROP INDEX IF EXISTS cycle_progress_member_idx`.execute(db);
}
