import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { db } from "#db/database";
import { sealSecret } from "~/lib/secret-box.server";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { muteToken } from "~/modules/notifications/mutes.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import { buildGapData } from "../gaps/gap-data";
import { addMember, signIn } from "./factories";

/**
 * One organisation holding an object of every kind the app shows (members, teams, a
 * framework with topics and a profile, cycles, ratings with notes, a mentorship with a
 * check-in, reports, an invitation, a failed message, an audit entry), and a person in
 * every role. Every name it shows starts with `mark`, so a page that leaks any of it is
 * found by searching the body for the mark (and the members' emails).
 */
export async function buildTenant() {
  const mark = `zq${randomBytes(4).toString("hex")}`;
  const g = await buildGapData();
  const org = g.organizationId;

  // A lead of the other team (Team U), and a member whose access was removed.
  const uma = await addMember(org, "lead", "Uma");
  const dee = await addMember(org, "engineer", "Dee");
  await db
    .insertInto("team_members")
    .values({ organization_id: org, team_id: g.teamU.id, membership_id: uma.membershipId, is_lead: true })
    .execute();
  await db
    .updateTable("memberships")
    .set({ active: false, deactivated_at: new Date() })
    .where("id", "=", dee.membershipId)
    .execute();

  // Everything the organisation shows carries the mark.
  const prefix = (column: string) => sql<string>`${mark} || ' ' || ${sql.ref(column)}`;
  await db.updateTable("organizations").set({ name: prefix("name") }).where("id", "=", org).execute();
  await db
    .updateTable("users")
    .set({ display_name: prefix("display_name") })
    .where("id", "in", db.selectFrom("memberships").select("user_id").where("organization_id", "=", org))
    .execute();
  for (const table of ["teams", "frameworks", "target_profiles", "cycles", "topic_revisions", "category_revisions"] as const) {
    await db.updateTable(table).set({ name: prefix("name") }).where("organization_id", "=", org).execute();
  }
  // Ratings are append-only: a newer one carries the note.
  await db
    .insertInto("ratings")
    .values({
      organization_id: org,
      cycle_id: g.cycleId,
      member_id: g.ann.membershipId,
      topic_id: g.topic.a2,
      source: "self",
      level: 2,
      note: `${mark} rating note`,
      evidence_urls: [`https://example.com/${mark}`],
    })
    .execute();
  const checkIn = await db
    .insertInto("check_ins")
    .values({
      organization_id: org,
      mentorship_id: db.selectFrom("mentorships").select("id").where("organization_id", "=", org).limit(1),
      occurred_on: "2026-11-01",
      notes: `${mark} check-in notes`,
    })
    .returning("mentorship_id")
    .executeTakeFirstOrThrow();

  const version = await db
    .selectFrom("frameworks")
    .select(["id", "current_version_id"])
    .where("organization_id", "=", org)
    .where("id", "=", db.selectFrom("organizations").select("default_framework_id").where("id", "=", org))
    .executeTakeFirstOrThrow();
  const planned = await db
    .insertInto("cycles")
    .values({
      organization_id: org,
      framework_version_id: g.versionId,
      name: `${mark} 2027-Q1`,
      starts_on: "2027-01-01",
      due_on: "2027-02-15",
      ends_on: "2027-03-31",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const target = await db
    .selectFrom("capability_targets")
    .select("id")
    .where("team_id", "=", g.teamT.id)
    .executeTakeFirstOrThrow();

  const teamReport = await generateReport({ organizationId: org, cycleId: g.cycleId, teamId: g.teamT.id, generatedByUserId: null });
  const orgReport = await generateReport({ organizationId: org, cycleId: g.cycleId, teamId: null, generatedByUserId: null });

  const inviteToken = generateToken();
  const invitation = await db
    .insertInto("invitations")
    .values({
      organization_id: org,
      email: `${mark}-invitee@example.test`,
      role: "engineer",
      token_hash: hashToken(inviteToken),
      invited_by_user_id: g.admin.id,
      expires_at: new Date(Date.now() + 7 * 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const resetToken = generateToken();
  await db
    .insertInto("password_resets")
    .values({ user_id: g.ann.id, token_hash: hashToken(resetToken), expires_at: new Date(Date.now() + 3_600_000) })
    .execute();

  await enqueueNotification({
    organizationId: org,
    kind: "mentorship_proposed",
    recipientUserId: g.ann.id,
    recipientEmail: g.ann.email,
    idempotencyKey: `${mark}:failed`,
    subject: `${mark} a message that failed`,
    text: `${mark} body`,
  });
  const notification = await db
    .updateTable("notifications")
    .set({ status: "failed", last_error: "550 mailbox unavailable", attempts: 5 })
    .where("idempotency_key", "=", `${mark}:failed`)
    .returning("id")
    .executeTakeFirstOrThrow();
  // Team T's signed webhook (nothing listens at port 9, so a test message is refused), and
  // one of its deliveries that failed.
  const channelId = randomUUID();
  await db
    .insertInto("team_channels")
    .values({
      id: channelId,
      organization_id: org,
      team_id: g.teamT.id,
      kind: "webhook",
      url_sealed: sealSecret("http://127.0.0.1:9/hook", `team-channel-url:${channelId}`),
      url_host: "127.0.0.1:9",
      secret_sealed: sealSecret(`whsec_${mark}`, `team-channel-secret:${channelId}`),
    })
    .execute();
  const channelDelivery = await db
    .insertInto("channel_deliveries")
    .values({
      organization_id: org,
      channel_id: channelId,
      kind: "report_ready",
      idempotency_key: `${mark}:channel-failed`,
      content: JSON.stringify({ kind: "report_ready", title: `${mark} report`, lines: [], action: { label: "Open", url: "http://localhost:3000/reports" } }),
      status: "failed",
      last_error: "connect ECONNREFUSED 127.0.0.1:9",
      attempts: 5,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // A finished export, whose archive the download route serves.
  const finishedExport = await db
    .insertInto("organization_exports")
    .values({
      organization_id: org,
      requested_by_user_id: g.admin.id,
      status: "ready",
      progress: 100,
      archive: Buffer.from(`${mark} archive`),
      byte_size: 20,
      finished_at: new Date(),
      expires_at: new Date(Date.now() + 7 * 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await recordAudit({ organizationId: org, actorUserId: g.admin.id, action: "team.rename", objectType: "team", objectId: g.teamT.id, details: { name: `${mark} old name` } });

  const people = {
    admin: g.admin,
    leadOwn: g.lee,
    leadOther: uma,
    engineer: g.ben,
    deactivated: dee,
    /** Her self-assessment is a draft, so her saves go through. */
    drafter: g.cat,
    /** An engineer of Team U, in no mentorship. */
    bystander: g.dan,
  };
  // Ann's a1 (self 1, lead 3): the calibration item the review page's form resolves.
  const annA1 = await db
    .selectFrom("current_levels")
    .select(["self_rating_id", "lead_rating_id"])
    .where("member_id", "=", g.ann.membershipId)
    .where("topic_id", "=", g.topic.a1)
    .executeTakeFirstOrThrow();
  return {
    ...g,
    calibration: { selfRatingId: annA1.self_rating_id!, leadRatingId: annA1.lead_rating_id! },
    mark,
    uma,
    dee,
    people,
    emails: [g.admin, g.lee, g.ann, g.ben, g.cat, g.dan, uma, dee].map((p) => p.email),
    frameworkId: version.id,
    categoryId: g.categoryOf["a1"]!,
    plannedCycleId: planned.id,
    targetId: target.id,
    mentorshipId: checkIn.mentorship_id,
    teamReportId: teamReport,
    orgReportId: orgReport,
    invitationId: invitation.id,
    inviteToken,
    resetToken,
    muteToken: muteToken({ organizationId: org, userId: g.ben.id, kind: "check_in_due" }),
    notificationId: notification.id,
    channelId,
    channelDeliveryId: channelDelivery.id,
    exportId: finishedExport.id,
    /** A fresh session of `who` in this organisation (actions such as logout end theirs). */
    session: (who: keyof typeof people) => signIn(people[who].id, org),
  };
}

export type Tenant = Awaited<ReturnType<typeof buildTenant>>;

let orgTables: string[] | undefined;

/** The organisation's rows in every table that has an organisation column (and its members'
 * user rows), as one digest: equal digests, nothing of the organisation changed. */
export async function tenantDigest(organizationId: string): Promise<string> {
  orgTables ??= (
    await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'organization_id'
        -- Sessions churn with every sign-in; they are not the organisation's data. Pending
        -- level changes live only inside a transaction (migration 0020).
        AND table_name NOT IN ('sessions', 'level_changes_pending')
      ORDER BY table_name`.execute(db)
  ).rows.map((r) => r.table_name);
  const parts = orgTables.map(
    (table) => sql`SELECT ${table} || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS part
      FROM ${sql.table(table)} t WHERE organization_id = ${organizationId}`,
  );
  parts.push(sql`SELECT 'users:' || coalesce(md5(string_agg(u::text, ',' ORDER BY u::text)), '') FROM users u
    WHERE id IN (SELECT user_id FROM memberships WHERE organization_id = ${organizationId})`);
  const { rows } = await sql<{ part: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return rows
    .map((r) => r.part)
    .sort()
    .join("\n");
}
