import { sql } from "kysely";
import { db } from "#db/database";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import { sealSecret } from "~/lib/secret-box.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { issueCalendarFeed } from "~/modules/calendar/calendar-feed.server";
import { addTopicResource } from "~/modules/frameworks/topic-resources.server";
import {
  addGoal,
  commentOnPlan,
  linkGoalMentor,
} from "~/modules/growth/development-plans.server";
import { resolveCalibration } from "~/modules/ratings/calibration.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import { apiToken } from "../support/api-client";
import { buildRequest } from "../support/remix";
import { buildTenant } from "../support/tenant-fixture";

// The security suite's organisation (an object of every kind the app shows) plus what it
// lacks: an API token, a mute, a topic flag, single sign-on, a sign-in in flight, a topic's own level
// descriptors, a learning resource, a resolved calibration item, a development plan (a goal
// linked to a mentorship, a lead's comment; Ann's own plan with her comment) frozen into a
// report, Ann's calendar feed. Every tenant table then holds rows of it, which the export, import and
// deletion tests rely on to prove they cover every table.

export async function buildFullTenant() {
  const t = await buildTenant();
  const org = t.organizationId;
  const token = await apiToken(org, t.admin.id, { scope: "read" });
  await db
    .insertInto("notification_mutes")
    .values({ organization_id: org, user_id: t.ben.id, kind: "check_in_due" })
    .execute();
  await db
    .insertInto("topic_flags")
    .values({
      organization_id: org,
      member_id: t.ann.membershipId,
      topic_id: t.topic.a1,
      can_mentor: true,
    })
    .execute();
  const clientSecret = `client-secret-${generateToken()}`;
  await db
    .insertInto("sso_connections")
    .values({
      organization_id: org,
      issuer_url: "https://id.example.test",
      client_id: "gapmap",
      client_secret_sealed: sealSecret(clientSecret, "sso-client-secret"),
    })
    .execute();
  await db
    .insertInto("sso_domains")
    .values({ domain: `${t.mark}.example.test`, organization_id: org })
    .execute();
  await db
    .insertInto("sso_login_attempts")
    .values({
      state_hash: hashToken(generateToken()),
      organization_id: org,
      nonce: `nonce-${generateToken()}`,
      code_verifier: `verifier-${generateToken()}`,
      redirect_to: "/dashboard",
      expires_at: new Date(Date.now() + 600_000),
    })
    .execute();
  // A topic's own wording of a level, on the current version.
  await sql`INSERT INTO topic_level_descriptors (organization_id, framework_version_id, topic_id, level, description)
    VALUES (${org}, ${t.versionId}, ${t.topic.a1}, 3, 'Runs it in production')`.execute(db);
  const contextOf = (cookie: string) => requireMember(buildRequest("/dashboard", { cookie }));
  const admin = await contextOf(await t.session("admin"));
  const lead = await contextOf(await t.session("leadOwn"));
  const ann = await contextOf(t.ann.cookie);
  await addTopicResource(admin, t.frameworkId, t.topic.a1, {
    title: "Runbook basics",
    url: "https://example.test/runbook",
    level: 2,
  });
  await resolveCalibration(lead, {
    memberId: t.ann.membershipId,
    topicId: t.topic.a1,
    selfRatingId: t.calibration.selfRatingId,
    leadRatingId: t.calibration.leadRatingId,
    resolution: "keep_both",
    level: null,
    note: `${t.mark} calibration note`,
  });
  // The mentee of the fixture's mentorship plans to grow on its topic, with that mentor.
  const mentorship = await db
    .selectFrom("mentorships")
    .select(["id", "mentee_id", "mentor_id", "topic_id"])
    .where("id", "=", t.mentorshipId)
    .executeTakeFirstOrThrow();
  await addGoal(lead, mentorship.mentee_id, {
    topicId: mentorship.topic_id,
    targetLevel: 4,
    dueCycleId: t.plannedCycleId,
    actions: `${t.mark} plan actions`,
    learningLinks: [`https://example.test/${t.mark}`],
  });
  const goal = await db
    .selectFrom("plan_goals as g")
    .innerJoin("development_plans as p", "p.id", "g.plan_id")
    .select("g.id")
    .where("p.member_id", "=", mentorship.mentee_id)
    .executeTakeFirstOrThrow();
  await linkGoalMentor(lead, mentorship.mentee_id, {
    goalId: goal.id,
    mentorId: mentorship.mentor_id,
  });
  await commentOnPlan(lead, mentorship.mentee_id, `${t.mark} lead's plan comment`);
  await addGoal(ann, t.ann.membershipId, {
    topicId: t.topic.a2,
    targetLevel: 3,
    dueCycleId: t.plannedCycleId,
    actions: `${t.mark} Ann's plan actions`,
    learningLinks: [`https://example.test/${t.mark}/ann`],
  });
  await commentOnPlan(ann, t.ann.membershipId, `${t.mark} Ann's own plan comment`);
  const calendarToken = await issueCalendarFeed(ann, { includeTeam: false });
  // The open cycle's report, made after the plan, freezes its goal.
  const planReportId = await generateReport({
    organizationId: org,
    cycleId: t.cycleId,
    teamId: null,
    generatedByUserId: null,
  });
  return { ...t, apiTokenSecret: token.secret, clientSecret, goalId: goal.id, planReportId, calendarToken };
}
