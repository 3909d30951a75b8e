import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

// Row types for every table created by db/migrations. Keep in step with the migrations:
// tests/schema.test.ts compares these columns with the migrated database.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** A Postgres `date`, kept as an ISO string (YYYY-MM-DD) so no time zone is implied. */
type DateOnly = ColumnType<string, string, string>;
type NullableDateOnly = ColumnType<string | null, string | null | undefined, string | null>;
type Uuid = ColumnType<string, string | undefined, string>;
type Json<T> = ColumnType<T, string, string>;

export type MemberRole = "engineer" | "lead" | "admin";
export type TargetPriority = "must_have" | "good_to_have" | "advanced";
export type CategoryKind = "skills" | "role_expectations";
export type CycleStatus = "planned" | "open" | "closed";
export type RatingSource = "self" | "lead";
export type AssessmentStatus = "draft" | "submitted" | "validated";
export type MentorshipStatus = "proposed" | "active" | "completed" | "cancelled" | "declined";
export type NotificationStatus = "pending" | "sending" | "sent" | "failed";
export type TokenScope = "read" | "read_write";

export interface OrganizationsTable {
  id: Uuid;
  name: string;
  slug: string;
  time_zone: Generated<string>;
  privacy_floor: Generated<number>;
  stale_after_days: Generated<number>;
  mentor_capacity: Generated<number>;
  due_reminder_days: Generated<number[]>;
  default_framework_id: string | null;
  created_at: Timestamp;
  /** Closed for deletion: nobody signs in; erased by the worker after erase_after. */
  closed_at: NullableTimestamp;
  erase_after: NullableTimestamp;
  closed_by_user_id: string | null;
}

export interface UsersTable {
  id: Uuid;
  email: string;
  display_name: string;
  password_hash: string | null;
  created_at: Timestamp;
}

export interface MembershipsTable {
  id: Uuid;
  organization_id: string;
  user_id: string;
  role: Generated<MemberRole>;
  title: string | null;
  target_profile_id: string | null;
  active: Generated<boolean>;
  deactivated_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  organization_id: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
  /** Set: the session was started through this organisation's SSO and acts only there. */
  sso_organization_id: string | null;
}

export interface InvitationsTable {
  id: Uuid;
  organization_id: string;
  email: string;
  role: MemberRole;
  team_id: string | null;
  token_hash: string;
  invited_by_user_id: string | null;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
  display_name: string | null;
  target_profile_id: string | null;
}

export interface SsoConnectionsTable {
  organization_id: string;
  issuer_url: string;
  client_id: string;
  client_secret_sealed: string;
  default_role: Generated<MemberRole>;
  default_team_id: string | null;
  require_sso: Generated<boolean>;
  updated_at: Timestamp;
  created_at: Timestamp;
}

export interface SsoDomainsTable {
  domain: string;
  organization_id: string;
}

export interface SsoLoginAttemptsTable {
  state_hash: string;
  organization_id: string;
  nonce: string;
  code_verifier: string;
  redirect_to: string;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface PasswordResetsTable {
  id: Uuid;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  hits: Generated<number>;
}

export interface TeamsTable {
  id: Uuid;
  organization_id: string;
  name: string;
  created_at: Timestamp;
}

export interface TeamMembersTable {
  organization_id: string;
  team_id: string;
  membership_id: string;
  is_lead: Generated<boolean>;
  created_at: Timestamp;
}

export interface FrameworksTable {
  id: Uuid;
  organization_id: string;
  name: string;
  description: string | null;
  current_version_id: string | null;
  archived_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface FrameworkVersionsTable {
  id: Uuid;
  organization_id: string;
  framework_id: string;
  number: number;
  note: string | null;
  created_by_user_id: string | null;
  created_at: Timestamp;
}

export interface CategoriesTable {
  id: Uuid;
  organization_id: string;
  framework_id: string;
  created_at: Timestamp;
}

export interface CategoryRevisionsTable {
  organization_id: string;
  framework_version_id: string;
  category_id: string;
  name: string;
  description: string | null;
  kind: Generated<CategoryKind>;
  position: number;
}

export interface TopicsTable {
  id: Uuid;
  organization_id: string;
  framework_id: string;
  created_at: Timestamp;
}

export interface TopicRevisionsTable {
  organization_id: string;
  framework_version_id: string;
  topic_id: string;
  category_id: string;
  name: string;
  description: string | null;
  position: number;
  retired: Generated<boolean>;
}

export interface LevelDescriptorsTable {
  organization_id: string;
  level: number;
  label: string;
  description: string;
}

export interface TopicLevelDescriptorsTable {
  organization_id: string;
  framework_version_id: string;
  topic_id: string;
  level: number;
  description: string;
}

export interface TargetProfilesTable {
  id: Uuid;
  organization_id: string;
  framework_id: string;
  name: string;
  position: Generated<number>;
  created_at: Timestamp;
}

export interface TopicTargetsTable {
  organization_id: string;
  framework_version_id: string;
  target_profile_id: string;
  topic_id: string;
  target_level: number;
  priority: TargetPriority;
}

export interface CapabilityTargetsTable {
  id: Uuid;
  organization_id: string;
  team_id: string;
  topic_id: string;
  min_people: number;
  min_level: number;
  created_at: Timestamp;
}

export interface CyclesTable {
  id: Uuid;
  organization_id: string;
  framework_version_id: string;
  name: string;
  status: Generated<CycleStatus>;
  starts_on: DateOnly;
  due_on: DateOnly;
  ends_on: DateOnly;
  opened_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface RatingsTable {
  id: Generated<number>;
  organization_id: string;
  cycle_id: string;
  member_id: string;
  topic_id: string;
  source: RatingSource;
  /** 0–4, or null for "not applicable". */
  level: number | null;
  note: string | null;
  evidence_urls: Generated<string[]>;
  rated_by_user_id: string | null;
  created_at: Timestamp;
}

/**
 * The newest self and lead rating per member × topic, side by side (one row per pair rated by
 * either), each with its cycle, and the newest lead rating the lead has validated. Maintained
 * by triggers on ratings and assessments (migrations 0002 and 0006); never written by
 * application code.
 */
export interface CurrentLevelsTable {
  organization_id: string;
  member_id: string;
  topic_id: string;
  self_rating_id: number | null;
  self_level: number | null;
  self_rated_at: NullableTimestamp;
  self_cycle_id: string | null;
  lead_rating_id: number | null;
  lead_level: number | null;
  lead_rated_at: NullableTimestamp;
  lead_cycle_id: string | null;
  validated_lead_rating_id: number | null;
  validated_lead_level: number | null;
  validated_lead_rated_at: NullableTimestamp;
}

/**
 * A person's level on a topic today (a view; migration 0006 defines it): the lead's where the
 * lead has validated the member's latest rating, else the member's own. One row per member ×
 * topic that has a level (null = not applicable).
 */
export interface MemberLevelsView {
  organization_id: string;
  member_id: string;
  topic_id: string;
  level: number | null;
  source: RatingSource;
  rated_at: Timestamp;
  self_rating_id: number | null;
  self_level: number | null;
  lead_rating_id: number | null;
  lead_level: number | null;
}

/** Must-have targets rated and met per member and category as of a closed cycle. */
export interface CycleProgressTable {
  organization_id: string;
  cycle_id: string;
  member_id: string;
  category_id: string;
  must_have_total: number;
  must_have_met: number;
}

/**
 * Per organisation, a number bumped by every statement that changes data the gap view's
 * cached figures are made from (migration 0005); bigint, read as a number.
 */
export interface GapDataVersionsTable {
  organization_id: string;
  version: Generated<number>;
}

/** The levels version of a team, or of the whole organisation (scope_id: its own id). */
export interface GapLevelVersionsTable {
  organization_id: string;
  scope_id: string;
  version: Generated<number>;
}

/** People per topic × own target profile × level shown, per team and per organisation (ADR 018). */
export interface LevelCountsTable {
  organization_id: string;
  /** A team's id (its active members), or the organisation's own id (every active member). */
  scope_id: string;
  topic_id: string;
  target_profile_id: string | null;
  /** null: N/A. */
  level: number | null;
  people: number;
}

/** A transaction's level changes until its commit applies them (migration 0020). */
export interface LevelChangesPendingTable {
  transaction_id: Generated<string>;
  organization_id: string;
  member_id: string;
  topic_id: string | null;
  level: number | null;
  delta: Generated<number>;
}

export interface TopicFlagsTable {
  organization_id: string;
  member_id: string;
  topic_id: string;
  want_to_learn: Generated<boolean>;
  can_mentor: Generated<boolean>;
  updated_at: Timestamp;
}

export interface AssessmentsTable {
  id: Uuid;
  organization_id: string;
  cycle_id: string;
  member_id: string;
  status: Generated<AssessmentStatus>;
  revision: Generated<number>;
  submitted_at: NullableTimestamp;
  validated_at: NullableTimestamp;
  validated_by_user_id: string | null;
  /** When the member acknowledged the lead's validation (null until then, and on re-validation). */
  acknowledged_at: NullableTimestamp;
  updated_at: Timestamp;
  created_at: Timestamp;
}

export type CalibrationResolution = "lead_level" | "self_level" | "keep_both";

/** Append-only: each row settles one calibration item, the exact pair of ratings it saw. */
export interface CalibrationResolutionsTable {
  id: Generated<number>;
  organization_id: string;
  member_id: string;
  topic_id: string;
  self_rating_id: number;
  lead_rating_id: number;
  resolution: CalibrationResolution;
  note: string | null;
  resolved_by_user_id: string | null;
  created_at: Timestamp;
}

export interface MentorshipsTable {
  id: Uuid;
  organization_id: string;
  mentor_id: string;
  mentee_id: string;
  topic_id: string;
  goal_level: number;
  baseline_level: number | null;
  cadence_days: number;
  status: Generated<MentorshipStatus>;
  starts_on: NullableDateOnly;
  due_on: NullableDateOnly;
  proposed_by_user_id: string | null;
  accepted_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface CheckInsTable {
  id: Uuid;
  organization_id: string;
  mentorship_id: string;
  occurred_on: DateOnly;
  notes: string | null;
  level_estimate: number | null;
  logged_by_user_id: string | null;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: Uuid;
  organization_id: string | null;
  kind: string;
  recipient_user_id: string | null;
  recipient_email: string;
  idempotency_key: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  action_url: string | null;
  status: Generated<NotificationStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  /** When the dispatcher last queued its delivery job. */
  dispatched_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  /** Advanced by an admin's retry, so the retry gets a fresh delivery job. */
  dispatch_round: Generated<number>;
  /** The message model (MessageContent) for team channels; null on older rows. */
  content: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export type ChannelKind = "slack" | "teams" | "webhook";

export interface TeamChannelsTable {
  id: Uuid;
  organization_id: string;
  team_id: string;
  kind: ChannelKind;
  url_sealed: string;
  url_host: string;
  secret_sealed: string | null;
  disabled_at: NullableTimestamp;
  disabled_reason: string | null;
  created_by_user_id: string | null;
  created_at: Timestamp;
}

export interface ChannelDeliveriesTable {
  id: Uuid;
  organization_id: string;
  channel_id: string;
  kind: string;
  idempotency_key: string;
  content: Json<unknown>;
  status: Generated<NotificationStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  dispatched_at: NullableTimestamp;
  dispatch_round: Generated<number>;
  /** When a delivery claimed it; one left "sending" long after was cut off mid-send. */
  sending_since: NullableTimestamp;
  sent_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface CalendarFeedsTable {
  membership_id: string;
  organization_id: string;
  token_hash: string;
  include_team: Generated<boolean>;
  created_at: Timestamp;
}

export interface NotificationMutesTable {
  organization_id: string;
  user_id: string;
  kind: string;
  created_at: Timestamp;
}

export interface ReportsTable {
  id: Uuid;
  organization_id: string;
  cycle_id: string;
  team_id: string | null;
  framework_version_id: string;
  snapshot: Json<unknown>;
  generated_by_user_id: string | null;
  generated_at: Timestamp;
  previous_cycle_id: string | null;
  trigger: Generated<"cycle_closed" | "on_demand">;
}

export type ReportChange = "improved" | "regressed" | "unchanged" | "stale" | "new" | "not_rated";

export interface ReportRowsTable {
  report_id: string;
  organization_id: string;
  member_id: string;
  member_name: string;
  topic_id: string;
  topic_name: string;
  topic_position: number;
  category_id: string;
  category_name: string;
  category_position: number;
  priority: TargetPriority | null;
  target_level: number | null;
  level_before: number | null;
  level_after: number | null;
  rated_at_after: Timestamp | null;
  change: ReportChange;
  mentored: boolean;
}

export interface ApiTokensTable {
  id: Uuid;
  organization_id: string;
  name: string;
  token_hash: string;
  scope: Generated<TokenScope>;
  created_by_user_id: string | null;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  organization_id: string;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  ip: string | null;
  created_at: Timestamp;
}

export type PlanStatus = "active" | "closed";
export type PlanGoalOutcome = "met" | "missed" | "carried_over";

export interface DevelopmentPlansTable {
  id: Uuid;
  organization_id: string;
  member_id: string;
  cycle_id: string;
  status: Generated<PlanStatus>;
  created_by_user_id: string | null;
  created_at: Timestamp;
  closed_at: NullableTimestamp;
}

export interface PlanGoalsTable {
  id: Uuid;
  organization_id: string;
  plan_id: string;
  topic_id: string;
  target_level: number;
  due_cycle_id: string;
  actions: Generated<string>;
  learning_urls: Generated<string[]>;
  mentorship_id: string | null;
  position: number;
  created_at: Timestamp;
}

export interface PlanCommentsTable {
  id: Uuid;
  organization_id: string;
  plan_id: string;
  author_user_id: string | null;
  body: string;
  created_at: Timestamp;
}

export interface TopicResourcesTable {
  id: Uuid;
  organization_id: string;
  topic_id: string;
  title: string;
  url: string;
  level: number | null;
  position: number;
  created_at: Timestamp;
}

export interface ReportPlanGoalsTable {
  report_id: string;
  organization_id: string;
  member_id: string;
  goal_id: string;
  topic_name: string;
  target_level: number;
  due_cycle_name: string;
  level: number | null;
  outcome: PlanGoalOutcome;
  position: number;
}

export type ExportStatus = "queued" | "running" | "ready" | "failed";

export interface OrganizationExportsTable {
  id: Uuid;
  organization_id: string;
  requested_by_user_id: string | null;
  status: Generated<ExportStatus>;
  progress: Generated<number>;
  stage: string | null;
  archive: Buffer | null;
  byte_size: number | null;
  counts: ColumnType<Record<string, number> | null, string | null | undefined, string | null>;
  error: string | null;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
  expires_at: NullableTimestamp;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  sso_connections: SsoConnectionsTable;
  sso_domains: SsoDomainsTable;
  sso_login_attempts: SsoLoginAttemptsTable;
  password_resets: PasswordResetsTable;
  rate_limits: RateLimitsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  frameworks: FrameworksTable;
  framework_versions: FrameworkVersionsTable;
  categories: CategoriesTable;
  category_revisions: CategoryRevisionsTable;
  topics: TopicsTable;
  topic_revisions: TopicRevisionsTable;
  level_descriptors: LevelDescriptorsTable;
  topic_level_descriptors: TopicLevelDescriptorsTable;
  target_profiles: TargetProfilesTable;
  topic_targets: TopicTargetsTable;
  capability_targets: CapabilityTargetsTable;
  cycles: CyclesTable;
  ratings: RatingsTable;
  current_levels: CurrentLevelsTable;
  member_levels: MemberLevelsView;
  cycle_progress: CycleProgressTable;
  gap_data_versions: GapDataVersionsTable;
  gap_level_versions: GapLevelVersionsTable;
  level_counts: LevelCountsTable;
  level_changes_pending: LevelChangesPendingTable;
  topic_flags: TopicFlagsTable;
  assessments: AssessmentsTable;
  mentorships: MentorshipsTable;
  check_ins: CheckInsTable;
  notifications: NotificationsTable;
  notification_mutes: NotificationMutesTable;
  team_channels: TeamChannelsTable;
  channel_deliveries: ChannelDeliveriesTable;
  calendar_feeds: CalendarFeedsTable;
  reports: ReportsTable;
  report_rows: ReportRowsTable;
  calibration_resolutions: CalibrationResolutionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  development_plans: DevelopmentPlansTable;
  plan_goals: PlanGoalsTable;
  plan_comments: PlanCommentsTable;
  topic_resources: TopicResourcesTable;
  report_plan_goals: ReportPlanGoalsTable;
  organization_exports: OrganizationExportsTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type Membership = Selectable<MembershipsTable>;
export type NewRating = Insertable<RatingsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
