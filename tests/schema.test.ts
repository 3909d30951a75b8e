import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import type { Database } from "#db/schema";

// The hand-written row types (db/schema.ts) and the migrated database must agree. The type
// check forces this map to name exactly each table's typed columns; the test compares it
// with the columns Postgres reports.
const typedColumns = {
  api_tokens: {
    id: true,
    organization_id: true,
    name: true,
    token_hash: true,
    scope: true,
    created_by_user_id: true,
    expires_at: true,
    revoked_at: true,
    last_used_at: true,
    created_at: true,
  },
  assessments: {
    id: true,
    organization_id: true,
    cycle_id: true,
    member_id: true,
    status: true,
    revision: true,
    submitted_at: true,
    validated_at: true,
    validated_by_user_id: true,
    acknowledged_at: true,
    updated_at: true,
    created_at: true,
  },
  calibration_resolutions: {
    id: true,
    organization_id: true,
    member_id: true,
    topic_id: true,
    self_rating_id: true,
    lead_rating_id: true,
    resolution: true,
    note: true,
    resolved_by_user_id: true,
    created_at: true,
  },
  audit_log: {
    id: true,
    organization_id: true,
    actor_user_id: true,
    actor_token_id: true,
    action: true,
    object_type: true,
    object_id: true,
    details: true,
    ip: true,
    created_at: true,
  },
  capability_targets: {
    id: true,
    organization_id: true,
    team_id: true,
    topic_id: true,
    min_people: true,
    min_level: true,
    created_at: true,
  },
  categories: { id: true, organization_id: true, framework_id: true, created_at: true },
  category_revisions: {
    organization_id: true,
    framework_version_id: true,
    category_id: true,
    name: true,
    description: true,
    kind: true,
    position: true,
  },
  check_ins: {
    id: true,
    organization_id: true,
    mentorship_id: true,
    occurred_on: true,
    notes: true,
    level_estimate: true,
    logged_by_user_id: true,
    created_at: true,
  },
  current_levels: {
    organization_id: true,
    member_id: true,
    topic_id: true,
    self_rating_id: true,
    self_level: true,
    self_rated_at: true,
    lead_rating_id: true,
    lead_level: true,
    self_cycle_id: true,
    lead_rated_at: true,
    lead_cycle_id: true,
    validated_lead_rating_id: true,
    validated_lead_level: true,
    validated_lead_rated_at: true,
  },
  level_changes_pending: {
    transaction_id: true,
    organization_id: true,
    member_id: true,
    topic_id: true,
    level: true,
    delta: true,
  },
  level_counts: {
    organization_id: true,
    scope_id: true,
    topic_id: true,
    target_profile_id: true,
    level: true,
    people: true,
  },
  cycle_progress: {
    organization_id: true,
    cycle_id: true,
    member_id: true,
    category_id: true,
    must_have_total: true,
    must_have_met: true,
  },
  cycles: {
    id: true,
    organization_id: true,
    framework_version_id: true,
    name: true,
    status: true,
    starts_on: true,
    due_on: true,
    ends_on: true,
    opened_at: true,
    closed_at: true,
    created_at: true,
  },
  framework_versions: {
    id: true,
    organization_id: true,
    framework_id: true,
    number: true,
    note: true,
    created_by_user_id: true,
    created_at: true,
  },
  frameworks: {
    id: true,
    organization_id: true,
    name: true,
    description: true,
    current_version_id: true,
    archived_at: true,
    created_at: true,
  },
  gap_data_versions: { organization_id: true, version: true },
  gap_level_versions: { organization_id: true, scope_id: true, version: true },
  invitations: {
    id: true,
    organization_id: true,
    email: true,
    role: true,
    team_id: true,
    token_hash: true,
    invited_by_user_id: true,
    expires_at: true,
    accepted_at: true,
    revoked_at: true,
    created_at: true,
    display_name: true,
    target_profile_id: true,
  },
  level_descriptors: { organization_id: true, level: true, label: true, description: true },
  memberships: {
    id: true,
    organization_id: true,
    user_id: true,
    role: true,
    title: true,
    target_profile_id: true,
    active: true,
    deactivated_at: true,
    created_at: true,
  },
  member_levels: {
    organization_id: true,
    member_id: true,
    topic_id: true,
    level: true,
    source: true,
    rated_at: true,
    self_rating_id: true,
    self_level: true,
    lead_rating_id: true,
    lead_level: true,
  },
  mentorships: {
    id: true,
    organization_id: true,
    mentor_id: true,
    mentee_id: true,
    topic_id: true,
    goal_level: true,
    baseline_level: true,
    cadence_days: true,
    status: true,
    starts_on: true,
    due_on: true,
    proposed_by_user_id: true,
    accepted_at: true,
    ended_at: true,
    created_at: true,
  },
  notification_mutes: { organization_id: true, user_id: true, kind: true, created_at: true },
  notifications: {
    id: true,
    organization_id: true,
    kind: true,
    recipient_user_id: true,
    recipient_email: true,
    idempotency_key: true,
    subject: true,
    body_text: true,
    body_html: true,
    action_url: true,
    status: true,
    attempts: true,
    last_error: true,
    dispatched_at: true,
    sent_at: true,
    dispatch_round: true,
    content: true,
    created_at: true,
  },
  team_channels: {
    id: true,
    organization_id: true,
    team_id: true,
    kind: true,
    url_sealed: true,
    url_host: true,
    secret_sealed: true,
    disabled_at: true,
    disabled_reason: true,
    created_by_user_id: true,
    created_at: true,
  },
  channel_deliveries: {
    id: true,
    organization_id: true,
    channel_id: true,
    kind: true,
    idempotency_key: true,
    content: true,
    status: true,
    attempts: true,
    last_error: true,
    dispatched_at: true,
    dispatch_round: true,
    sending_since: true,
    sent_at: true,
    created_at: true,
  },
  calendar_feeds: {
    membership_id: true,
    organization_id: true,
    token_hash: true,
    include_team: true,
    created_at: true,
  },
  organizations: {
    id: true,
    name: true,
    slug: true,
    time_zone: true,
    privacy_floor: true,
    stale_after_days: true,
    mentor_capacity: true,
    due_reminder_days: true,
    created_at: true,
    default_framework_id: true,
    closed_at: true,
    erase_after: true,
    closed_by_user_id: true,
  },
  organization_exports: {
    id: true,
    organization_id: true,
    requested_by_user_id: true,
    status: true,
    progress: true,
    stage: true,
    archive: true,
    byte_size: true,
    counts: true,
    error: true,
    created_at: true,
    finished_at: true,
    expires_at: true,
  },
  password_resets: {
    id: true,
    user_id: true,
    token_hash: true,
    expires_at: true,
    used_at: true,
    created_at: true,
  },
  rate_limits: { key: true, window_start: true, hits: true },
  ratings: {
    id: true,
    organization_id: true,
    cycle_id: true,
    member_id: true,
    topic_id: true,
    source: true,
    level: true,
    note: true,
    evidence_urls: true,
    rated_by_user_id: true,
    created_at: true,
  },
  reports: {
    id: true,
    organization_id: true,
    cycle_id: true,
    team_id: true,
    framework_version_id: true,
    snapshot: true,
    generated_by_user_id: true,
    generated_at: true,
    previous_cycle_id: true,
    trigger: true,
  },
  report_rows: {
    report_id: true,
    organization_id: true,
    member_id: true,
    member_name: true,
    topic_id: true,
    topic_name: true,
    topic_position: true,
    category_id: true,
    category_name: true,
    category_position: true,
    priority: true,
    target_level: true,
    level_before: true,
    level_after: true,
    rated_at_after: true,
    change: true,
    mentored: true,
  },
  sessions: {
    id: true,
    user_id: true,
    organization_id: true,
    expires_at: true,
    created_at: true,
    sso_organization_id: true,
  },
  sso_connections: {
    organization_id: true,
    issuer_url: true,
    client_id: true,
    client_secret_sealed: true,
    default_role: true,
    default_team_id: true,
    require_sso: true,
    updated_at: true,
    created_at: true,
  },
  sso_domains: { domain: true, organization_id: true },
  sso_login_attempts: {
    state_hash: true,
    organization_id: true,
    nonce: true,
    code_verifier: true,
    redirect_to: true,
    expires_at: true,
    created_at: true,
  },
  target_profiles: {
    id: true,
    organization_id: true,
    framework_id: true,
    name: true,
    position: true,
    created_at: true,
  },
  team_members: {
    organization_id: true,
    team_id: true,
    membership_id: true,
    is_lead: true,
    created_at: true,
  },
  teams: { id: true, organization_id: true, name: true, created_at: true },
  topic_flags: {
    organization_id: true,
    member_id: true,
    topic_id: true,
    want_to_learn: true,
    can_mentor: true,
    updated_at: true,
  },
  topic_level_descriptors: {
    organization_id: true,
    framework_version_id: true,
    topic_id: true,
    level: true,
    description: true,
  },
  topic_revisions: {
    organization_id: true,
    framework_version_id: true,
    topic_id: true,
    category_id: true,
    name: true,
    description: true,
    position: true,
    retired: true,
  },
  topic_targets: {
    organization_id: true,
    framework_version_id: true,
    target_profile_id: true,
    topic_id: true,
    target_level: true,
    priority: true,
  },
  topics: { id: true, organization_id: true, framework_id: true, created_at: true },
  users: { id: true, email: true, display_name: true, password_hash: true, created_at: true },
  development_plans: {
    id: true,
    organization_id: true,
    member_id: true,
    cycle_id: true,
    status: true,
    created_by_user_id: true,
    created_at: true,
    closed_at: true,
  },
  plan_goals: {
    id: true,
    organization_id: true,
    plan_id: true,
    topic_id: true,
    target_level: true,
    due_cycle_id: true,
    actions: true,
    learning_urls: true,
    mentorship_id: true,
    position: true,
    created_at: true,
  },
  plan_comments: {
    id: true,
    organization_id: true,
    plan_id: true,
    author_user_id: true,
    body: true,
    created_at: true,
  },
  topic_resources: {
    id: true,
    organization_id: true,
    topic_id: true,
    title: true,
    url: true,
    level: true,
    position: true,
    created_at: true,
  },
  report_plan_goals: {
    report_id: true,
    organization_id: true,
    member_id: true,
    goal_id: true,
    topic_name: true,
    target_level: true,
    due_cycle_name: true,
    level: true,
    outcome: true,
    position: true,
  },
} satisfies { [T in keyof Database]: Record<keyof Database[T], true> };

describe("schema", () => {
  it("has exactly the tables and columns the row types describe", async () => {
    const rows = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%'`.execute(db);
    const actual: Record<string, string[]> = {};
    for (const r of rows.rows) (actual[r.table_name] ??= []).push(r.column_name);
    const expected = Object.fromEntries(
      Object.entries(typedColumns).map(([table, cols]) => [table, Object.keys(cols).sort()]),
    );
    for (const table of Object.keys(actual)) actual[table]?.sort();
    expect(actual).toEqual(expected);
  });

  // Distributing tables by organisation (as Citus does, ADR 019) needs organization_id, never
  // null, in every unique constraint or index (the primary key among them), and on both sides
  // of every foreign key between such tables; a table that breaks it is named here with why.
  it("keeps every table with organization_id distributable by it", async () => {
    const { rows } = await sql<{ table_name: string; problem: string }>`
      WITH tenant AS (
        SELECT c.oid, c.relname, a.attnum AS org, a.attnotnull AS not_null
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id'
          AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p')
      )
      SELECT t.relname AS table_name, 'unique ' || i.indexrelid::regclass::text AS problem
      FROM tenant t JOIN pg_index i ON i.indrelid = t.oid
      WHERE i.indisunique AND NOT t.org = ANY (i.indkey::int2[])
      UNION ALL
      SELECT t.relname, 'foreign key ' || con.conname
      FROM tenant t
      JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f'
      JOIN tenant r ON r.oid = con.confrelid
      WHERE NOT (t.org = ANY (con.conkey) AND r.org = ANY (con.confkey))
      UNION ALL
      SELECT t.relname, 'organization_id may be null' FROM tenant t WHERE NOT t.not_null
      ORDER BY 1, 2`.execute(db);
    expect(rows).toEqual([
      // Account emails (a password reset) belong to no organisation.
      { table_name: "notifications", problem: "organization_id may be null" },
      { table_name: "notifications", problem: "unique notifications_idempotency_key_key" },
      { table_name: "notifications", problem: "unique notifications_pkey" },
      // A session exists before its person picks an organisation.
      { table_name: "sessions", problem: "organization_id may be null" },
      { table_name: "sessions", problem: "unique sessions_pkey" },
      // An email domain signs in to one organisation across the installation.
      { table_name: "sso_domains", problem: "unique sso_domains_pkey" },
    ]);
  });

  // Without them the planner multiplies `cycle_id = $1 AND organization_id = $2` as if the
  // two were independent, and with many organisations sizes plans for a thousandth of the
  // rows (migration 0024): each tenant foreign key's columns, and organization_id with each
  // other uuid column, have a functional-dependency statistic.
  it("tells the planner each tenant id fixes its organisation", async () => {
    const { rows } = await sql<{ key: string }>`
      WITH tenant AS (
        SELECT a.attrelid AS oid, a.attnum AS org FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
          AND c.relnamespace = 'public'::regnamespace
        WHERE a.attname = 'organization_id' AND NOT a.attisdropped
      ),
      column_sets AS (
        SELECT con.conrelid AS oid, con.conkey AS columns, con.conname::text AS what
        FROM pg_constraint con JOIN tenant t ON t.oid = con.conrelid
        WHERE con.contype = 'f' AND t.org = ANY (con.conkey) AND cardinality(con.conkey) > 1
        UNION ALL
        SELECT t.oid, ARRAY[t.org, a.attnum], a.attname::text
        FROM tenant t
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.atttypid = 'uuid'::regtype AND a.attname NOT IN ('organization_id', 'id')
      )
      SELECT c.oid::regclass || ' ' || c.what AS key FROM column_sets c
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_statistic_ext s
        WHERE s.stxrelid = c.oid AND 'f' = ANY (s.stxkind)
          AND s.stxkeys::int2[] @> c.columns AND s.stxkeys::int2[] <@ c.columns)
      ORDER BY 1`.execute(db);
    expect(rows).toEqual([]);
  });
});
