import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { AppError } from "~/lib/errors.server";
import {
  activeMembership,
  requireMember,
  type MemberContext,
} from "~/modules/accounts/auth.server";
import { previewBulkInvitations } from "~/modules/accounts/bulk-invitations.server";
import {
  defaultTargetProfile,
  listPendingInvitations,
} from "~/modules/accounts/invitations.server";
import {
  getMember,
  listMembers,
  listTargetProfiles,
  membersQuery,
} from "~/modules/accounts/members.server";
import { getOrganizationSettings } from "~/modules/accounts/organization-settings.server";
import { beforeFirstCycle, summarizeOrganization } from "~/modules/accounts/organizations.server";
import { getSsoSettings, hasSso } from "~/modules/accounts/single-sign-on.server";
import { getTeam, listTeams, teamsLedBy } from "~/modules/accounts/teams.server";
import { viewableMember, viewableTeams } from "~/modules/accounts/visibility.server";
import { createApiToken, listApiTokens } from "~/modules/api/api-tokens.server";
import { memberCycleStatus, openCycleCompletion } from "~/modules/assessments/cycle-status.server";
import { listCycles, suggestNextCycle } from "~/modules/assessments/cycles.server";
import { memberProfile } from "~/modules/assessments/member-profile.server";
import { findOpenCycle } from "~/modules/assessments/open-cycle.server";
import { loadSelfAssessment, type Assessor } from "~/modules/assessments/self-assessment.server";
import { calendarFeedStatus, issueCalendarFeed } from "~/modules/calendar/calendar-feed.server";
import { auditFilterChoices, auditLog } from "~/modules/audit/audit-log-views.server";
import {
  capabilityTopicChoices,
  listCapabilityTargets,
} from "~/modules/frameworks/capability-targets.server";
import { getCurrentCatalogue } from "~/modules/frameworks/catalogue.server";
import { exportFrameworkCsv } from "~/modules/frameworks/framework-csv.server";
import {
  getFrameworkForEditing,
  listFrameworks,
} from "~/modules/frameworks/framework-editing.server";
import {
  getTopicDescriptors,
  levelDescriptorsForVersion,
  listDefaultLevelDescriptors,
} from "~/modules/frameworks/level-descriptors.server";
import {
  getProfileTargets,
  listTargetProfilesOf,
} from "~/modules/frameworks/target-profiles.server";
import { addTopicResource, listTopicResources } from "~/modules/frameworks/topic-resources.server";
import { cachedForOrganization, cachedGapFigures } from "~/modules/gaps/gap-cache.server";
import { gapHeadlines, type GapHeadlines } from "~/modules/gaps/gap-headlines.server";
import { gapMatrixCsv } from "~/modules/gaps/gap-matrix-csv.server";
import type { GapScope } from "~/modules/gaps/gap-scope";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { teamStanding } from "~/modules/gaps/team-standing.server";
import {
  gapSummary,
  heatmap,
  packedHeatmap,
  mustHaveTrend,
  topicDetail,
  unmentoredGaps,
} from "~/modules/gaps/team-gaps.server";
import {
  calibrationQueue,
  loadValidation,
  pendingValidations,
  recentResolutions,
  validatedAssessments,
} from "~/modules/gaps/validation.server";
import {
  activePlan,
  addGoal,
  goalChoices,
  goalMentorSuggestions,
} from "~/modules/growth/development-plans.server";
import { memberGrowth } from "~/modules/growth/member-growth.server";
import { reachableMember } from "~/modules/growth/member-reach.server";
import { frozenPlanGoals } from "~/modules/growth/plan-outcomes.server";
import {
  memberReadiness,
  orderedProfiles,
  organisationScope,
  profileOfFramework,
  readinessOf,
  readinessTrend,
  teamReadiness,
} from "~/modules/growth/readiness.server";
import { queueDashboard } from "~/modules/jobs/queue-dashboard.server";
import { mentoringGap, suggestMentors } from "~/modules/mentoring/mentor-suggestions.server";
import { getMentorship, listMentorships } from "~/modules/mentoring/mentorships.server";
import { listChannelDeliveries } from "~/modules/notifications/channel-delivery.server";
import { listTeamChannels } from "~/modules/notifications/channels.server";
import { mutedKinds, setMuted } from "~/modules/notifications/mutes.server";
import { listOutbox, outboxCounts } from "~/modules/notifications/outbox-views.server";
import {
  buildArchive,
  downloadExport,
  getExport,
  listExports,
} from "~/modules/organisation-data/export.server";
import { resolveCalibration } from "~/modules/ratings/calibration.server";
import { differingTopics } from "~/modules/ratings/lead-ratings.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import {
  listReports,
  memberSummary,
  ownSummaries,
  reportableCycles,
  reportCsv,
  viewableReport,
} from "~/modules/reports/report-views.server";
import { createOrgWithAdmin } from "../support/factories";
import { discoverOrganisationFunctions } from "../support/organisation-functions";
import { buildRequest } from "../support/remix";
import { buildTenant, type Tenant } from "../support/tenant-fixture";

// Tenant scoping at the module level. Every exported function of app/modules that is told
// an organisation (found by the type checker, tests/support/organisation-functions.ts) is in
// FUNCTIONS below: a read with a case that calls it as organisation B with organisation A's
// ids and finds nothing of A, or a write/other with the reason it has no case here. A new
// function fails the first test until someone writes its row.

/** An organisation of the tenant fixture, with what the module functions are called with. */
interface Org extends Tenant {
  /** Its admin, who may read anything of the organisation: the widest view a query can leak into. */
  ctx: MemberContext;
  /** The admin's default gap view (the whole organisation). */
  scope: GapScope;
  apiTokenId: string;
  /** Ben's development-plan goal, and a team report made after it, which froze it. */
  goalId: string;
  planReportId: string;
}

let a: Org;
let b: Org;
/** A third organisation with nothing but its admin: counts over it must be zero. */
let empty: { organizationId: string; ctx: MemberContext };

async function contextOf(cookie: string) {
  return requireMember(buildRequest("/", { cookie }));
}

async function buildOrg(): Promise<Org> {
  const t = await buildTenant();
  const ctx = await contextOf(t.admin.cookie);
  const { scope } = await resolveGapScope(ctx, new URLSearchParams());
  const token = await createApiToken(
    ctx,
    { name: `${t.mark} token`, scope: "read", expiresOn: "" },
    null,
  );
  // Data the tenant fixture does not hold: the organisation's wording of the levels, a topic's
  // own wording, a muted reminder, single sign-on.
  await db
    .insertInto("level_descriptors")
    .values(
      [0, 1, 2, 3, 4].map((level) => ({
        organization_id: t.organizationId,
        level,
        label: `${t.mark} L${level}`,
        description: `${t.mark} level ${level}`,
      })),
    )
    .onConflict((oc) =>
      oc.columns(["organization_id", "level"]).doUpdateSet((eb) => ({
        label: eb.ref("excluded.label"),
        description: eb.ref("excluded.description"),
      })),
    )
    .execute();
  await db
    .insertInto("topic_level_descriptors")
    .values({
      organization_id: t.organizationId,
      framework_version_id: t.versionId,
      topic_id: t.topic.a1,
      level: 3,
      description: `${t.mark} a1 at 3`,
    })
    .execute();
  await setMuted(
    { organizationId: t.organizationId, userId: t.ben.id, kind: "check_in_due" },
    true,
  );
  await db
    .insertInto("sso_connections")
    .values({
      organization_id: t.organizationId,
      issuer_url: `https://${t.mark}.example.test`,
      client_id: `${t.mark}-client`,
      client_secret_sealed: "sealed",
      updated_at: new Date(),
      created_at: new Date(),
    })
    .execute();
  await db
    .insertInto("sso_domains")
    .values({ domain: `${t.mark}.example.test`, organization_id: t.organizationId })
    .execute();
  // The data of the trust-loop, growth and channel features: a calendar feed, a learning link
  // on a topic, Ben's development plan with a goal (frozen by a team report made after it), and
  // a calibration resolution: Ann's a1, which her lead then rates again (the same level), so
  // that A still has an item to calibrate.
  await issueCalendarFeed(ctx, { includeTeam: false });
  await addTopicResource(ctx, t.frameworkId, t.topic.a1, {
    title: `${t.mark} resource`,
    url: `https://example.com/${t.mark}/resource`,
    level: 3,
  });
  const { goalId } = await addGoal(ctx, t.ben.membershipId, {
    topicId: t.topic.a1,
    targetLevel: 4,
    dueCycleId: t.plannedCycleId,
    actions: `${t.mark} goal actions`,
    learningLinks: [],
  });
  const planReportId = await generateReport({
    organizationId: t.organizationId,
    cycleId: t.cycleId,
    teamId: t.teamT.id,
    generatedByUserId: null,
  });
  await resolveCalibration(ctx, {
    memberId: t.ann.membershipId,
    topicId: t.topic.a1,
    ...t.calibration,
    resolution: "keep_both",
    level: null,
    note: `${t.mark} calibration note`,
  });
  await db
    .insertInto("ratings")
    .values({
      organization_id: t.organizationId,
      cycle_id: t.cycleId,
      member_id: t.ann.membershipId,
      topic_id: t.topic.a1,
      source: "lead",
      level: 3,
      rated_by_user_id: t.lee.id,
    })
    .execute();
  return { ...t, ctx, scope, apiTokenId: token.id, goalId, planReportId };
}

/** Everything that names organisation A: its mark (on every name), its people's emails, and
 * its object ids. A's ids passed as arguments are in here too: a result that echoes them back
 * shows the function answered about A's object. */
function fingerprintsOf(org: Org): string[] {
  return [
    org.mark,
    org.organizationId,
    ...org.emails,
    ...[org.admin, org.lee, org.ann, org.ben, org.cat, org.dan, org.uma, org.dee].flatMap((p) => [
      p.id,
      p.membershipId,
    ]),
    org.teamT.id,
    org.teamU.id,
    ...Object.values(org.topic),
    org.cycleId,
    org.plannedCycleId,
    org.versionId,
    org.frameworkId,
    org.senior,
    org.mentorshipId,
    org.teamReportId,
    org.orgReportId,
    org.invitationId,
    org.notificationId,
    org.apiTokenId,
    org.goalId,
    org.planReportId,
  ];
}

const asText = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Set || v instanceof Map ? [...v] : v,
  ) ?? "";

function mentions(value: unknown, org: Org, echoed: string[] = []) {
  const text = asText(value);
  return fingerprintsOf(org).filter((f) => !echoed.includes(f) && text.includes(f));
}

/** The answer, or null for "not found" (the only refusal another organisation's id may get). */
async function orNotFound(call: () => unknown): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError && error.kind === "not_found") return null;
    throw error;
  }
}

const isEmpty = (value: unknown) =>
  value === null ||
  value === undefined ||
  value === false ||
  (Array.isArray(value) && value.length === 0);

interface ReadCase {
  /** The call as organisation A, on A's own objects: it must show A's data. */
  asA: () => unknown;
  /** The call as organisation B (or the empty one), with A's object ids where it takes ids;
   * "not found" counts as null. */
  asB: () => unknown;
  /** What "shows A's data" means when A's answer carries no name, e.g. a count. Default: it
   * mentions A (its mark, an email or an id). */
  seenByA?: (value: unknown) => void;
  /** A's ids or emails the call is given and B's answer may repeat (the rows of a list B checks). */
  echoes?: () => string[];
  /** More than "mentions nothing of A", e.g. "empty", or a count of zero. */
  seenByB?: (value: unknown) => void;
}

interface OtherCase {
  /** Why no read case: a write (the route tenant matrix, tests/security/route-matrix.test.ts,
   * checks another organisation's ids change nothing), or no read of tenant data. */
  notARead: string;
}

const WRITE = "a write; another organisation's ids are refused by the route tenant matrix";
const empties = (value: unknown) => expect(isEmpty(value), asText(value)).toBe(true);

/** The forged scope: B's organisation, A's framework version and team. */
const forgedScope = (): GapScope => ({ ...b.scope, versionId: a.versionId, teamId: a.teamT.id });

const FUNCTIONS: Record<string, ReadCase | OtherCase> = {
  "accounts/auth.server#activeMembership": {
    asA: () => activeMembership(a.organizationId, a.admin.id),
    asB: () => activeMembership(b.organizationId, a.admin.id),
    seenByB: empties,
  },
  "accounts/auth.server#signInAndRedirect": {
    notARead:
      "starts a session in an organisation the caller has chosen and been checked for (route matrix: orgs.switch, login)",
  },
  "accounts/bulk-invitations.server#previewBulkInvitations": {
    // A's member and A's deactivated member, checked against B: people B does not know.
    asA: () => previewBulkInvitations(a.organizationId, `${a.ann.email}\n${a.dee.email}`),
    asB: () => previewBulkInvitations(b.organizationId, `${a.ann.email}\n${a.dee.email}`),
    echoes: () => [a.ann.email, a.dee.email],
    seenByA: (rows) =>
      expect((rows as { status: string }[]).map((r) => r.status)).toEqual([
        "member",
        "deactivated",
      ]),
    seenByB: (rows) =>
      expect((rows as { status: string }[]).map((r) => r.status)).toEqual(["ready", "ready"]),
  },
  "accounts/bulk-invitations.server#sendBulkInvitations": { notARead: WRITE },
  "accounts/invitations.server#acceptPendingInvitation": {
    notARead: "a write, on sign-up into the organisation the invitation names",
  },
  "accounts/invitations.server#createInvitation": { notARead: WRITE },
  "accounts/invitations.server#defaultTargetProfile": {
    asA: () => defaultTargetProfile(db, a.organizationId),
    asB: () => defaultTargetProfile(db, b.organizationId),
  },
  "accounts/invitations.server#inviteMember": { notARead: WRITE },
  "accounts/invitations.server#listPendingInvitations": {
    asA: () => listPendingInvitations(a.organizationId),
    asB: () => listPendingInvitations(b.organizationId),
  },
  "accounts/invitations.server#revokeInvitation": { notARead: WRITE },
  "accounts/members.server#changeRole": { notARead: WRITE },
  "accounts/members.server#getMember": {
    asA: () => getMember(a.organizationId, a.ann.membershipId),
    asB: () => getMember(b.organizationId, a.ann.membershipId),
    seenByB: empties,
  },
  "accounts/members.server#listMembers": {
    asA: () => listMembers(a.organizationId),
    asB: () => listMembers(b.organizationId),
  },
  "accounts/members.server#listTargetProfiles": {
    asA: () => listTargetProfiles(a.organizationId),
    asB: () => listTargetProfiles(b.organizationId),
  },
  "accounts/members.server#membersQuery": {
    asA: () => membersQuery(a.organizationId).execute(),
    asB: () => membersQuery(b.organizationId).execute(),
  },
  "accounts/members.server#setMemberActive": { notARead: WRITE },
  "accounts/members.server#updateMemberProfile": { notARead: WRITE },
  "accounts/organization-settings.server#getOrganizationSettings": {
    asA: () => getOrganizationSettings(a.organizationId),
    asB: () => getOrganizationSettings(b.organizationId),
  },
  "accounts/organization-settings.server#updateOrganizationSettings": { notARead: WRITE },
  "accounts/organizations.server#beforeFirstCycle": {
    // A has opened cycles; the empty organisation has not, and its admin is alone.
    asA: () => beforeFirstCycle(a.organizationId),
    asB: () => beforeFirstCycle(empty.organizationId),
    seenByA: (before) => expect(before).toBeNull(),
    seenByB: (before) => expect(before).toEqual({ alone: true }),
  },
  "accounts/organizations.server#summarizeOrganization": {
    asA: () => summarizeOrganization(a.organizationId),
    asB: () => summarizeOrganization(empty.organizationId),
    seenByA: (summary) =>
      expect(Object.values(summary as object).some((n) => Number(n) > 1)).toBe(true),
    // Its admin, and nothing else.
    seenByB: (summary) =>
      expect(Object.values(summary as object).every((n) => Number(n) <= 1)).toBe(true),
  },
  "accounts/organizations.server#switchOrganization": {
    notARead:
      "a write to the caller's session, after checking their membership (route matrix: orgs.switch)",
  },
  "accounts/sessions.server#createSession": { notARead: "a write: a new session" },
  "accounts/sessions.server#setSessionOrganization": {
    notARead: "a write to the caller's session",
  },
  "accounts/single-sign-on.server#beginSsoLogin": {
    notARead:
      "redirects to the organisation's identity provider; needs one answering (tests/accounts single sign-on)",
  },
  "accounts/single-sign-on.server#getSsoSettings": {
    asA: () => getSsoSettings(a.organizationId),
    asB: () => getSsoSettings(empty.organizationId),
    seenByB: empties,
  },
  "accounts/single-sign-on.server#hasSso": {
    asA: () => hasSso(a.organizationId),
    asB: () => hasSso(empty.organizationId),
    seenByA: (has) => expect(has).toBe(true),
    seenByB: (has) => expect(has).toBe(false),
  },
  "accounts/single-sign-on.server#removeSsoSettings": { notARead: WRITE },
  "accounts/single-sign-on.server#saveSsoSettings": { notARead: WRITE },
  "accounts/teams.server#createTeam": { notARead: WRITE },
  "accounts/teams.server#getTeam": {
    asA: () => getTeam(a.organizationId, a.teamT.id),
    asB: () => getTeam(b.organizationId, a.teamT.id),
    seenByB: empties,
  },
  "accounts/teams.server#listTeams": {
    asA: () => listTeams(a.organizationId),
    asB: () => listTeams(b.organizationId),
  },
  "accounts/teams.server#removeTeamMember": { notARead: WRITE },
  "accounts/teams.server#renameTeam": { notARead: WRITE },
  "accounts/teams.server#setTeamMember": { notARead: WRITE },
  "accounts/teams.server#teamsLedBy": {
    asA: () => teamsLedBy(a.organizationId, a.lee.membershipId),
    asB: () => teamsLedBy(b.organizationId, a.lee.membershipId),
    seenByB: empties,
  },
  "accounts/visibility.server#viewableMember": {
    asA: () => viewableMember(a.ctx, a.ann.membershipId),
    asB: () => viewableMember(b.ctx, a.ann.membershipId),
    seenByB: empties,
  },
  "accounts/visibility.server#viewableTeams": {
    asA: () => viewableTeams(a.ctx),
    asB: () => viewableTeams(b.ctx),
  },
  "api/api-tokens.server#createApiToken": { notARead: WRITE },
  "api/api-tokens.server#listApiTokens": {
    asA: () => listApiTokens(a.organizationId),
    asB: () => listApiTokens(b.organizationId),
  },
  "api/api-tokens.server#revokeApiToken": { notARead: WRITE },
  "assessments/cycle-status.server#openCycleCompletion": {
    asA: () => openCycleCompletion(a.organizationId, "2026-12-06"),
    asB: () => openCycleCompletion(b.organizationId, "2026-12-06"),
  },
  "assessments/cycle-status.server#memberCycleStatus": {
    asA: () => memberCycleStatus(a.organizationId, a.ben.membershipId),
    asB: () => memberCycleStatus(b.organizationId, a.ben.membershipId),
  },
  "assessments/cycles.server#changeCycleDates": { notARead: WRITE },
  "assessments/cycles.server#closeCycle": { notARead: WRITE },
  "assessments/cycles.server#createCycle": { notARead: WRITE },
  "assessments/cycles.server#deletePlannedCycle": { notARead: WRITE },
  "assessments/cycles.server#listCycles": {
    asA: () => listCycles(a.organizationId, a.cycleId),
    asB: () => listCycles(b.organizationId, a.cycleId),
  },
  "assessments/cycles.server#openCycle": { notARead: WRITE },
  "assessments/cycles.server#suggestNextCycle": {
    // A's newest cycle starts in 2027; the empty organisation's suggestion is this quarter.
    asA: () => suggestNextCycle(a.organizationId, "UTC", new Date("2026-12-06T12:00:00Z")),
    asB: () => suggestNextCycle(empty.organizationId, "UTC", new Date("2026-12-06T12:00:00Z")),
    seenByA: (next) => expect((next as { startsOn: string }).startsOn >= "2027-04-01").toBe(true),
    seenByB: (next) => expect((next as { startsOn: string }).startsOn).toBe("2026-10-01"),
  },
  "assessments/member-profile.server#memberProfile": {
    asA: () => memberProfile(a.organizationId, a.ann.membershipId),
    asB: () => memberProfile(b.organizationId, a.ann.membershipId),
  },
  "assessments/open-cycle.server#findOpenCycle": {
    asA: () => findOpenCycle(a.organizationId),
    asB: () => findOpenCycle(b.organizationId),
  },
  "assessments/self-assessment.server#acknowledgeValidation": { notARead: WRITE },
  "assessments/self-assessment.server#loadSelfAssessment": {
    // An assessor is the caller's own membership: B's Ben, in the same quarter as A's Ben.
    asA: () => loadSelfAssessment(assessorOf(a)),
    asB: () => loadSelfAssessment(assessorOf(b)),
  },
  "assessments/self-assessment.server#lockDraft": {
    notARead: "locks the caller's own draft for a write in the same transaction",
  },
  "assessments/self-assessment.server#reopenSelfAssessment": { notARead: WRITE },
  "assessments/self-assessment.server#submitSelfAssessment": { notARead: WRITE },
  "audit/audit-log-views.server#auditFilterChoices": {
    asA: () => auditFilterChoices(a.organizationId),
    asB: () => auditFilterChoices(b.organizationId),
  },
  "audit/audit-log-views.server#auditLog": {
    asA: () => auditLog(a.organizationId, {}),
    asB: () => auditLog(b.organizationId, { actor: a.admin.id }),
  },
  "audit/audit.server#recordAudit": {
    notARead: "a write: appends an entry to the organisation it is given",
  },
  "calendar/calendar-feed.server#calendarFeedStatus": {
    // The caller's own feed: B's admin context carrying A's admin's membership finds no feed.
    asA: () => calendarFeedStatus(a.ctx),
    asB: () => calendarFeedStatus({ ...b.ctx, membership: a.ctx.membership }),
    seenByA: (status) => expect(status).toMatchObject({ active: true }),
    seenByB: (status) => expect(status).toMatchObject({ active: false, createdAt: null }),
  },
  "calendar/calendar-feed.server#issueCalendarFeed": { notARead: WRITE },
  "calendar/calendar-feed.server#revokeCalendarFeed": { notARead: WRITE },
  "frameworks/capability-targets.server#capabilityTopicChoices": {
    asA: () => capabilityTopicChoices(a.organizationId),
    asB: () => capabilityTopicChoices(b.organizationId),
  },
  "frameworks/capability-targets.server#listCapabilityTargets": {
    asA: () => listCapabilityTargets(a.organizationId, a.teamT.id),
    asB: () => listCapabilityTargets(b.organizationId, a.teamT.id),
    seenByB: empties,
  },
  "frameworks/capability-targets.server#removeCapabilityTarget": { notARead: WRITE },
  "frameworks/capability-targets.server#setCapabilityTarget": { notARead: WRITE },
  "frameworks/catalogue.server#getCurrentCatalogue": {
    asA: () => getCurrentCatalogue(a.organizationId),
    asB: () => getCurrentCatalogue(b.organizationId),
  },
  "frameworks/create-framework.server#createFramework": { notARead: WRITE },
  "frameworks/framework-csv.server#exportFrameworkCsv": {
    asA: () => exportFrameworkCsv(a.organizationId, a.frameworkId),
    asB: () => exportFrameworkCsv(b.organizationId, a.frameworkId),
    seenByB: empties,
  },
  "frameworks/framework-editing.server#addCategory": { notARead: WRITE },
  "frameworks/framework-editing.server#addTopic": { notARead: WRITE },
  "frameworks/framework-editing.server#editFramework": { notARead: WRITE },
  "frameworks/framework-editing.server#getFrameworkForEditing": {
    asA: () => getFrameworkForEditing(a.organizationId, a.frameworkId),
    asB: () => getFrameworkForEditing(b.organizationId, a.frameworkId),
    seenByB: empties,
  },
  "frameworks/framework-editing.server#listFrameworks": {
    asA: () => listFrameworks(a.organizationId),
    asB: () => listFrameworks(b.organizationId),
  },
  "frameworks/framework-editing.server#makeDefaultFramework": { notARead: WRITE },
  "frameworks/framework-editing.server#moveCategory": { notARead: WRITE },
  "frameworks/framework-editing.server#moveTopic": { notARead: WRITE },
  "frameworks/framework-editing.server#moveTopicToCategory": { notARead: WRITE },
  "frameworks/framework-editing.server#setTopicRetired": { notARead: WRITE },
  "frameworks/framework-editing.server#updateCategory": { notARead: WRITE },
  "frameworks/framework-editing.server#updateTopic": { notARead: WRITE },
  "frameworks/framework-import.server#saveImport": { notARead: WRITE },
  "frameworks/level-descriptors.server#getTopicDescriptors": {
    asA: () => getTopicDescriptors(a.organizationId, a.frameworkId, a.topic.a1),
    asB: () => getTopicDescriptors(b.organizationId, a.frameworkId, a.topic.a1),
    seenByB: empties,
  },
  "frameworks/level-descriptors.server#levelDescriptorsForVersion": {
    asA: () => levelDescriptorsForVersion(a.organizationId, a.versionId),
    asB: () => levelDescriptorsForVersion(b.organizationId, a.versionId),
  },
  "frameworks/level-descriptors.server#listDefaultLevelDescriptors": {
    asA: () => listDefaultLevelDescriptors(a.organizationId),
    asB: () => listDefaultLevelDescriptors(b.organizationId),
  },
  "frameworks/level-descriptors.server#saveDefaultLevelDescriptors": { notARead: WRITE },
  "frameworks/level-descriptors.server#saveTopicDescriptors": { notARead: WRITE },
  "frameworks/target-profiles.server#addTargetProfile": { notARead: WRITE },
  "frameworks/target-profiles.server#bulkSetCategoryTargets": { notARead: WRITE },
  "frameworks/target-profiles.server#getProfileTargets": {
    asA: () => getProfileTargets(a.organizationId, a.frameworkId, a.senior),
    asB: () => getProfileTargets(b.organizationId, a.frameworkId, a.senior),
    seenByB: empties,
  },
  "frameworks/target-profiles.server#listTargetProfilesOf": {
    asA: () => listTargetProfilesOf(a.organizationId, a.frameworkId),
    asB: () => listTargetProfilesOf(b.organizationId, a.frameworkId),
    seenByB: empties,
  },
  "frameworks/target-profiles.server#moveTargetProfile": { notARead: WRITE },
  "frameworks/target-profiles.server#saveProfileTargets": { notARead: WRITE },
  "frameworks/topic-resources.server#addTopicResource": { notARead: WRITE },
  "frameworks/topic-resources.server#listTopicResources": {
    asA: () => listTopicResources(a.organizationId, a.frameworkId, a.topic.a1),
    asB: () => listTopicResources(b.organizationId, a.frameworkId, a.topic.a1),
    seenByB: empties,
  },
  "frameworks/topic-resources.server#removeTopicResource": { notARead: WRITE },
  "frameworks/versioning.server#editableVersion": {
    notARead: "a write: copies a version in use, inside an edit's transaction",
  },
  "gaps/gap-cache.server#cachedForOrganization": {
    // A figure kept for A under a key is never handed to B asking under the same key.
    asA: () =>
      cachedForOrganization(a.organizationId, ["module-tenancy"], async () => a.mark, null),
    asB: () =>
      cachedForOrganization(b.organizationId, ["module-tenancy"], async () => b.mark, null),
    seenByB: (value) => expect(value).toBe(b.mark),
  },
  "gaps/gap-cache.server#cachedGapFigures": {
    asA: () => cachedGapFigures("module-tenancy", teamScopeOf(a), [], async () => a.mark),
    // The very scope A's figure is kept under, but for B.
    asB: () =>
      cachedGapFigures(
        "module-tenancy",
        { ...teamScopeOf(a), organizationId: b.organizationId },
        [],
        async () => b.mark,
      ),
    seenByB: (value) => expect(value).toBe(b.mark),
  },
  "gaps/gap-cache.server#withOwnPlansWhereLarge": {
    notARead:
      "runs the caller's reads, planned for the organisation's rows where it is large; reads nothing of its own but the organisation's size",
  },
  "gaps/gap-headlines.server#gapHeadlines": {
    // Counts only: A's whole organisation has people and work waiting; the empty one its admin alone.
    asA: () => gapHeadlines(a.ctx),
    asB: () => gapHeadlines(empty.ctx),
    seenByA: (headlines) =>
      expect((headlines as GapHeadlines).organisation).toEqual(
        expect.objectContaining({ team: "all", members: 7, awaitingValidation: 1, toCalibrate: 1 }),
      ),
    seenByB: (headlines) => {
      expect((headlines as GapHeadlines).organisation).toEqual(
        expect.objectContaining({ team: "all", members: 1, awaitingValidation: 0, toCalibrate: 0 }),
      );
      expect((headlines as GapHeadlines).teams).toEqual([]);
    },
  },
  "gaps/gap-matrix-csv.server#gapMatrixCsv": {
    asA: () => gapMatrixCsv(a.scope, "all"),
    asB: () => gapMatrixCsv(forgedScope(), "all"),
  },
  "gaps/gap-scope.server#resolveGapScope": {
    asA: () => resolveGapScope(a.ctx, new URLSearchParams({ team: a.teamT.id })),
    asB: () => resolveGapScope(b.ctx, new URLSearchParams({ team: a.teamT.id })),
    seenByB: empties,
  },
  "gaps/team-gaps.server#gapSummary": {
    asA: () => gapSummary(a.scope),
    asB: () => gapSummary(forgedScope()),
  },
  "gaps/team-gaps.server#heatmap": {
    asA: () => heatmap(a.scope),
    asB: () => heatmap(forgedScope()),
  },
  "gaps/team-gaps.server#packedHeatmap": {
    asA: () => packedHeatmap(a.scope),
    asB: () => packedHeatmap(forgedScope()),
  },
  "gaps/team-gaps.server#mustHaveTrend": {
    // Points carry no names: A's trend has its closed quarter, the forged scope none.
    asA: () => mustHaveTrend(a.scope, { total: 0, met: 0 }),
    asB: () => mustHaveTrend(forgedScope(), { total: 0, met: 0 }),
    seenByA: (points) => expect((points as unknown[]).length).toBeGreaterThan(0),
    seenByB: (points) =>
      expect((points as { total: number }[]).every((p) => p.total === 0)).toBe(true),
  },
  "gaps/team-standing.server#teamStanding": {
    asA: () => teamStanding(a.organizationId, a.ann.membershipId),
    asB: () => teamStanding(b.organizationId, a.ann.membershipId),
    seenByA: (teams) => expect((teams as unknown[]).length).toBeGreaterThan(0),
    seenByB: empties,
  },
  "gaps/team-gaps.server#scopeCtes": {
    notARead: "a SQL fragment, not a query: every gap figure below is built on it",
  },
  "gaps/team-gaps.server#topicDetail": {
    asA: () => topicDetail(a.scope, a.topic.a1),
    asB: () => topicDetail(forgedScope(), a.topic.a1),
    seenByB: empties,
  },
  "gaps/team-gaps.server#unmentoredGaps": {
    asA: () => unmentoredGaps(a.scope),
    asB: () => unmentoredGaps(forgedScope()),
  },
  "gaps/validation.server#calibrationQueue": {
    asA: () => calibrationQueue(a.scope),
    asB: () => calibrationQueue(forgedScope()),
  },
  "gaps/validation.server#loadValidation": {
    asA: () => loadValidation(a.ctx, a.ben.membershipId),
    asB: () => loadValidation(b.ctx, a.ben.membershipId),
    seenByB: empties,
  },
  "gaps/validation.server#pendingValidations": {
    asA: () => pendingValidations(a.scope),
    asB: () => pendingValidations(forgedScope()),
  },
  "gaps/validation.server#recentResolutions": {
    asA: () => recentResolutions(a.scope),
    asB: () => recentResolutions(forgedScope()),
    seenByB: empties,
  },
  "gaps/validation.server#validatedAssessments": {
    asA: () => validatedAssessments(a.scope),
    asB: () => validatedAssessments(forgedScope()),
    seenByB: empties,
  },
  "growth/development-plans.server#activePlan": {
    asA: () => activePlan(a.organizationId, a.ben.membershipId),
    asB: () => activePlan(b.organizationId, a.ben.membershipId),
    seenByB: empties,
  },
  "growth/development-plans.server#addGoal": { notARead: WRITE },
  "growth/development-plans.server#commentOnPlan": { notARead: WRITE },
  "growth/development-plans.server#goalChoices": {
    asA: () => goalChoices(a.organizationId),
    asB: () => goalChoices(b.organizationId),
  },
  "growth/development-plans.server#goalMentorSuggestions": {
    asA: () => goalMentorSuggestions(a.ctx, a.ben.membershipId, a.goalId),
    asB: () => goalMentorSuggestions(b.ctx, a.ben.membershipId, a.goalId),
    seenByB: empties,
  },
  "growth/development-plans.server#linkGoalMentor": { notARead: WRITE },
  "growth/development-plans.server#removeGoal": { notARead: WRITE },
  "growth/development-plans.server#runPlanIntent": { notARead: WRITE },
  "growth/member-growth.server#memberGrowth": {
    asA: () => memberGrowth(a.ctx, a.ben.membershipId, new URLSearchParams()),
    asB: () => memberGrowth(b.ctx, a.ben.membershipId, new URLSearchParams()),
    seenByB: empties,
  },
  "growth/member-reach.server#reachableMember": {
    asA: () => reachableMember(a.ctx, a.ben.membershipId),
    asB: () => reachableMember(b.ctx, a.ben.membershipId),
    seenByB: empties,
  },
  "growth/plan-outcomes.server#freezePlanGoals": {
    notARead: "a write, inside generateReport's transaction for the report it made",
  },
  "growth/plan-outcomes.server#frozenPlanGoals": {
    asA: () => frozenPlanGoals(a.organizationId, a.planReportId, a.ben.membershipId),
    asB: () => frozenPlanGoals(b.organizationId, a.planReportId, a.ben.membershipId),
    seenByB: empties,
  },
  "growth/readiness.server#memberReadiness": {
    asA: () => memberReadiness(a.organizationId, a.ben.membershipId),
    asB: () => memberReadiness(b.organizationId, a.ben.membershipId),
    seenByB: empties,
  },
  "growth/readiness.server#orderedProfiles": {
    asA: () => orderedProfiles(a.scope),
    asB: () => orderedProfiles(forgedScope()),
    seenByB: empties,
  },
  "growth/readiness.server#organisationScope": {
    asA: () => organisationScope(a.organizationId),
    asB: () => organisationScope(b.organizationId),
  },
  "growth/readiness.server#profileOfFramework": {
    asA: () => profileOfFramework(a.scope, a.senior),
    asB: () => profileOfFramework(forgedScope(), a.senior),
    seenByB: empties,
  },
  "growth/readiness.server#readinessOf": {
    asA: () => readinessOf(a.scope),
    asB: () => readinessOf(forgedScope()),
  },
  "growth/readiness.server#readinessTrend": {
    asA: () => readinessTrend(a.scope, a.ben.membershipId, a.senior),
    asB: () => readinessTrend(forgedScope(), a.ben.membershipId, a.senior),
  },
  "growth/readiness.server#teamReadiness": {
    asA: () => teamReadiness(a.ctx, new URLSearchParams()),
    asB: () => teamReadiness(b.ctx, new URLSearchParams({ team: a.teamT.id })),
  },
  "jobs/queue-dashboard.server#queueDashboard": {
    // Failed jobs are listed per organisation; A has none in this file, so only B's side is
    // telling: nothing of A, whatever other files left in the queues.
    asA: () => queueDashboard(a.organizationId),
    asB: () => queueDashboard(b.organizationId),
    seenByA: (dashboard) => expect(dashboard).toHaveProperty("backend"),
  },
  "jobs/queue-dashboard.server#retryFailedJob": { notARead: WRITE },
  "mentoring/mentor-suggestions.server#mentoringGap": {
    asA: () => mentoringGap(a.ctx, a.ben.membershipId, a.topic.a1),
    asB: () => mentoringGap(b.ctx, a.ben.membershipId, a.topic.a1),
    seenByB: empties,
  },
  "mentoring/mentor-suggestions.server#suggestMentors": {
    asA: () => suggestMentors(a.ctx, a.cat.membershipId, a.topic.a1),
    asB: () => suggestMentors(b.ctx, a.cat.membershipId, a.topic.a1),
    seenByB: empties,
  },
  "mentoring/mentorships.server#endMentorship": { notARead: WRITE },
  "mentoring/mentorships.server#getMentorship": {
    asA: () => getMentorship(a.ctx, a.mentorshipId),
    asB: () => getMentorship(b.ctx, a.mentorshipId),
    seenByB: empties,
  },
  "mentoring/mentorships.server#listMentorships": {
    asA: () => listMentorships(a.organizationId, { participant: a.ben.membershipId }, "2026-12-06"),
    asB: () => listMentorships(b.organizationId, { participant: a.ben.membershipId }, "2026-12-06"),
    seenByB: empties,
  },
  "mentoring/mentorships.server#logCheckIn": { notARead: WRITE },
  "mentoring/mentorships.server#proposeMentorship": { notARead: WRITE },
  "mentoring/mentorships.server#respondToMentorship": { notARead: WRITE },
  "notifications/channel-delivery.server#listChannelDeliveries": {
    asA: () => listChannelDeliveries(a.organizationId),
    asB: () => listChannelDeliveries(b.organizationId),
  },
  "notifications/channel-delivery.server#postToChannel": {
    notARead: "sends a message to the channel it is given; reads nothing (tests/notifications)",
  },
  "notifications/channel-delivery.server#sendTestMessage": { notARead: WRITE },
  "notifications/channel-delivery.server#webhookBody": {
    notARead: "builds a message body from what it is given; reads nothing",
  },
  "notifications/channels.server#enqueueTeamMessage": {
    notARead: "a write: a team message into the channel outbox of the organisation's teams",
  },
  "notifications/channels.server#listTeamChannels": {
    asA: () => listTeamChannels(a.organizationId, a.teamT.id),
    asB: () => listTeamChannels(b.organizationId, a.teamT.id),
    seenByB: empties,
  },
  "notifications/channels.server#removeTeamChannel": { notARead: WRITE },
  "notifications/channels.server#setTeamChannel": { notARead: WRITE },
  "notifications/mutes.server#mutedKinds": {
    asA: () => mutedKinds(a.organizationId, a.ben.id),
    asB: () => mutedKinds(b.organizationId, a.ben.id),
    seenByA: (kinds) => expect([...(kinds as Set<string>)]).toEqual(["check_in_due"]),
    seenByB: (kinds) => expect([...(kinds as Set<string>)]).toEqual([]),
  },
  "notifications/mutes.server#muteToken": {
    notARead: "signs a token for the subject it is given; reads nothing",
  },
  "notifications/mutes.server#muteUrl": {
    notARead: "signs a token for the subject it is given; reads nothing",
  },
  "notifications/mutes.server#setMuted": {
    notARead: "a write, for the subject of a signed token (route matrix: mute.$token)",
  },
  "notifications/outbox-views.server#listOutbox": {
    asA: () => listOutbox(a.organizationId),
    asB: () => listOutbox(b.organizationId, { recipientUserId: a.ann.id }),
    seenByB: empties,
  },
  "notifications/outbox-views.server#outboxCounts": {
    asA: () => outboxCounts(a.organizationId),
    asB: () => outboxCounts(empty.organizationId),
    seenByA: (counts) =>
      expect(Object.values(counts as object).some((n) => Number(n) > 0)).toBe(true),
    seenByB: (counts) =>
      expect(Object.values(counts as object).every((n) => Number(n) === 0)).toBe(true),
  },
  "notifications/dispatch-rounds.server#sendAgain": { notARead: WRITE },
  "notifications/outbox.server#enqueueNotification": {
    notARead: "a write: a message into the organisation's outbox",
  },
  "notifications/reminders.server#planReminders": {
    notARead: "a write: plans reminders into the outbox (tests/notifications)",
  },
  "notifications/reminders.server#withdrawCycleReminders": {
    notARead: "a write: withdraws a cycle's reminders",
  },
  "notifications/team-messages.server#planTeamMessages": {
    notARead: "a write: plans team messages into the channel outbox (tests/notifications)",
  },
  "organisation-data/deletion.server#cancelDeletion": { notARead: WRITE },
  "organisation-data/deletion.server#closeOrganisation": { notARead: WRITE },
  "organisation-data/deletion.server#eraseOrganisation": {
    notARead:
      "a write of the worker, on an organisation it found closed past its grace (tests/organisation-data/deletion.test.ts)",
  },
  "organisation-data/erasure.server#eraseMember": { notARead: WRITE },
  "organisation-data/export.server#buildArchive": {
    asA: () => buildArchive(a.organizationId).then((r) => r.manifest),
    asB: () => buildArchive(b.organizationId).then((r) => r.manifest),
  },
  "organisation-data/export.server#downloadExport": {
    asA: () => downloadExport(a.ctx, a.exportId, null),
    asB: () => downloadExport(b.ctx, a.exportId, null),
    seenByA: (file) => expect((file as { body: Buffer }).body.toString()).toContain(a.mark),
    seenByB: empties,
  },
  "organisation-data/export.server#getExport": {
    asA: () => getExport(a.organizationId, a.exportId),
    asB: () => getExport(b.organizationId, a.exportId),
    seenByB: empties,
  },
  "organisation-data/export.server#listExports": {
    asA: () => listExports(a.organizationId),
    asB: () => listExports(b.organizationId),
  },
  "organisation-data/export.server#requestExport": { notARead: WRITE },
  "organisation-data/tenant-tables.server#ownRows": {
    notARead: "builds a SQL condition and runs nothing; buildArchive's case runs it",
  },
  "ratings/calibration.server#resolveCalibration": { notARead: WRITE },
  "ratings/lead-ratings.server#differingTopics": {
    asA: () => differingTopics(db, a.organizationId, a.ann.membershipId, a.cycleId),
    asB: () => differingTopics(db, b.organizationId, a.ann.membershipId, a.cycleId),
    seenByB: empties,
  },
  "ratings/lead-ratings.server#saveLeadRatings": { notARead: WRITE },
  "ratings/lead-ratings.server#undoValidation": { notARead: WRITE },
  "ratings/self-ratings.server#confirmUnchanged": { notARead: WRITE },
  "ratings/self-ratings.server#saveSelfRatings": { notARead: WRITE },
  "reports/due-reports.server#generateDueReports": {
    notARead: "a write: generates the reports that are due",
  },
  "reports/generate-report.server#generateReport": { notARead: "a write: freezes a report" },
  "reports/report-ready.server#notifyReportReady": {
    notARead: "a write: messages into the outbox",
  },
  "reports/report-views.server#generateOnDemand": { notARead: WRITE },
  "reports/report-views.server#listReports": {
    asA: () => listReports(a.ctx),
    asB: () => listReports(b.ctx),
  },
  "reports/report-views.server#memberSummary": {
    asA: () => memberSummary(a.ctx, a.teamReportId, a.ben.membershipId),
    asB: () => memberSummary(b.ctx, a.teamReportId, a.ben.membershipId),
    seenByB: empties,
  },
  "reports/report-views.server#ownSummaries": {
    asA: () => ownSummaries(a.ctx),
    asB: () => ownSummaries(b.ctx),
  },
  "reports/report-views.server#reportableCycles": {
    asA: () => reportableCycles(a.organizationId),
    asB: () => reportableCycles(b.organizationId),
  },
  "reports/report-views.server#reportCsv": {
    asA: () => reportCsv(a.ctx, a.teamReportId),
    asB: () => reportCsv(b.ctx, a.teamReportId),
    seenByB: empties,
  },
  "reports/report-views.server#viewableReport": {
    asA: () => viewableReport(a.ctx, a.teamReportId),
    asB: () => viewableReport(b.ctx, a.teamReportId),
    seenByB: empties,
  },
};

function assessorOf(org: Org): Assessor {
  return { organizationId: org.organizationId, memberId: org.ben.membershipId, userId: org.ben.id };
}

/** The organisation's own scope narrowed to its Team T: the team the forged scope names. */
function teamScopeOf(org: Org): GapScope {
  return { ...org.scope, teamId: org.teamT.id };
}

const READS = Object.entries(FUNCTIONS).filter(
  (entry): entry is [string, ReadCase] => "asA" in entry[1],
);

beforeAll(async () => {
  [a, b] = await Promise.all([buildOrg(), buildOrg()]);
  const other = await createOrgWithAdmin();
  empty = { organizationId: other.organizationId, ctx: await contextOf(other.admin.cookie) };
  // B holds as much as A, so "nothing of A" is not "nothing at all": B's answers carry B's own.
  expect(mentions(await listMembers(b.organizationId), b).length).toBeGreaterThan(0);
});

describe("module functions told an organisation", () => {
  it("are each listed as a read with a case or as something else with a reason", () => {
    const discovered = discoverOrganisationFunctions().map((f) => f.key);
    const missing = discovered.filter((key) => !(key in FUNCTIONS));
    const gone = Object.keys(FUNCTIONS).filter((key) => !discovered.includes(key));
    expect({ missing, gone }).toEqual({ missing: [], gone: [] });
    expect(READS.length).toBeGreaterThan(40);
    // Typing app/modules with what it imports (~800 files) is ~10 s of CPU; a loaded machine
    // stretches that well past the default limit.
  }, 300_000);
});

describe.each(READS)("%s", (_key, read) => {
  it("shows organisation A its data and organisation B nothing of A", async () => {
    const own = await read.asA();
    if (read.seenByA) read.seenByA(own);
    else expect(mentions(own, a).length, asText(own).slice(0, 500)).toBeGreaterThan(0);

    const foreign = await orNotFound(read.asB);
    expect(mentions(foreign, a, read.echoes?.()), asText(foreign).slice(0, 500)).toEqual([]);
    read.seenByB?.(foreign);
  });
});
