import { sql, type Kysely } from "kysely";

// The whole Gapmap domain (PRODUCT.md). Every tenant row carries organization_id, and
// child rows reference their parent through (organization_id, id) so that a row can
// never point at another organisation's object, whatever the application code does.

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on the evolving Database type */
type Db = Kysely<any>;

const uuidPk = sql`gen_random_uuid()`;
const now = sql`now()`;

async function tenantTable(db: Db, table: string) {
  // (organization_id, id) is the target of composite foreign keys from child tables.
  await db.schema
    .alterTable(table)
    .addUniqueConstraint(`${table}_org_id_key`, ["organization_id", "id"])
    .execute();
}

export async function up(db: Db): Promise<void> {
  await sql`CREATE TYPE member_role AS ENUM ('engineer', 'lead', 'admin')`.execute(db);
  await sql`CREATE TYPE target_priority AS ENUM ('must_have', 'good_to_have', 'advanced')`.execute(
    db,
  );
  await sql`CREATE TYPE category_kind AS ENUM ('skills', 'role_expectations')`.execute(db);
  await sql`CREATE TYPE cycle_status AS ENUM ('planned', 'open', 'closed')`.execute(db);
  await sql`CREATE TYPE rating_source AS ENUM ('self', 'lead')`.execute(db);
  await sql`CREATE TYPE assessment_status AS ENUM ('draft', 'submitted', 'validated')`.execute(db);
  await sql`CREATE TYPE mentorship_status AS ENUM ('proposed', 'active', 'completed', 'cancelled', 'declined')`.execute(
    db,
  );
  await sql`CREATE TYPE notification_status AS ENUM ('pending', 'sending', 'sent', 'failed')`.execute(
    db,
  );
  await sql`CREATE TYPE token_scope AS ENUM ('read', 'read_write')`.execute(db);

  // ---------------------------------------------------------------- accounts and tenancy
  await db.schema
    .createTable("organizations")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("time_zone", "text", (c) => c.notNull().defaultTo("UTC"))
    // Charts aggregating fewer people than this are hidden (privacy floor).
    .addColumn("privacy_floor", "integer", (c) => c.notNull().defaultTo(3).check(sql`privacy_floor >= 1`))
    .addColumn("stale_after_days", "integer", (c) => c.notNull().defaultTo(182))
    .addColumn("mentor_capacity", "integer", (c) => c.notNull().defaultTo(3))
    .addColumn("due_reminder_days", sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{7,1}'`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`.execute(db);

  await db.schema
    .createTable("memberships")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", sql`member_role`, (c) => c.notNull().defaultTo("engineer"))
    .addColumn("title", "text")
    .addColumn("target_profile_id", "uuid")
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("deactivated_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("memberships_org_user_key", ["organization_id", "user_id"])
    .execute();
  await tenantTable(db, "memberships");
  await db.schema.createIndex("memberships_user_idx").on("memberships").column("user_id").execute();

  await db.schema
    .createTable("sessions")
    // SHA-256 of the random token the cookie holds; the token itself is never stored.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("organization_id", "uuid", (c) => c.references("organizations.id").onDelete("set null"))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("invitations")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", sql`member_role`, (c) => c.notNull())
    .addColumn("team_id", "uuid")
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("accepted_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex("invitations_org_idx")
    .on("invitations")
    .columns(["organization_id", "created_at"])
    .execute();

  await db.schema
    .createTable("password_resets")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  // Fixed-window counters shared by every web process (the web tier is stateless).
  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("window_start", "timestamptz", (c) => c.notNull())
    .addColumn("hits", "integer", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("rate_limits_pkey", ["key", "window_start"])
    .execute();

  await db.schema
    .createTable("teams")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await tenantTable(db, "teams");
  await sql`CREATE UNIQUE INDEX teams_org_name_key ON teams (organization_id, lower(name))`.execute(db);

  await db.schema
    .createTable("team_members")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("team_id", "uuid", (c) => c.notNull())
    .addColumn("membership_id", "uuid", (c) => c.notNull())
    .addColumn("is_lead", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("team_members_pkey", ["team_id", "membership_id"])
    .addForeignKeyConstraint("team_members_team_fk", ["organization_id", "team_id"], "teams", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("team_members_member_fk", ["organization_id", "membership_id"], "memberships", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await db.schema
    .createIndex("team_members_member_idx")
    .on("team_members")
    .column("membership_id")
    .execute();

  await db.schema
    .alterTable("invitations")
    .addForeignKeyConstraint("invitations_team_fk", ["team_id"], "teams", ["id"], (c) => c.onDelete("set null"))
    .execute();

  // ---------------------------------------------------------------- frameworks
  // A framework is a catalogue with versions. Categories, topics and target profiles keep a
  // stable identity (their id) across versions; what they say in a given version (name,
  // description, order, retired, target) lives in the *_revisions / topic_targets rows of
  // that version. Ratings reference the stable topic and a cycle, and the cycle pins the
  // version, so editing never rewrites what a past rating was made against.
  await db.schema
    .createTable("frameworks")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("current_version_id", "uuid")
    .addColumn("archived_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await tenantTable(db, "frameworks");

  await db.schema
    .createTable("framework_versions")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_id", "uuid", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("created_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("framework_versions_number_key", ["framework_id", "number"])
    .addForeignKeyConstraint("framework_versions_framework_fk", ["organization_id", "framework_id"], "frameworks", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await tenantTable(db, "framework_versions");
  await db.schema
    .alterTable("frameworks")
    .addForeignKeyConstraint("frameworks_current_version_fk", ["organization_id", "current_version_id"], "framework_versions", ["organization_id", "id"])
    .execute();
  await db.schema
    .alterTable("organizations")
    .addColumn("default_framework_id", "uuid", (c) => c.references("frameworks.id").onDelete("set null"))
    .execute();

  await db.schema
    .createTable("categories")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_id", "uuid", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addForeignKeyConstraint("categories_framework_fk", ["organization_id", "framework_id"], "frameworks", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await tenantTable(db, "categories");

  await db.schema
    .createTable("category_revisions")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_version_id", "uuid", (c) => c.notNull())
    .addColumn("category_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("kind", sql`category_kind`, (c) => c.notNull().defaultTo("skills"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("category_revisions_pkey", ["framework_version_id", "category_id"])
    .addForeignKeyConstraint("category_revisions_version_fk", ["organization_id", "framework_version_id"], "framework_versions", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("category_revisions_category_fk", ["organization_id", "category_id"], "categories", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();

  await db.schema
    .createTable("topics")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_id", "uuid", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addForeignKeyConstraint("topics_framework_fk", ["organization_id", "framework_id"], "frameworks", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await tenantTable(db, "topics");

  await db.schema
    .createTable("topic_revisions")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_version_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("category_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("position", "integer", (c) => c.notNull())
    // A retired topic stays in the version (history, un-retire) but leaves new cycles.
    .addColumn("retired", "boolean", (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint("topic_revisions_pkey", ["framework_version_id", "topic_id"])
    .addForeignKeyConstraint("topic_revisions_version_fk", ["organization_id", "framework_version_id"], "framework_versions", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("topic_revisions_topic_fk", ["organization_id", "topic_id"], "topics", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("topic_revisions_category_fk", ["framework_version_id", "category_id"], "category_revisions", ["framework_version_id", "category_id"], (c) => c.onDelete("cascade"))
    .execute();
  await db.schema
    .createIndex("topic_revisions_topic_idx")
    .on("topic_revisions")
    .column("topic_id")
    .execute();

  // Organisation-wide meaning of each level of the 0–4 scale.
  await db.schema
    .createTable("level_descriptors")
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("level", "smallint", (c) => c.notNull().check(sql`level BETWEEN 0 AND 4`))
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("level_descriptors_pkey", ["organization_id", "level"])
    .execute();

  // Per-topic override of a level's description, part of a framework version.
  await db.schema
    .createTable("topic_level_descriptors")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_version_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("level", "smallint", (c) => c.notNull().check(sql`level BETWEEN 0 AND 4`))
    .addColumn("description", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("topic_level_descriptors_pkey", ["framework_version_id", "topic_id", "level"])
    .addForeignKeyConstraint("topic_level_descriptors_topic_fk", ["framework_version_id", "topic_id"], "topic_revisions", ["framework_version_id", "topic_id"], (c) => c.onDelete("cascade"))
    .execute();

  await db.schema
    .createTable("target_profiles")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addForeignKeyConstraint("target_profiles_framework_fk", ["organization_id", "framework_id"], "frameworks", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await tenantTable(db, "target_profiles");
  await sql`CREATE UNIQUE INDEX target_profiles_name_key ON target_profiles (framework_id, lower(name))`.execute(
    db,
  );
  await db.schema
    .alterTable("memberships")
    .addForeignKeyConstraint("memberships_target_profile_fk", ["organization_id", "target_profile_id"], "target_profiles", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("topic_targets")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_version_id", "uuid", (c) => c.notNull())
    .addColumn("target_profile_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("target_level", "smallint", (c) => c.notNull().check(sql`target_level BETWEEN 0 AND 4`))
    .addColumn("priority", sql`target_priority`, (c) => c.notNull())
    .addPrimaryKeyConstraint("topic_targets_pkey", ["framework_version_id", "target_profile_id", "topic_id"])
    .addForeignKeyConstraint("topic_targets_topic_fk", ["framework_version_id", "topic_id"], "topic_revisions", ["framework_version_id", "topic_id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("topic_targets_profile_fk", ["organization_id", "target_profile_id"], "target_profiles", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();

  await db.schema
    .createTable("capability_targets")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("team_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("min_people", "integer", (c) => c.notNull().check(sql`min_people >= 1`))
    .addColumn("min_level", "smallint", (c) => c.notNull().check(sql`min_level BETWEEN 1 AND 4`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("capability_targets_team_topic_key", ["team_id", "topic_id"])
    .addForeignKeyConstraint("capability_targets_team_fk", ["organization_id", "team_id"], "teams", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("capability_targets_topic_fk", ["organization_id", "topic_id"], "topics", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();

  // ---------------------------------------------------------------- cycles and ratings
  await db.schema
    .createTable("cycles")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("framework_version_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", sql`cycle_status`, (c) => c.notNull().defaultTo("planned"))
    .addColumn("starts_on", "date", (c) => c.notNull())
    .addColumn("due_on", "date", (c) => c.notNull())
    .addColumn("ends_on", "date", (c) => c.notNull())
    .addColumn("opened_at", "timestamptz")
    .addColumn("closed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addCheckConstraint("cycles_dates_check", sql`starts_on <= due_on AND due_on <= ends_on`)
    .addUniqueConstraint("cycles_org_name_key", ["organization_id", "name"])
    .addForeignKeyConstraint("cycles_version_fk", ["organization_id", "framework_version_id"], "framework_versions", ["organization_id", "id"])
    .execute();
  await tenantTable(db, "cycles");
  await sql`CREATE UNIQUE INDEX cycles_one_open_per_org ON cycles (organization_id) WHERE status = 'open'`.execute(
    db,
  );
  await db.schema
    .createIndex("cycles_org_starts_idx")
    .on("cycles")
    .columns(["organization_id", "starts_on"])
    .execute();

  // Append-only: a rating is never updated or deleted (enforced by trigger below).
  // level NULL means "not applicable".
  await db.schema
    .createTable("ratings")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("cycle_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("source", sql`rating_source`, (c) => c.notNull())
    .addColumn("level", "smallint", (c) => c.check(sql`level BETWEEN 0 AND 4`))
    .addColumn("note", "text")
    .addColumn("evidence_urls", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("rated_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addForeignKeyConstraint("ratings_cycle_fk", ["organization_id", "cycle_id"], "cycles", ["organization_id", "id"])
    .addForeignKeyConstraint("ratings_member_fk", ["organization_id", "member_id"], "memberships", ["organization_id", "id"])
    .addForeignKeyConstraint("ratings_topic_fk", ["organization_id", "topic_id"], "topics", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("ratings_history_idx")
    .on("ratings")
    .columns(["member_id", "topic_id", "source", "cycle_id", "id"])
    .execute();
  await db.schema
    .createIndex("ratings_cycle_member_idx")
    .on("ratings")
    .columns(["organization_id", "cycle_id", "member_id"])
    .execute();

  // The newest rating per member × topic × source, kept up to date by trigger on every
  // insert into ratings, so gap views read ~56 rows per member instead of scanning history.
  await db.schema
    .createTable("current_ratings")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("source", sql`rating_source`, (c) => c.notNull())
    .addColumn("rating_id", "bigint", (c) => c.notNull().references("ratings.id"))
    .addColumn("cycle_id", "uuid", (c) => c.notNull())
    .addColumn("level", "smallint")
    .addColumn("rated_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("current_ratings_pkey", ["member_id", "topic_id", "source"])
    .addForeignKeyConstraint("current_ratings_member_fk", ["organization_id", "member_id"], "memberships", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("current_ratings_org_topic_idx")
    .on("current_ratings")
    .columns(["organization_id", "topic_id", "source"])
    .execute();

  await sql`
    CREATE FUNCTION ratings_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ratings are append-only' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER ratings_append_only BEFORE UPDATE OR DELETE ON ratings
      FOR EACH ROW EXECUTE FUNCTION ratings_forbid_change();

    CREATE FUNCTION ratings_maintain_current() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO current_ratings AS c
        (organization_id, member_id, topic_id, source, rating_id, cycle_id, level, rated_at)
      VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.source, NEW.id,
              NEW.cycle_id, NEW.level, NEW.created_at)
      ON CONFLICT (member_id, topic_id, source) DO UPDATE
        SET rating_id = EXCLUDED.rating_id, cycle_id = EXCLUDED.cycle_id,
            level = EXCLUDED.level, rated_at = EXCLUDED.rated_at
        WHERE c.rating_id < EXCLUDED.rating_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ratings_current AFTER INSERT ON ratings
      FOR EACH ROW EXECUTE FUNCTION ratings_maintain_current();
  `.execute(db);

  await db.schema
    .createTable("topic_flags")
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("want_to_learn", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("can_mentor", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("topic_flags_pkey", ["member_id", "topic_id"])
    .addForeignKeyConstraint("topic_flags_member_fk", ["organization_id", "member_id"], "memberships", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("topic_flags_topic_fk", ["organization_id", "topic_id"], "topics", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await db.schema
    .createIndex("topic_flags_topic_idx")
    .on("topic_flags")
    .columns(["organization_id", "topic_id"])
    .execute();

  await db.schema
    .createTable("assessments")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("cycle_id", "uuid", (c) => c.notNull())
    .addColumn("member_id", "uuid", (c) => c.notNull())
    .addColumn("status", sql`assessment_status`, (c) => c.notNull().defaultTo("draft"))
    // Optimistic concurrency: every save must name the revision it started from.
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("submitted_at", "timestamptz")
    .addColumn("validated_at", "timestamptz")
    .addColumn("validated_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("assessments_cycle_member_key", ["cycle_id", "member_id"])
    .addForeignKeyConstraint("assessments_cycle_fk", ["organization_id", "cycle_id"], "cycles", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .addForeignKeyConstraint("assessments_member_fk", ["organization_id", "member_id"], "memberships", ["organization_id", "id"])
    .execute();
  await tenantTable(db, "assessments");
  await db.schema
    .createIndex("assessments_org_cycle_status_idx")
    .on("assessments")
    .columns(["organization_id", "cycle_id", "status"])
    .execute();

  // ---------------------------------------------------------------- mentoring
  await db.schema
    .createTable("mentorships")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("mentor_id", "uuid", (c) => c.notNull())
    .addColumn("mentee_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addColumn("goal_level", "smallint", (c) => c.notNull().check(sql`goal_level BETWEEN 1 AND 4`))
    // The mentee's level when the mentorship was proposed: the "before" of the loop.
    .addColumn("baseline_level", "smallint", (c) => c.check(sql`baseline_level BETWEEN 0 AND 4`))
    .addColumn("cadence_days", "integer", (c) => c.notNull().check(sql`cadence_days BETWEEN 1 AND 365`))
    .addColumn("status", sql`mentorship_status`, (c) => c.notNull().defaultTo("proposed"))
    .addColumn("starts_on", "date")
    .addColumn("due_on", "date")
    .addColumn("proposed_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("accepted_at", "timestamptz")
    .addColumn("ended_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addCheckConstraint("mentorships_not_self", sql`mentor_id <> mentee_id`)
    .addForeignKeyConstraint("mentorships_mentor_fk", ["organization_id", "mentor_id"], "memberships", ["organization_id", "id"])
    .addForeignKeyConstraint("mentorships_mentee_fk", ["organization_id", "mentee_id"], "memberships", ["organization_id", "id"])
    .addForeignKeyConstraint("mentorships_topic_fk", ["organization_id", "topic_id"], "topics", ["organization_id", "id"])
    .execute();
  await tenantTable(db, "mentorships");
  await sql`CREATE UNIQUE INDEX mentorships_one_open_per_pair_topic ON mentorships (mentor_id, mentee_id, topic_id) WHERE status IN ('proposed', 'active')`.execute(
    db,
  );
  await db.schema
    .createIndex("mentorships_mentee_topic_idx")
    .on("mentorships")
    .columns(["organization_id", "mentee_id", "topic_id", "status"])
    .execute();
  await db.schema
    .createIndex("mentorships_mentor_status_idx")
    .on("mentorships")
    .columns(["mentor_id", "status"])
    .execute();

  await db.schema
    .createTable("check_ins")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("mentorship_id", "uuid", (c) => c.notNull())
    .addColumn("occurred_on", "date", (c) => c.notNull())
    .addColumn("notes", "text")
    .addColumn("level_estimate", "smallint", (c) => c.check(sql`level_estimate BETWEEN 0 AND 4`))
    .addColumn("logged_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addForeignKeyConstraint("check_ins_mentorship_fk", ["organization_id", "mentorship_id"], "mentorships", ["organization_id", "id"], (c) => c.onDelete("cascade"))
    .execute();
  await db.schema
    .createIndex("check_ins_mentorship_idx")
    .on("check_ins")
    .columns(["mentorship_id", "occurred_on"])
    .execute();

  // ---------------------------------------------------------------- notifications
  // The outbox: email is sent from here and nowhere else. The idempotency key
  // (kind + recipient + subject period) makes every message exist at most once.
  await db.schema
    .createTable("notifications")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    // NULL for messages that belong to no organisation (a password reset).
    .addColumn("organization_id", "uuid", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("recipient_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("recipient_email", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body_text", "text", (c) => c.notNull())
    .addColumn("body_html", "text")
    // The message's main link (accept an invitation, reset a password, open the form).
    .addColumn("action_url", "text")
    .addColumn("status", sql`notification_status`, (c) => c.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("claimed_at", "timestamptz")
    .addColumn("sent_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex("notifications_org_created_idx")
    .on("notifications")
    .columns(["organization_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("notifications_recipient_idx")
    .on("notifications")
    .columns(["recipient_user_id", "created_at"])
    .execute();
  await sql`CREATE INDEX notifications_unsent_idx ON notifications (created_at) WHERE status IN ('pending', 'sending')`.execute(
    db,
  );

  await db.schema
    .createTable("notification_mutes")
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("notification_mutes_pkey", ["organization_id", "user_id", "kind"])
    .execute();

  // ---------------------------------------------------------------- reports
  await db.schema
    .createTable("reports")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("cycle_id", "uuid", (c) => c.notNull())
    // NULL: the whole organisation.
    .addColumn("team_id", "uuid")
    .addColumn("framework_version_id", "uuid", (c) => c.notNull())
    .addColumn("snapshot", "jsonb", (c) => c.notNull())
    .addColumn("generated_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("generated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addForeignKeyConstraint("reports_cycle_fk", ["organization_id", "cycle_id"], "cycles", ["organization_id", "id"])
    .addForeignKeyConstraint("reports_team_fk", ["organization_id", "team_id"], "teams", ["organization_id", "id"])
    .addForeignKeyConstraint("reports_version_fk", ["organization_id", "framework_version_id"], "framework_versions", ["organization_id", "id"])
    .execute();
  await tenantTable(db, "reports");
  await db.schema
    .createIndex("reports_org_cycle_idx")
    .on("reports")
    .columns(["organization_id", "cycle_id", "team_id"])
    .execute();
  await sql`
    CREATE FUNCTION reports_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'reports are frozen snapshots' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER reports_frozen BEFORE UPDATE ON reports
      FOR EACH ROW EXECUTE FUNCTION reports_forbid_change();
  `.execute(db);

  // ---------------------------------------------------------------- API and audit
  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("scope", sql`token_scope`, (c) => c.notNull().defaultTo("read"))
    .addColumn("created_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("expires_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await tenantTable(db, "api_tokens");

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("actor_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("actor_token_id", "uuid", (c) => c.references("api_tokens.id").onDelete("set null"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("object_type", "text", (c) => c.notNull())
    .addColumn("object_id", "text")
    .addColumn("details", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("ip", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex("audit_log_org_created_idx")
    .on("audit_log")
    .columns(["organization_id", "created_at"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  for (const table of [
    "audit_log",
    "api_tokens",
    "reports",
    "notification_mutes",
    "notifications",
    "check_ins",
    "mentorships",
    "assessments",
    "topic_flags",
    "current_ratings",
    "ratings",
    "cycles",
    "capability_targets",
    "topic_targets",
    "target_profiles",
    "topic_level_descriptors",
    "level_descriptors",
    "topic_revisions",
    "topics",
    "category_revisions",
    "categories",
    "framework_versions",
    "frameworks",
    "team_members",
    "teams",
    "rate_limits",
    "password_resets",
    "invitations",
    "sessions",
    "memberships",
    "users",
    "organizations",
  ]) {
    await db.schema.dropTable(table).cascade().execute();
  }
  await sql`DROP FUNCTION IF EXISTS ratings_forbid_change, ratings_maintain_current, reports_forbid_change`.execute(
    db,
  );
  for (const type of [
    "token_scope",
    "notification_status",
    "mentorship_status",
    "assessment_status",
    "rating_source",
    "cycle_status",
    "category_kind",
    "target_priority",
    "member_role",
  ]) {
    await sql`DROP TYPE ${sql.id(type)}`.execute(db);
  }
}
