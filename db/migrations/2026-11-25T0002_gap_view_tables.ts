import { sql, type Kysely } from "kysely";

// Tables that let the gap view aggregate a 2,000-person organisation in tens of milliseconds
// (ADR 008):
// - current_levels: one row per member × topic with the newest self and lead rating side by
//   side, kept by trigger, so no query pivots current_ratings' two rows per topic;
// - cycle_progress: per closed cycle, member and category, how many must-have targets were
//   rated and met as of that cycle, written when the cycle closes, so the trend over cycles
//   never rescans rating history.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("current_levels")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("self_rating_id", "bigint")
    .addColumn("self_level", "smallint")
    .addColumn("self_rated_at", "timestamptz")
    .addColumn("lead_rating_id", "bigint")
    .addColumn("lead_level", "smallint")
    .addColumn("lead_rated_at", "timestamptz")
    .addPrimaryKeyConstraint("current_levels_pkey", ["member_id", "topic_id"])
    .addForeignKeyConstraint(
      "current_levels_member_fk",
      ["organization_id", "member_id"],
      "memberships",
      ["organization_id", "id"],
      (c) => c.onDelete("cascade"),
    )
    .execute();
  // An organisation-wide view reads only its own tenant's rows.
  await db.schema
    .createIndex("current_levels_org_topic_idx")
    .on("current_levels")
    .columns(["organization_id", "topic_id"])
    .execute();

  await sql`
    CREATE FUNCTION ratings_maintain_levels() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Only ever moves forward: an older rating id never replaces a newer one.
      IF NEW.source = 'self' THEN
        INSERT INTO current_levels AS c
          (organization_id, member_id, topic_id, self_rating_id, self_level, self_rated_at)
        VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.id, NEW.level, NEW.created_at)
        ON CONFLICT (member_id, topic_id) DO UPDATE
          SET self_rating_id = EXCLUDED.self_rating_id, self_level = EXCLUDED.self_level,
              self_rated_at = EXCLUDED.self_rated_at
          WHERE c.self_rating_id IS NULL OR c.self_rating_id < EXCLUDED.self_rating_id;
      ELSE
        INSERT INTO current_levels AS c
          (organization_id, member_id, topic_id, lead_rating_id, lead_level, lead_rated_at)
        VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.id, NEW.level, NEW.created_at)
        ON CONFLICT (member_id, topic_id) DO UPDATE
          SET lead_rating_id = EXCLUDED.lead_rating_id, lead_level = EXCLUDED.lead_level,
              lead_rated_at = EXCLUDED.lead_rated_at
          WHERE c.lead_rating_id IS NULL OR c.lead_rating_id < EXCLUDED.lead_rating_id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ratings_current_levels AFTER INSERT ON ratings
      FOR EACH ROW EXECUTE FUNCTION ratings_maintain_levels();

    INSERT INTO current_levels (organization_id, member_id, topic_id, self_rating_id, self_level,
      self_rated_at, lead_rating_id, lead_level, lead_rated_at)
    SELECT organization_id, member_id, topic_id,
      max(rating_id) FILTER (WHERE source = 'self'), max(level) FILTER (WHERE source = 'self'),
      max(rated_at) FILTER (WHERE source = 'self'),
      max(rating_id) FILTER (WHERE source = 'lead'), max(level) FILTER (WHERE source = 'lead'),
      max(rated_at) FILTER (WHERE source = 'lead')
    FROM current_ratings
    GROUP BY organization_id, member_id, topic_id;
  `.execute(db);

  await db.schema
    .createTable("cycle_progress")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("cycle_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("category_id", "uuid", (c) => c.notNull())
    .addColumn("must_have_total", "integer", (c) => c.notNull())
    .addColumn("must_have_met", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("cycle_progress_pkey", ["cycle_id", "member_id", "category_id"])
    .addForeignKeyConstraint(
      "cycle_progress_cycle_fk",
      ["organization_id", "cycle_id"],
      "cycles",
      ["organization_id", "id"],
      (c) => c.onDelete("cascade"),
    )
    .addForeignKeyConstraint(
      "cycle_progress_member_fk",
      ["organization_id", "member_id"],
      "memberships",
      ["organization_id", "id"],
      (c) => c.onDelete("cascade"),
    )
    .execute();

  // One definition of "as of a cycle", used when a cycle closes, by the demo seed and below:
  // per member and topic the newest rating (self or lead) from any cycle that started no
  // later, against the cycle's framework version's must-have targets.
  await sql`
    CREATE FUNCTION record_cycle_progress(p_cycle uuid) RETURNS void LANGUAGE sql AS $$
      DELETE FROM cycle_progress WHERE cycle_id = p_cycle;
      WITH cy AS (SELECT * FROM cycles WHERE id = p_cycle),
      latest AS (
        SELECT DISTINCT ON (r.member_id, r.topic_id, r.source) r.member_id, r.topic_id, r.source,
          r.level, rc.starts_on, r.id
        FROM cy
        JOIN cycles rc ON rc.organization_id = cy.organization_id AND rc.starts_on <= cy.starts_on
        JOIN ratings r ON r.organization_id = cy.organization_id AND r.cycle_id = rc.id
        ORDER BY r.member_id, r.topic_id, r.source, rc.starts_on DESC, r.id DESC
      ),
      shown AS (
        SELECT member_id, topic_id,
          (array_agg(level ORDER BY starts_on DESC, id DESC))[1] AS level
        FROM latest GROUP BY member_id, topic_id
      )
      INSERT INTO cycle_progress
        (organization_id, cycle_id, member_id, category_id, must_have_total, must_have_met)
      SELECT cy.organization_id, cy.id, m.id, t.category_id,
        count(s.level), count(*) FILTER (WHERE s.level >= tt.target_level)
      FROM cy
      JOIN memberships m ON m.organization_id = cy.organization_id AND m.active
      JOIN topic_targets tt ON tt.framework_version_id = cy.framework_version_id
        AND tt.target_profile_id = m.target_profile_id AND tt.priority = 'must_have'
      JOIN topic_revisions t ON t.framework_version_id = cy.framework_version_id
        AND t.topic_id = tt.topic_id AND NOT t.retired
      JOIN shown s ON s.member_id = m.id AND s.topic_id = tt.topic_id
      GROUP BY cy.organization_id, cy.id, m.id, t.category_id;
    $$;
    SELECT record_cycle_progress(id) FROM cycles WHERE status = 'closed' ORDER BY starts_on;
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS record_cycle_progress`.execute(db);
  await db.schema.dropTable("cycle_progress").execute();
  await sql`DROP TRIGGER IF EXISTS ratings_current_levels ON ratings`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ratings_maintain_levels`.execute(db);
  await db.schema.dropTable("current_levels").execute();
}
