import { sql, type Kysely } from "kysely";

// The gap views while a cycle is live (ADR 018): counts kept as ratings land, and cache
// versions that a save in one team does not move for another.
//
// level_counts: people per topic × target profile × level shown, for each team and for the
// whole organisation. `scope_id` is a team's id (its active members) or the organisation's own
// id (every active member); `target_profile_id` is the members' own profile (null: none);
// `level` is the level shown (member_levels; null: N/A). Unrated pairs have no row; a group
// that emptied keeps a row with 0 people. The gap view sums a few hundred of these rows
// instead of reading every member's levels.
//
// gap_level_versions: the gap cache's levels version of each team and of the organisation
// (scope_id as above). Writes that move people's levels or their validation (ratings,
// assessments, calibration resolutions) bump it for the organisation and each of their teams;
// gap_data_versions stays the version of everything else (migration 0005), which they no
// longer bump.
//
// Both are shared by every writer of an organisation: a row per topic and level, a row per
// team. Updated inside each writing statement, concurrent transactions would take them in
// different orders (one save after a validation, another before) and deadlock, and would hold
// them to their commit. So writes only note their changes (level_changes_pending, plain
// inserts that lock nothing shared), and a deferred trigger applies a transaction's notes at
// its commit, in one sorted pass: counts first, then versions, every transaction in the same
// key order.
//
// A change of who is counted where (a membership's profile or activity, a team's members, a
// person removed) recounts the organisation from member_levels, at once: rare, and a recount
// cannot get a difference wrong. An advisory lock per organisation (shared while changes are
// applied, exclusive for a recount) keeps a recount from missing changes committed meanwhile.
//
// "The level shown" stays defined once: member_levels and the counts both use level_shown().

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** Tables whose writes move levels or their validation, and the triggers they had (0005). */
const LEVEL_TABLES = ["assessments", "calibration_resolutions"] as const;
const OPERATIONS = ["insert", "update", "delete"] as const;

export async function up(db: Db): Promise<void> {
  await sql`
    CREATE FUNCTION level_shown(self_rating_id bigint, self_level smallint,
        validated_lead_rating_id bigint, validated_lead_level smallint)
      RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN validated_lead_rating_id > coalesce(self_rating_id, 0)
        THEN validated_lead_level ELSE self_level END
    $$;

    CREATE OR REPLACE VIEW member_levels AS
      SELECT cl.organization_id, cl.member_id, cl.topic_id,
        level_shown(cl.self_rating_id, cl.self_level, cl.validated_lead_rating_id,
          cl.validated_lead_level) AS level,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN 'lead' ELSE 'self' END::rating_source AS source,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN cl.validated_lead_rated_at ELSE cl.self_rated_at END AS rated_at,
        cl.self_rating_id, cl.self_level, cl.lead_rating_id, cl.lead_level
      FROM current_levels cl
      WHERE cl.self_rating_id IS NOT NULL OR cl.validated_lead_rating_id IS NOT NULL;

    CREATE TABLE level_counts (
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      scope_id uuid NOT NULL,
      topic_id uuid NOT NULL,
      target_profile_id uuid,
      level smallint,
      people integer NOT NULL
    );
    CREATE UNIQUE INDEX level_counts_group ON level_counts (organization_id, scope_id, topic_id,
      (coalesce(target_profile_id, '00000000-0000-0000-0000-000000000000')),
      (coalesce(level, -1)));

    -- The calibration queue's pairs (self and lead two or more apart: CALIBRATION_DIFFERENCE
    -- in gap-formula.ts): a few per hundred people, found without reading everyone's levels.
    CREATE INDEX current_levels_calibration ON current_levels (organization_id, member_id)
      WHERE abs(self_level - lead_level) >= 2;

    -- Who rated anything in view is counted per person (a count of distinct people cannot be
    -- summed from groups): one probe each, answered from this index alone.
    CREATE INDEX current_levels_rated ON current_levels (member_id, topic_id)
      WHERE (self_rating_id IS NOT NULL OR validated_lead_rating_id IS NOT NULL)
        AND level_shown(self_rating_id, self_level, validated_lead_rating_id,
          validated_lead_level) IS NOT NULL;

    CREATE TABLE gap_level_versions (
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      scope_id uuid NOT NULL,
      version bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (organization_id, scope_id)
    );

    -- A transaction's notes until its commit. Unlogged: no row outlives its transaction.
    -- topic_id null: the member's levels version moves, no count does.
    CREATE UNLOGGED TABLE level_changes_pending (
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      organization_id uuid NOT NULL,
      member_id uuid NOT NULL,
      topic_id uuid,
      level smallint,
      delta integer NOT NULL DEFAULT 0
    );
    CREATE INDEX level_changes_pending_transaction ON level_changes_pending (transaction_id);
    -- Every row is deleted at its commit: vacuumed often, as a queue is, so it stays small.
    ALTER TABLE level_changes_pending SET (autovacuum_vacuum_scale_factor = 0,
      autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_insert_threshold = 10000);

    CREATE FUNCTION level_counts_lock_key(p_org uuid) RETURNS bigint
      LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended('level_counts:' || p_org::text, 0) $$;

    -- At commit: the transaction's notes, applied once (the trigger fires for each note; the
    -- first applies them all), in key order.
    CREATE FUNCTION level_changes_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('gapmap.level_changes_applied', true) = pg_current_xact_id()::text THEN
        RETURN NULL;
      END IF;
      PERFORM set_config('gapmap.level_changes_applied', pg_current_xact_id()::text, true);
      -- A recount of the organisation (recount_levels) waits for this, and this for it.
      PERFORM pg_advisory_xact_lock_shared(level_counts_lock_key(o.organization_id))
        FROM (SELECT DISTINCT organization_id FROM level_changes_pending
              WHERE transaction_id = pg_current_xact_id() ORDER BY 1) o;
      INSERT INTO level_counts AS lc
        (organization_id, scope_id, topic_id, target_profile_id, level, people)
      SELECT m.organization_id, s.scope_id, c.topic_id, m.target_profile_id, c.level,
        sum(c.delta)::int
      FROM level_changes_pending c
      JOIN memberships m ON m.id = c.member_id AND m.active
      CROSS JOIN LATERAL (
        SELECT m.organization_id AS scope_id
        UNION ALL SELECT tm.team_id FROM team_members tm WHERE tm.membership_id = m.id) s
      WHERE c.transaction_id = pg_current_xact_id() AND c.topic_id IS NOT NULL
      GROUP BY 1, 2, 3, 4, 5
      HAVING sum(c.delta) <> 0
      ORDER BY 1, 2, 3, coalesce(m.target_profile_id, '00000000-0000-0000-0000-000000000000'),
        coalesce(c.level, -1)
      ON CONFLICT (organization_id, scope_id, topic_id,
        (coalesce(target_profile_id, '00000000-0000-0000-0000-000000000000')),
        (coalesce(level, -1)))
      DO UPDATE SET people = lc.people + EXCLUDED.people;
      -- An organisation being deleted keeps no versions.
      INSERT INTO gap_level_versions AS v (organization_id, scope_id, version)
        SELECT DISTINCT c.organization_id, s.scope_id, 1
        FROM level_changes_pending c
        JOIN organizations org ON org.id = c.organization_id
        CROSS JOIN LATERAL (
          SELECT c.organization_id AS scope_id
          UNION ALL SELECT tm.team_id FROM team_members tm WHERE tm.membership_id = c.member_id) s
        WHERE c.transaction_id = pg_current_xact_id()
        ORDER BY 1, 2
      ON CONFLICT (organization_id, scope_id) DO UPDATE SET version = v.version + 1;
      DELETE FROM level_changes_pending WHERE transaction_id = pg_current_xact_id();
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER level_changes_apply AFTER INSERT ON level_changes_pending
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION level_changes_apply();

    -- Counts the organisation afresh (and its teams), at once.
    CREATE FUNCTION recount_levels(p_org uuid) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      -- An organisation being deleted has nothing left to count.
      IF NOT EXISTS (SELECT 1 FROM organizations WHERE id = p_org) THEN RETURN; END IF;
      PERFORM pg_advisory_xact_lock(level_counts_lock_key(p_org));
      -- This transaction's own changes so far are in the recount: not to be added again.
      UPDATE level_changes_pending SET topic_id = NULL, level = NULL, delta = 0
        WHERE transaction_id = pg_current_xact_id() AND organization_id = p_org
          AND topic_id IS NOT NULL;
      DELETE FROM level_counts WHERE organization_id = p_org;
      INSERT INTO level_counts
        (organization_id, scope_id, topic_id, target_profile_id, level, people)
      SELECT m.organization_id, s.scope_id, ml.topic_id, m.target_profile_id, ml.level, count(*)
      FROM member_levels ml
      JOIN memberships m ON m.id = ml.member_id AND m.active
      CROSS JOIN LATERAL (
        SELECT m.organization_id AS scope_id
        UNION ALL SELECT tm.team_id FROM team_members tm WHERE tm.membership_id = m.id) s
      WHERE ml.organization_id = p_org
      GROUP BY 1, 2, 3, 4, 5;
    END $$;

    -- Level changes: −1 for the level a member × topic had, +1 for the one it has.
    CREATE FUNCTION current_levels_note_changes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO level_changes_pending (organization_id, member_id, topic_id, level, delta)
          SELECT o.organization_id, o.member_id, o.topic_id, level_shown(o.self_rating_id,
              o.self_level, o.validated_lead_rating_id, o.validated_lead_level), -1
          FROM old_rows o
          WHERE o.self_rating_id IS NOT NULL OR o.validated_lead_rating_id IS NOT NULL;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO level_changes_pending (organization_id, member_id, topic_id, level, delta)
          SELECT n.organization_id, n.member_id, n.topic_id, level_shown(n.self_rating_id,
              n.self_level, n.validated_lead_rating_id, n.validated_lead_level), 1
          FROM new_rows n
          WHERE n.self_rating_id IS NOT NULL OR n.validated_lead_rating_id IS NOT NULL;
      END IF;
      RETURN NULL;
    END $$;
  `.execute(db);
  // Transition tables are per trigger: a DELETE trigger has only old rows, an INSERT one only
  // new ones.
  const transition = (op: (typeof OPERATIONS)[number]) =>
    op === "insert"
      ? sql`REFERENCING NEW TABLE AS new_rows`
      : op === "delete"
        ? sql`REFERENCING OLD TABLE AS old_rows`
        : sql`REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows`;
  for (const op of OPERATIONS)
    await sql`
      CREATE TRIGGER ${sql.raw(`current_levels_note_${op}`)} AFTER ${sql.raw(op.toUpperCase())}
        ON current_levels ${transition(op)}
        FOR EACH STATEMENT EXECUTE FUNCTION current_levels_note_changes();
    `.execute(db);

  await sql`
    -- Writes that move levels or validation: their members' levels versions, at commit.
    CREATE FUNCTION gap_levels_note_new() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO level_changes_pending (organization_id, member_id)
        SELECT DISTINCT organization_id, member_id FROM new_rows;
      RETURN NULL;
    END $$;
    CREATE FUNCTION gap_levels_note_old() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO level_changes_pending (organization_id, member_id)
        SELECT DISTINCT organization_id, member_id FROM old_rows;
      RETURN NULL;
    END $$;

    DROP TRIGGER ratings_gap_data ON ratings;
    CREATE TRIGGER ratings_gap_levels AFTER INSERT ON ratings
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_levels_note_new();
  `.execute(db);
  for (const table of LEVEL_TABLES)
    for (const op of OPERATIONS)
      await sql`
        DROP TRIGGER ${sql.raw(`${table}_gap_data_${op}`)} ON ${sql.table(table)};
        CREATE TRIGGER ${sql.raw(`${table}_gap_levels_${op}`)} AFTER ${sql.raw(op.toUpperCase())}
          ON ${sql.table(table)}
          ${op === "delete" ? sql`REFERENCING OLD TABLE AS old_rows` : sql`REFERENCING NEW TABLE AS new_rows`}
          FOR EACH STATEMENT EXECUTE FUNCTION ${sql.raw(op === "delete" ? "gap_levels_note_old" : "gap_levels_note_new")}();
      `.execute(db);

  await sql`
    -- Who is counted where changed: recount each organisation concerned.
    CREATE FUNCTION level_counts_recount_members() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        PERFORM recount_levels(x.organization_id) FROM (
          SELECT DISTINCT n.organization_id FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE o.active IS DISTINCT FROM n.active
            OR o.target_profile_id IS DISTINCT FROM n.target_profile_id
          ORDER BY 1) x;
      ELSE
        PERFORM recount_levels(x.organization_id)
          FROM (SELECT DISTINCT organization_id FROM old_rows ORDER BY 1) x;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER memberships_level_counts_update AFTER UPDATE ON memberships
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION level_counts_recount_members();
    CREATE TRIGGER memberships_level_counts_delete AFTER DELETE ON memberships
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION level_counts_recount_members();

    CREATE FUNCTION level_counts_recount_teams() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM recount_levels(x.organization_id)
          FROM (SELECT DISTINCT organization_id FROM new_rows ORDER BY 1) x;
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM recount_levels(x.organization_id) FROM (
          SELECT organization_id FROM new_rows UNION SELECT organization_id FROM old_rows
          ORDER BY 1) x;
      ELSE
        PERFORM recount_levels(x.organization_id)
          FROM (SELECT DISTINCT organization_id FROM old_rows ORDER BY 1) x;
      END IF;
      RETURN NULL;
    END $$;
  `.execute(db);
  for (const op of OPERATIONS)
    await sql`
      CREATE TRIGGER ${sql.raw(`team_members_level_counts_${op}`)} AFTER ${sql.raw(op.toUpperCase())}
        ON team_members ${transition(op)}
        FOR EACH STATEMENT EXECUTE FUNCTION level_counts_recount_teams();
    `.execute(db);

  await sql`SELECT recount_levels(id) FROM organizations ORDER BY id`.execute(db);
}

export async function down(db: Db): Promise<void> {
  for (const op of OPERATIONS) {
    await sql`DROP TRIGGER ${sql.raw(`team_members_level_counts_${op}`)} ON team_members`.execute(
      db,
    );
    await sql`DROP TRIGGER ${sql.raw(`current_levels_note_${op}`)} ON current_levels`.execute(db);
    for (const table of LEVEL_TABLES)
      await sql`
        DROP TRIGGER ${sql.raw(`${table}_gap_levels_${op}`)} ON ${sql.table(table)};
        CREATE TRIGGER ${sql.raw(`${table}_gap_data_${op}`)} AFTER ${sql.raw(op.toUpperCase())}
          ON ${sql.table(table)}
          ${op === "delete" ? sql`REFERENCING OLD TABLE AS old_rows` : sql`REFERENCING NEW TABLE AS new_rows`}
          FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
      `.execute(db);
  }
  await sql`
    DROP TRIGGER memberships_level_counts_update ON memberships;
    DROP TRIGGER memberships_level_counts_delete ON memberships;
    DROP TRIGGER ratings_gap_levels ON ratings;
    CREATE TRIGGER ratings_gap_data AFTER INSERT ON ratings
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
    DROP FUNCTION level_counts_recount_teams, level_counts_recount_members, gap_levels_note_new,
      gap_levels_note_old, current_levels_note_changes, recount_levels;
    DROP TABLE level_changes_pending;
    DROP FUNCTION level_changes_apply, level_counts_lock_key;
    DROP TABLE gap_level_versions, level_counts;
    DROP INDEX current_levels_calibration, current_levels_rated;
    CREATE OR REPLACE VIEW member_levels AS
      SELECT cl.organization_id, cl.member_id, cl.topic_id,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN cl.validated_lead_level ELSE cl.self_level END AS level,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN 'lead' ELSE 'self' END::rating_source AS source,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN cl.validated_lead_rated_at ELSE cl.self_rated_at END AS rated_at,
        cl.self_rating_id, cl.self_level, cl.lead_rating_id, cl.lead_level
      FROM current_levels cl
      WHERE cl.self_rating_id IS NOT NULL OR cl.validated_lead_rating_id IS NOT NULL;
    DROP FUNCTION level_shown;
  `.execute(db);
}
