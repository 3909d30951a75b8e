import { type Transaction, sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { Database, MentorshipStatus } from "#db/schema";
import { env } from "~/lib/env.server";
import { conflict, forbidden, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { todayIn } from "~/modules/assessments/cycles.server";
import { recordAudit } from "~/modules/audit/audit.server";
import type { GapScope } from "~/modules/gaps/gap-scope";
import { scopeCtes } from "~/modules/gaps/team-gaps.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import {
  mentorshipAcceptedEmail,
  mentorshipProposedEmail,
} from "~/modules/notifications/templates.server";
import { mentoringGap, type MenteeReach } from "./mentor-suggestions.server";

// A mentorship pairs a mentor with a mentee on one topic: a lead or admin proposes it, the
// mentor accepts or declines, both log check-ins every `cadence_days`, and it ends completed
// or cancelled. The mentee's level when it was proposed is kept as the "before" of the loop.

type Trx = Transaction<Database>;

const isoDate = z.iso.date({ error: "Use a date like 2027-03-31." });

export const ProposeMentorshipSchema = z.object({
  mentorId: z.uuid({ error: "Choose a mentor." }),
  menteeId: z.uuid({ error: "Choose a mentee." }),
  topicId: z.uuid({ error: "Choose a topic." }),
  goalLevel: z.coerce
    .number({ error: "Choose a goal level." })
    .int()
    .min(1, "The goal must be a level from 1 to 4.")
    .max(4, "The goal must be a level from 1 to 4."),
  cadenceDays: z.coerce
    .number({ error: "Give the days between check-ins." })
    .int("Give a whole number of days.")
    .min(1, "Check in at least every 365 days and at most daily.")
    .max(365, "Check in at least every 365 days and at most daily."),
  dueOn: z.union([z.literal(""), isoDate]).transform((v) => v || null),
  /** Admins may assign a mentor past the organisation's cap; it is audited. */
  overrideCapacity: z
    .union([z.literal("on"), z.literal("")])
    .optional()
    .transform((v) => v === "on"),
});

export type ProposeMentorship = z.infer<typeof ProposeMentorshipSchema>;

export const CheckInSchema = z.object({
  occurredOn: isoDate,
  notes: z.string().trim().max(2000, "Keep the notes under 2,000 characters."),
  levelEstimate: z
    .union([z.literal(""), z.enum(["0", "1", "2", "3", "4"])], {
      error: "Choose a level from 0 to 4, or leave it empty.",
    })
    .transform((v) => (v === "" ? null : Number(v))),
});

export type CheckIn = z.infer<typeof CheckInSchema>;

function appLink(path: string) {
  return `${env().APP_URL}${path}`;
}

async function activeMember(trx: Trx, organizationId: string, memberId: string) {
  return trx
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.id", "m.active", "m.user_id", "u.display_name", "u.email"])
    .where("m.organization_id", "=", organizationId)
    .where("m.id", "=", memberId)
    .executeTakeFirst();
}

/**
 * Proposes a mentorship for a gap the viewer may see. Refused with a message beside the field:
 * self-mentoring, a deactivated mentor or mentee, a goal not above the mentee's current level,
 * an open mentorship for the same pair and topic, a mentor at the organisation's cap (an
 * admin may override; audited). Mentor and mentee are notified through the outbox.
 */
export async function proposeMentorship(
  ctx: MemberContext,
  input: ProposeMentorship,
  ip: string | null = null,
  /** Given by a development plan: its owner may propose a mentor for their own goal. */
  reach?: MenteeReach,
) {
  if (!reach && !hasRole(ctx.membership.role, "lead")) throw forbidden();
  const gap = await mentoringGap(ctx, input.menteeId, input.topicId, reach);
  if (input.mentorId === input.menteeId)
    throw invalid("Choose someone else", { mentorId: "A person cannot mentor themselves." });
  if (!gap.mentee.active)
    throw invalid("Deactivated", {
      menteeId: `${gap.mentee.display_name} is deactivated.`,
    });
  if (gap.level !== null && input.goalLevel <= gap.level)
    throw invalid("Goal too low", {
      goalLevel: `The goal must be above ${gap.mentee.display_name}'s current level (${gap.level}).`,
    });

  return db.transaction().execute(async (trx) => {
    // Locking the mentor's membership makes concurrent proposals count each other's slots.
    const mentor = await trx
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select(["m.id", "m.active", "m.user_id", "u.display_name", "u.email"])
      .where("m.organization_id", "=", ctx.organization.id)
      .where("m.id", "=", input.mentorId)
      .forUpdate("m")
      .executeTakeFirst();
    if (!mentor) throw invalid("Unknown mentor", { mentorId: "Choose a mentor from the list." });
    if (!mentor.active)
      throw invalid("Deactivated", { mentorId: `${mentor.display_name} is deactivated.` });
    const mentee = await activeMember(trx, ctx.organization.id, gap.mentee.id);
    if (!mentee?.active)
      throw invalid("Deactivated", { menteeId: `${gap.mentee.display_name} is deactivated.` });

    const open = await trx
      .selectFrom("mentorships")
      .select(["mentee_id", "topic_id", "status"])
      .where("organization_id", "=", ctx.organization.id)
      .where("mentor_id", "=", mentor.id)
      .where("status", "in", ["proposed", "active"])
      .execute();
    if (open.some((m) => m.mentee_id === mentee.id && m.topic_id === gap.topic.id))
      throw conflict("Already proposed", {
        mentorId: `${mentor.display_name} already mentors ${mentee.display_name} on ${gap.topic.name}.`,
      });
    const overCapacity = open.length >= gap.capacity;
    const isAdmin = hasRole(ctx.membership.role, "admin");
    if (overCapacity && !(isAdmin && input.overrideCapacity))
      throw invalid("At capacity", {
        mentorId: `${mentor.display_name} already has ${open.length} of ${gap.capacity} mentorships (the organisation's cap).${isAdmin ? " Tick the override to assign anyway." : ""}`,
      });

    const created = await trx
      .insertInto("mentorships")
      .values({
        organization_id: ctx.organization.id,
        mentor_id: mentor.id,
        mentee_id: mentee.id,
        topic_id: gap.topic.id,
        goal_level: input.goalLevel,
        baseline_level: gap.level,
        cadence_days: input.cadenceDays,
        due_on: input.dueOn,
        proposed_by_user_id: ctx.user.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: overCapacity ? "mentorship.proposed_over_capacity" : "mentorship.proposed",
        objectType: "mentorship",
        objectId: created.id,
        details: {
          mentorId: mentor.id,
          menteeId: mentee.id,
          topicId: gap.topic.id,
          ...(overCapacity ? { slotsUsed: open.length, capacity: gap.capacity } : {}),
        },
        ip,
      },
      trx,
    );
    const link = appLink(`/mentoring/${created.id}`);
    for (const [recipient, role] of [
      [mentor, "mentor"],
      [mentee, "mentee"],
    ] as const) {
      const message = mentorshipProposedEmail({
        recipientName: recipient.display_name,
        role,
        proposerName: ctx.user.displayName,
        mentorName: mentor.display_name,
        menteeName: mentee.display_name,
        topicName: gap.topic.name,
        goalLevel: input.goalLevel,
        link,
      });
      await enqueueNotification(
        {
          organizationId: ctx.organization.id,
          kind: "mentorship_proposed",
          recipientUserId: recipient.user_id,
          recipientEmail: recipient.email,
          idempotencyKey: `mentorship_proposed:${created.id}:${recipient.user_id}`,
          subject: message.subject,
          text: message.text,
          html: message.html,
          actionUrl: link,
        },
        trx,
      );
    }
    return { id: created.id };
  });
}

/** The mentorship, if the viewer is its mentor, its mentee, the mentee's lead or an admin. */
async function lockMentorship(trx: Trx, ctx: MemberContext, mentorshipId: string) {
  if (!z.uuid().safeParse(mentorshipId).success) throw notFound("Mentorship");
  const row = await trx
    .selectFrom("mentorships as ms")
    .innerJoin("memberships as mentee", "mentee.id", "ms.mentee_id")
    .innerJoin("users as mu", "mu.id", "mentee.user_id")
    .innerJoin("memberships as mentor", "mentor.id", "ms.mentor_id")
    .innerJoin("users as tu", "tu.id", "mentor.user_id")
    .select([
      "ms.id",
      "ms.status",
      "ms.mentor_id",
      "ms.mentee_id",
      "ms.topic_id",
      "ms.starts_on",
      "ms.proposed_by_user_id",
      "mu.display_name as mentee_name",
      "mu.email as mentee_email",
      "mentee.user_id as mentee_user_id",
      "tu.display_name as mentor_name",
    ])
    .where("ms.organization_id", "=", ctx.organization.id)
    .where("ms.id", "=", mentorshipId)
    .forUpdate("ms")
    .executeTakeFirst();
  if (!row) throw notFound("Mentorship");
  const role = await roleIn(ctx, row);
  if (!role) throw notFound("Mentorship");
  return { ...row, role };
}

type MentorshipRole = "mentor" | "mentee" | "lead";

async function roleIn(
  ctx: MemberContext,
  row: { mentor_id: string; mentee_id: string },
): Promise<MentorshipRole | null> {
  if (row.mentor_id === ctx.membership.id) return "mentor";
  if (row.mentee_id === ctx.membership.id) return "mentee";
  if (hasRole(ctx.membership.role, "admin")) return "lead";
  if (!hasRole(ctx.membership.role, "lead")) return null;
  const leads = await db
    .selectFrom("team_members as mine")
    .innerJoin("team_members as theirs", "theirs.team_id", "mine.team_id")
    .select("mine.team_id")
    .where("mine.membership_id", "=", ctx.membership.id)
    .where("mine.is_lead", "=", true)
    .where("theirs.membership_id", "=", row.mentee_id)
    .executeTakeFirst();
  return leads ? "lead" : null;
}

/** The mentor accepts (it becomes active, starting today) or declines a proposal. */
export async function respondToMentorship(
  ctx: MemberContext,
  mentorshipId: string,
  answer: "accept" | "decline",
  ip: string | null = null,
) {
  await db.transaction().execute(async (trx) => {
    const ms = await lockMentorship(trx, ctx, mentorshipId);
    if (ms.role !== "mentor") throw forbidden("Only the proposed mentor can answer.");
    if (ms.status !== "proposed") throw conflict(`This mentorship is already ${ms.status}.`);
    const now = new Date();
    await trx
      .updateTable("mentorships")
      .set(
        answer === "accept"
          ? {
              status: "active",
              accepted_at: now,
              starts_on: todayIn(ctx.organization.timeZone, now),
            }
          : { status: "declined", ended_at: now },
      )
      .where("id", "=", ms.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: answer === "accept" ? "mentorship.accepted" : "mentorship.declined",
        objectType: "mentorship",
        objectId: ms.id,
        ip,
      },
      trx,
    );
    if (answer === "accept") {
      const topic = await topicName(trx, ctx.organization.id, ms.topic_id);
      const link = appLink(`/mentoring/${ms.id}`);
      const message = mentorshipAcceptedEmail({
        menteeName: ms.mentee_name,
        mentorName: ms.mentor_name,
        topicName: topic,
        link,
      });
      await enqueueNotification(
        {
          organizationId: ctx.organization.id,
          kind: "mentorship_accepted",
          recipientUserId: ms.mentee_user_id,
          recipientEmail: ms.mentee_email,
          idempotencyKey: `mentorship_accepted:${ms.id}`,
          subject: message.subject,
          text: message.text,
          html: message.html,
          actionUrl: link,
        },
        trx,
      );
    }
  });
}

async function topicName(trx: Trx, organizationId: string, topicId: string) {
  const row = await trx
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .innerJoin("topic_revisions as t", (join) =>
      join
        .onRef("t.framework_version_id", "=", "f.current_version_id")
        .on("t.topic_id", "=", topicId),
    )
    .select("t.name")
    .where("o.id", "=", organizationId)
    .executeTakeFirst();
  return row?.name ?? "a topic";
}

/**
 * Ends a mentorship: completed (an active one, by its mentor, mentee or their lead) or
 * cancelled (a proposed or active one, by the same people).
 */
export async function endMentorship(
  ctx: MemberContext,
  mentorshipId: string,
  outcome: "completed" | "cancelled",
  ip: string | null = null,
) {
  await db.transaction().execute(async (trx) => {
    const ms = await lockMentorship(trx, ctx, mentorshipId);
    const allowed: MentorshipStatus[] =
      outcome === "completed" ? ["active"] : ["proposed", "active"];
    if (!allowed.includes(ms.status))
      throw conflict(
        outcome === "completed"
          ? "Only an active mentorship can be completed."
          : `This mentorship is already ${ms.status}.`,
      );
    await trx
      .updateTable("mentorships")
      .set({ status: outcome, ended_at: new Date() })
      .where("id", "=", ms.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: `mentorship.${outcome}`,
        objectType: "mentorship",
        objectId: ms.id,
        ip,
      },
      trx,
    );
  });
}

/** The mentor or mentee logs a check-in on an active mentorship (not in the future). */
export async function logCheckIn(ctx: MemberContext, mentorshipId: string, input: CheckIn) {
  return db.transaction().execute(async (trx) => {
    const ms = await lockMentorship(trx, ctx, mentorshipId);
    if (ms.role === "lead") throw forbidden("Check-ins are logged by the mentor or the mentee.");
    if (ms.status !== "active") throw conflict("Check-ins can be logged on active mentorships.");
    const today = todayIn(ctx.organization.timeZone);
    if (input.occurredOn > today)
      throw invalid("Future date", { occurredOn: "A check-in cannot be in the future." });
    if (ms.starts_on && input.occurredOn < ms.starts_on)
      throw invalid("Too early", {
        occurredOn: `The mentorship started on ${ms.starts_on}; pick a date from then on.`,
      });
    return trx
      .insertInto("check_ins")
      .values({
        organization_id: ctx.organization.id,
        mentorship_id: ms.id,
        occurred_on: input.occurredOn,
        notes: input.notes || null,
        level_estimate: input.levelEstimate,
        logged_by_user_id: ctx.user.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
  });
}

export interface MentorshipSummary {
  id: string;
  status: MentorshipStatus;
  mentorId: string;
  mentorName: string;
  menteeId: string;
  menteeName: string;
  topicId: string;
  topicName: string;
  goalLevel: number;
  /** The mentee's level when it was proposed, and now: the loop from gap to re-assessment. */
  levelBefore: number | null;
  levelNow: number | null;
  cadenceDays: number;
  startsOn: string | null;
  dueOn: string | null;
  lastCheckIn: string | null;
  checkIns: number;
  /** Last check-in (or the start) + cadence; null unless active. */
  nextCheckIn: string | null;
  overdue: boolean;
}

interface MentorshipFilter {
  /** Mentorships where this member is mentor or mentee. */
  participant?: string;
  /** Mentorships whose mentee is one of the people in a gap view's scope. */
  menteesIn?: GapScope;
  /** Mentorships whose mentee is in a team this member leads (a lead's calendar feed). */
  menteesLedBy?: string;
  mentorshipId?: string;
  topicId?: string;
  status?: MentorshipStatus;
  /** Keyset paging by id (the API); without it, the board's order and at most 500. */
  page?: { afterId: string | null; limit: number };
}

/** Mentorships of the organisation matching the filter, with their check-in rhythm. */
export async function listMentorships(
  organizationId: string,
  filter: MentorshipFilter,
  today: string,
): Promise<MentorshipSummary[]> {
  const conditions = [sql`ms.organization_id = ${organizationId}`];
  if (filter.participant)
    conditions.push(
      sql`(ms.mentor_id = ${filter.participant} OR ms.mentee_id = ${filter.participant})`,
    );
  if (filter.menteesIn) conditions.push(sql`ms.mentee_id IN (SELECT id FROM scope_members)`);
  if (filter.menteesLedBy)
    conditions.push(sql`ms.mentee_id IN (SELECT theirs.membership_id FROM team_members mine
      JOIN team_members theirs ON theirs.team_id = mine.team_id
      WHERE mine.membership_id = ${filter.menteesLedBy} AND mine.is_lead)`);
  if (filter.mentorshipId) conditions.push(sql`ms.id = ${filter.mentorshipId}`);
  if (filter.topicId) conditions.push(sql`ms.topic_id = ${filter.topicId}`);
  if (filter.status) conditions.push(sql`ms.status = ${filter.status}`);
  if (filter.page?.afterId) conditions.push(sql`ms.id > ${filter.page.afterId}`);
  const scope = filter.menteesIn ? sql`WITH ${scopeCtes(filter.menteesIn)}` : sql``;
  const { rows } = await sql<MentorshipSummary>`
    ${scope}
    SELECT ms.id, ms.status, ms.mentor_id AS "mentorId", tu.display_name AS "mentorName",
      ms.mentee_id AS "menteeId", mu.display_name AS "menteeName", ms.topic_id AS "topicId",
      coalesce(t.name, 'Retired topic') AS "topicName", ms.goal_level AS "goalLevel",
      ms.baseline_level AS "levelBefore", cl.level AS "levelNow",
      ms.cadence_days AS "cadenceDays", ms.starts_on AS "startsOn", ms.due_on AS "dueOn",
      ci.last AS "lastCheckIn", coalesce(ci.n, 0)::int AS "checkIns",
      CASE WHEN ms.status = 'active'
        THEN (coalesce(ci.last, ms.starts_on) + ms.cadence_days)::text END AS "nextCheckIn",
      coalesce(ms.status = 'active'
        AND coalesce(ci.last, ms.starts_on) + ms.cadence_days < ${today}::date, false) AS overdue
    FROM mentorships ms
    JOIN memberships mentee ON mentee.id = ms.mentee_id
    JOIN users mu ON mu.id = mentee.user_id
    JOIN memberships mentor ON mentor.id = ms.mentor_id
    JOIN users tu ON tu.id = mentor.user_id
    JOIN organizations o ON o.id = ms.organization_id
    LEFT JOIN frameworks f ON f.id = o.default_framework_id
    LEFT JOIN topic_revisions t
      ON t.framework_version_id = f.current_version_id AND t.topic_id = ms.topic_id
    LEFT JOIN member_levels cl ON cl.member_id = ms.mentee_id AND cl.topic_id = ms.topic_id
    LEFT JOIN LATERAL (
      SELECT max(c.occurred_on) AS last, count(*) AS n FROM check_ins c WHERE c.mentorship_id = ms.id
    ) ci ON true
    WHERE ${sql.join(conditions, sql` AND `)}
    ${
      filter.page
        ? sql`ORDER BY ms.id LIMIT ${filter.page.limit}`
        : sql`ORDER BY (ms.status = 'proposed') DESC, (ms.status = 'active') DESC, ms.created_at DESC
    LIMIT 500`
    }`.execute(db);
  return rows;
}

/** One mentorship with its check-ins, for its mentor, mentee, the mentee's lead or an admin. */
export async function getMentorship(ctx: MemberContext, mentorshipId: string) {
  if (!z.uuid().safeParse(mentorshipId).success) throw notFound("Mentorship");
  const today = todayIn(ctx.organization.timeZone);
  const [mentorship] = await listMentorships(ctx.organization.id, { mentorshipId }, today);
  if (!mentorship) throw notFound("Mentorship");
  const role = await roleIn(ctx, {
    mentor_id: mentorship.mentorId,
    mentee_id: mentorship.menteeId,
  });
  if (!role) throw notFound("Mentorship");
  const checkIns = await db
    .selectFrom("check_ins as c")
    .leftJoin("users as u", "u.id", "c.logged_by_user_id")
    .select(["c.id", "c.occurred_on", "c.notes", "c.level_estimate", "u.display_name as logged_by"])
    .where("c.organization_id", "=", ctx.organization.id)
    .where("c.mentorship_id", "=", mentorship.id)
    .orderBy("c.occurred_on", "desc")
    .orderBy("c.created_at", "desc")
    .execute();
  return { mentorship, role, checkIns, today };
}
