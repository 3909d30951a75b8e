import { sql, type Kysely } from "kysely";

// Every tenant table distributable by organisation (issue 29, ADR 019): its primary key, each
// unique constraint and each foreign key to another tenant table include organization_id, the
// condition for distributing tables by that column (as Citus does) with their keys still
// enforced on each shard. tests/schema.test.ts checks it for every table.
//
// The column goes last in each key, so lookups by id (or by the key's first columns) keep
// their index. Where the other columns already fix the organisation (an id, a member, a
// random token's hash), the key means exactly what it meant before.
//
// Left as they are, and why (each would be a reference table or stay on the coordinator):
// sso_domains (an email domain signs in to one organisation across the installation: a global
// rule), sessions and notifications (organization_id is null before an organisation is chosen
// and for account emails).

type Db = Kysely<unknown>;

/** Primary keys that gain organization_id, by table: their columns before it. */
const PRIMARY_KEYS: Record<string, string[]> = {
  api_tokens: ["id"],
  assessments: ["id"],
  audit_log: ["id"],
  calendar_feeds: ["membership_id"],
  calibration_resolutions: ["id"],
  capability_targets: ["id"],
  categories: ["id"],
  category_revisions: ["framework_version_id", "category_id"],
  channel_deliveries: ["id"],
  check_ins: ["id"],
  current_levels: ["member_id", "topic_id"],
  cycle_progress: ["cycle_id", "member_id", "category_id"],
  cycles: ["id"],
  development_plans: ["id"],
  framework_versions: ["id"],
  frameworks: ["id"],
  invitations: ["id"],
  memberships: ["id"],
  mentorships: ["id"],
  organization_exports: ["id"],
  plan_comments: ["id"],
  plan_goals: ["id"],
  ratings: ["id"],
  report_plan_goals: ["report_id", "goal_id"],
  report_rows: ["report_id", "member_id", "topic_id"],
  reports: ["id"],
  sso_login_attempts: ["state_hash"],
  target_profiles: ["id"],
  team_channels: ["id"],
  team_members: ["team_id", "membership_id"],
  teams: ["id"],
  topic_flags: ["member_id", "topic_id"],
  topic_level_descriptors: ["framework_version_id", "topic_id", "level"],
  topic_resources: ["id"],
  topic_revisions: ["framework_version_id", "topic_id"],
  topic_targets: ["framework_version_id", "target_profile_id", "topic_id"],
  topics: ["id"],
};

/** Unique constraints that gain organization_id: table, name, columns before it. */
const UNIQUE_CONSTRAINTS: [string, string, string[]][] = [
  ["api_tokens", "api_tokens_token_hash_key", ["token_hash"]],
  ["assessments", "assessments_cycle_member_key", ["cycle_id", "member_id"]],
  ["calendar_feeds", "calendar_feeds_token_hash_key", ["token_hash"]],
  ["capability_targets", "capability_targets_team_topic_key", ["team_id", "topic_id"]],
  ["channel_deliveries", "channel_deliveries_idempotency_key_key", ["idempotency_key"]],
  ["framework_versions", "framework_versions_number_key", ["framework_id", "number"]],
  ["invitations", "invitations_token_hash_key", ["token_hash"]],
  ["team_channels", "team_channels_team_id_kind_key", ["team_id", "kind"]],
];

/** Unique indexes (partial or on an expression): name, then its definition before and after. */
const UNIQUE_INDEXES: [string, string, string][] = [
  [
    "development_plans_one_active",
    `ON development_plans (member_id, cycle_id) WHERE status = 'active'`,
    `ON development_plans (member_id, cycle_id, organization_id) WHERE status = 'active'`,
  ],
  [
    "mentorships_one_open_per_pair_topic",
    `ON mentorships (mentor_id, mentee_id, topic_id) WHERE status IN ('proposed', 'active')`,
    `ON mentorships (mentor_id, mentee_id, topic_id, organization_id)
      WHERE status IN ('proposed', 'active')`,
  ],
  [
    "reports_one_per_close",
    `ON reports (cycle_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'))
      WHERE trigger = 'cycle_closed'`,
    `ON reports (cycle_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'),
      organization_id) WHERE trigger = 'cycle_closed'`,
  ],
  [
    "target_profiles_name_key",
    `ON target_profiles (framework_id, lower(name))`,
    `ON target_profiles (framework_id, lower(name), organization_id)`,
  ],
];

/** Foreign keys that lean on the keys above: table, name, definition before and after. */
const FOREIGN_KEYS: [string, string, string, string][] = [
  [
    "invitations",
    "invitations_team_fk",
    "FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE SET NULL",
    "FOREIGN KEY (team_id, organization_id) REFERENCES teams (id, organization_id) ON DELETE SET NULL (team_id)",
  ],
  [
    "invitations",
    "invitations_target_profile_id_fkey",
    "FOREIGN KEY (target_profile_id) REFERENCES target_profiles (id) ON DELETE SET NULL",
    "FOREIGN KEY (target_profile_id, organization_id) REFERENCES target_profiles (id, organization_id) ON DELETE SET NULL (target_profile_id)",
  ],
  [
    // The organisation's default framework is one of its own.
    "organizations",
    "organizations_default_framework_id_fkey",
    "FOREIGN KEY (default_framework_id) REFERENCES frameworks (id) ON DELETE SET NULL",
    "FOREIGN KEY (default_framework_id, id) REFERENCES frameworks (id, organization_id) ON DELETE SET NULL (default_framework_id)",
  ],
  [
    "topic_revisions",
    "topic_revisions_category_fk",
    "FOREIGN KEY (framework_version_id, category_id) REFERENCES category_revisions (framework_version_id, category_id) ON DELETE CASCADE",
    "FOREIGN KEY (framework_version_id, category_id, organization_id) REFERENCES category_revisions (framework_version_id, category_id, organization_id) ON DELETE CASCADE",
  ],
  [
    "topic_level_descriptors",
    "topic_level_descriptors_topic_fk",
    "FOREIGN KEY (framework_version_id, topic_id) REFERENCES topic_revisions (framework_version_id, topic_id) ON DELETE CASCADE",
    "FOREIGN KEY (framework_version_id, topic_id, organization_id) REFERENCES topic_revisions (framework_version_id, topic_id, organization_id) ON DELETE CASCADE",
  ],
  [
    "topic_targets",
    "topic_targets_topic_fk",
    "FOREIGN KEY (framework_version_id, topic_id) REFERENCES topic_revisions (framework_version_id, topic_id) ON DELETE CASCADE",
    "FOREIGN KEY (framework_version_id, topic_id, organization_id) REFERENCES topic_revisions (framework_version_id, topic_id, organization_id) ON DELETE CASCADE",
  ],
  [
    "audit_log",
    "audit_log_actor_token_id_fkey",
    "FOREIGN KEY (actor_token_id) REFERENCES api_tokens (id) ON DELETE SET NULL",
    "FOREIGN KEY (actor_token_id, organization_id) REFERENCES api_tokens (id, organization_id) ON DELETE SET NULL (actor_token_id)",
  ],
  [
    "report_rows",
    "report_rows_report_id_fkey",
    "FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE",
    "FOREIGN KEY (report_id, organization_id) REFERENCES reports (id, organization_id) ON DELETE CASCADE",
  ],
  [
    "calibration_resolutions",
    "calibration_resolutions_self_rating_id_fkey",
    "FOREIGN KEY (self_rating_id) REFERENCES ratings (id)",
    "FOREIGN KEY (self_rating_id, organization_id) REFERENCES ratings (id, organization_id)",
  ],
  [
    "calibration_resolutions",
    "calibration_resolutions_lead_rating_id_fkey",
    "FOREIGN KEY (lead_rating_id) REFERENCES ratings (id)",
    "FOREIGN KEY (lead_rating_id, organization_id) REFERENCES ratings (id, organization_id)",
  ],
  [
    "channel_deliveries",
    "channel_deliveries_channel_id_fkey",
    "FOREIGN KEY (channel_id) REFERENCES team_channels (id) ON DELETE CASCADE",
    "FOREIGN KEY (channel_id, organization_id) REFERENCES team_channels (id, organization_id) ON DELETE CASCADE",
  ],
  [
    "calendar_feeds",
    "calendar_feeds_membership_id_fkey",
    "FOREIGN KEY (membership_id) REFERENCES memberships (id) ON DELETE CASCADE",
    "FOREIGN KEY (membership_id, organization_id) REFERENCES memberships (id, organization_id) ON DELETE CASCADE",
  ],
];

/** current_levels is kept by this trigger function's upserts, whose target is its key. */
async function retargetLevelUpserts(db: Db, from: string, to: string) {
  const { rows } = await sql<{ def: string }>`
    SELECT pg_get_functiondef('ratings_maintain_levels'::regproc) AS def`.execute(db);
  const def = rows[0]!.def;
  const upserts = def.split(`ON CONFLICT ${from}`).length - 1;
  if (upserts !== 2)
    throw new Error(`ratings_maintain_levels: expected 2 upserts, found ${upserts}`);
  await sql.raw(def.replaceAll(`ON CONFLICT ${from}`, `ON CONFLICT ${to}`)).execute(db);
}

async function rekey(db: Db, withOrganization: boolean) {
  const key = (columns: string[]) =>
    (withOrganization ? [...columns, "organization_id"] : columns).join(", ");
  for (const [table, name] of FOREIGN_KEYS)
    await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`).execute(db);
  for (const [table, columns] of Object.entries(PRIMARY_KEYS))
    await sql
      .raw(
        `ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey,
          ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${key(columns)})`,
      )
      .execute(db);
  for (const [table, name, columns] of UNIQUE_CONSTRAINTS)
    await sql
      .raw(
        `ALTER TABLE ${table} DROP CONSTRAINT ${name},
          ADD CONSTRAINT ${name} UNIQUE (${key(columns)})`,
      )
      .execute(db);
  for (const [name, before, after] of UNIQUE_INDEXES)
    await sql
      .raw(`DROP INDEX ${name}; CREATE UNIQUE INDEX ${name} ${withOrganization ? after : before}`)
      .execute(db);
  for (const [table, name, before, after] of FOREIGN_KEYS)
    await sql
      .raw(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${withOrganization ? after : before}`)
      .execute(db);
}

export async function up(db: Db): Promise<void> {
  await rekey(db, true);
  await retargetLevelUpserts(db, "(member_id, topic_id)", "(member_id, topic_id, organization_id)");
}

export async function down(db: Db): Promise<void> {
  await retargetLevelUpserts(db, "(member_id, topic_id, organization_id)", "(member_id, topic_id)");
  await rekey(db, false);
}
