import ical, { ICalCalendarMethod } from "ical-generator";
import { sql } from "kysely";
import { db } from "#db/database";
import { env } from "~/lib/env.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import { todayIn } from "~/modules/assessments/cycle-calendar";
import { listCycles } from "~/modules/assessments/cycles.server";
import { listMentorships } from "~/modules/mentoring/mentorships.server";
import { recordAudit } from "~/modules/audit/audit.server";

// Each member's private calendar subscription: their self-assessment due dates, the review
// cycles' dates and their mentoring check-ins (the next one from the cadence, named after the
// other person); a lead may add the check-ins of the teams they lead. The URL carries a
// random token of which only the SHA-256 is stored; a new link or "stop" revokes the old one.
// Every event's UID is derived from what it is about, so a calendar refreshing the feed
// updates its events rather than adding copies.

const feedUrl = (token: string) => `${env().APP_URL}/feeds/${token}.ics`;

export async function calendarFeedStatus(ctx: MemberContext) {
  const feed = await db
    .selectFrom("calendar_feeds")
    .select(["include_team", "created_at"])
    .where("membership_id", "=", ctx.membership.id)
    .where("organization_id", "=", ctx.organization.id)
    .executeTakeFirst();
  const leads = await db
    .selectFrom("team_members")
    .select("team_id")
    .where("membership_id", "=", ctx.membership.id)
    .where("is_lead", "=", true)
    .executeTakeFirst();
  return {
    active: Boolean(feed),
    includeTeam: feed?.include_team ?? false,
    createdAt: feed?.created_at ?? null,
    isLead: Boolean(leads),
  };
}

/**
 * A new private feed URL for the member, replacing (so revoking) any earlier one. Shown once:
 * only its hash is kept.
 */
export async function issueCalendarFeed(
  ctx: MemberContext,
  { includeTeam }: { includeTeam: boolean },
  ip: string | null = null,
): Promise<string> {
  const token = generateToken();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("calendar_feeds")
      .values({
        membership_id: ctx.membership.id,
        organization_id: ctx.organization.id,
        token_hash: hashToken(token),
        include_team: includeTeam,
      })
      .onConflict((oc) =>
        oc.columns(["membership_id", "organization_id"]).doUpdateSet({
          token_hash: hashToken(token),
          include_team: includeTeam,
          created_at: new Date(),
        }),
      )
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "calendar_feed.issue",
        objectType: "membership",
        objectId: ctx.membership.id,
        details: { includeTeam },
        ip,
      },
      trx,
    );
  });
  return feedUrl(token);
}

/** Stops the member's feed: its URL answers 404 from now on. */
export async function revokeCalendarFeed(ctx: MemberContext, ip: string | null = null) {
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom("calendar_feeds")
      .where("membership_id", "=", ctx.membership.id)
      .where("organization_id", "=", ctx.organization.id)
      .executeTakeFirst();
    if (!Number(removed.numDeletedRows)) return;
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "calendar_feed.revoke",
        objectType: "membership",
        objectId: ctx.membership.id,
        ip,
      },
      trx,
    );
  });
}

/** A calendar date as a Date whose local fields are that date (ical-generator reads them so). */
function localDay(date: string | Date) {
  const iso = typeof date === "string" ? date : date.toISOString().slice(0, 10);
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d);
}

const nextDay = (day: Date) => new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);

/** The feed a token opens, as iCalendar text; null for an unknown or revoked token. */
export async function renderCalendarFeed(token: string): Promise<string | null> {
  if (!/^[a-z2-7]{32}$/.test(token)) return null;
  const feed = await sql<{
    membership_id: string;
    organization_id: string;
    include_team: boolean;
    time_zone: string;
    organization_name: string;
    display_name: string;
  }>`
    SELECT f.membership_id, f.organization_id, f.include_team, o.time_zone,
      o.name AS organization_name, u.display_name
    FROM calendar_feeds f
    JOIN memberships m ON m.id = f.membership_id AND m.active
    JOIN organizations o ON o.id = f.organization_id
    JOIN users u ON u.id = m.user_id
    WHERE f.token_hash = ${hashToken(token)}`.execute(db);
  const owner = feed.rows[0];
  if (!owner) return null;
  const host = new URL(env().APP_URL).hostname;
  const uid = (what: string) => `${what}@${host}`;
  const calendar = ical({
    name: `Gapmap · ${owner.organization_name}`,
    description: `Self-assessments, review cycles and mentoring check-ins for ${owner.display_name}`,
    // Written as X-WR-TIMEZONE; the all-day events below are dates in this zone.
    timezone: owner.time_zone,
    method: ICalCalendarMethod.PUBLISH,
    prodId: { company: "Gapmap", product: "Gapmap", language: "EN" },
    ttl: 60 * 60,
  });
  const allDay = (
    id: string,
    date: string | Date,
    summary: string,
    description: string,
    path: string,
  ) => {
    const start = localDay(date);
    calendar.createEvent({
      id: uid(id),
      start,
      end: nextDay(start),
      allDay: true,
      summary,
      description,
      url: `${env().APP_URL}${path}`,
    });
  };

  const cycles = (await listCycles(owner.organization_id)).filter(
    (c) => c.status === "open" || c.status === "planned",
  );
  for (const c of cycles) {
    allDay(
      `cycle-${c.id}-starts`,
      c.starts_on,
      `${c.name} review cycle starts`,
      `The ${c.name} review cycle opens.`,
      "/assessment",
    );
    allDay(
      `assessment-due-${c.id}-${owner.membership_id}`,
      c.due_on,
      `Self-assessment due: ${c.name}`,
      `Submit your ${c.name} self-assessment today at the latest.`,
      "/assessment",
    );
    allDay(
      `cycle-${c.id}-ends`,
      c.ends_on,
      `${c.name} review cycle ends`,
      `The ${c.name} review cycle closes.`,
      "/assessment",
    );
  }

  const today = todayIn(owner.time_zone);
  const mine = await listMentorships(
    owner.organization_id,
    { participant: owner.membership_id, status: "active" },
    today,
  );
  const led = owner.include_team
    ? await listMentorships(
        owner.organization_id,
        { menteesLedBy: owner.membership_id, status: "active" },
        today,
      )
    : [];
  const seen = new Set<string>();
  for (const ms of [...mine, ...led]) {
    if (!ms.nextCheckIn || seen.has(ms.id)) continue;
    seen.add(ms.id);
    const mentoring = ms.mentorId === owner.membership_id;
    const mentee = ms.menteeId === owner.membership_id;
    const summary = mentoring
      ? `Mentoring check-in with ${ms.menteeName} (${ms.topicName})`
      : mentee
        ? `Mentoring check-in with ${ms.mentorName} (${ms.topicName})`
        : `Check-in: ${ms.mentorName} mentoring ${ms.menteeName} (${ms.topicName})`;
    allDay(
      `check-in-${ms.id}`,
      ms.nextCheckIn,
      summary,
      `The next check-in, every ${ms.cadenceDays} days. Log it in Gapmap once you have met.`,
      `/mentoring/${ms.id}`,
    );
  }
  return calendar.toString();
}
