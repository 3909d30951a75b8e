import { sql, type Transaction } from "kysely";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { env } from "~/lib/env.server";
import type { MessageContent } from "./message-content";
import { KIND_LABEL, type MutableKind, muteUrl } from "./mutes.server";
import { reminderEmail } from "./templates.server";

// The reminder scan: run on a schedule by the worker, it decides in each organisation's time
// zone which reminders are due and writes them to the outbox. Every message's idempotency
// key names its kind, recipient and subject period, so running the scan again (or on several
// workers at once) writes nothing twice. Muted kinds are skipped.

interface Recipient {
  organization_id: string;
  user_id: string;
  email: string;
  display_name: string;
}

interface Planned {
  organizationId: string;
  kind: MutableKind;
  userId: string;
  email: string;
  key: string;
  subject: string;
  text: string;
  html: string;
  actionUrl: string;
  content: MessageContent;
}

type OrgFilter = (alias: string) => ReturnType<typeof sql>;

/** "today" in the organisation's time zone, as of `now`. */
const todayOf = (now: Date) => sql<string>`(${now}::timestamptz AT TIME ZONE o.time_zone)::date`;

function plan(
  kind: MutableKind,
  r: Recipient,
  key: string,
  content: { subject: string; lines: string[]; actionLabel: string; path: string },
): Planned {
  const actionUrl = `${env().APP_URL}${content.path}`;
  const model: MessageContent = {
    kind,
    title: content.subject,
    lines: content.lines,
    action: { label: content.actionLabel, url: actionUrl },
  };
  const message = reminderEmail({
    kind,
    recipientName: r.display_name,
    content: model,
    kindLabel: KIND_LABEL[kind],
    muteUrl: muteUrl({ organizationId: r.organization_id, userId: r.user_id, kind }),
  });
  return {
    organizationId: r.organization_id,
    kind,
    userId: r.user_id,
    email: r.email,
    key,
    actionUrl,
    content: model,
    ...message,
  };
}

async function cycleReminders(now: Date, only: OrgFilter): Promise<Planned[]> {
  // Active members of organisations with an open cycle, with their assessment's status and
  // which due-date reminder (the nearest configured "N days before") is current today.
  const { rows } = await sql<
    Recipient & {
      cycle_id: string;
      cycle_name: string;
      due_on: string;
      status: string | null;
      today: string;
      days_before: number | null;
      overdue: boolean;
    }
  >`
    SELECT m.organization_id, m.user_id, u.email, u.display_name, c.id AS cycle_id,
      c.name AS cycle_name, c.due_on, a.status, ${todayOf(now)}::text AS today,
      (SELECT min(n) FROM unnest(o.due_reminder_days) n
        WHERE ${todayOf(now)} BETWEEN c.due_on - n AND c.due_on) AS days_before,
      ${todayOf(now)} > c.due_on AS overdue
    FROM cycles c
    JOIN organizations o ON o.id = c.organization_id
    JOIN memberships m ON m.organization_id = c.organization_id AND m.active
    JOIN users u ON u.id = m.user_id
    LEFT JOIN assessments a ON a.cycle_id = c.id AND a.member_id = m.id
    WHERE c.status = 'open' AND ${todayOf(now)} >= c.starts_on ${only("c")}`.execute(db);
  const planned: Planned[] = [];
  for (const r of rows) {
    const open = r.status === null || r.status === "draft";
    if (r.today <= r.due_on)
      planned.push(
        plan("cycle_opened", r, `cycle_opened:${r.cycle_id}:${r.user_id}`, {
          subject: `${r.cycle_name} is open: time for your self-assessment`,
          lines: [
            `The ${r.cycle_name} review cycle is open. Your draft is pre-filled from your last ratings; confirm or change them by ${r.due_on}.`,
          ],
          actionLabel: "Open your self-assessment",
          path: "/assessment",
        }),
      );
    if (open && r.days_before !== null && !r.overdue)
      planned.push(
        plan("assessment_due", r, `assessment_due:${r.cycle_id}:${r.days_before}:${r.user_id}`, {
          subject: `Your ${r.cycle_name} self-assessment is due ${r.days_before === 0 ? "today" : `in ${r.days_before} day${r.days_before === 1 ? "" : "s"}`}`,
          lines: [`Please finish and submit your ${r.cycle_name} self-assessment by ${r.due_on}.`],
          actionLabel: "Continue your self-assessment",
          path: "/assessment",
        }),
      );
    if (open && r.overdue)
      planned.push(
        plan("assessment_overdue", r, `assessment_overdue:${r.cycle_id}:${r.user_id}`, {
          subject: `Your ${r.cycle_name} self-assessment is overdue`,
          lines: [
            `Your ${r.cycle_name} self-assessment was due on ${r.due_on} and is not submitted yet. Your lead is waiting for it to validate.`,
          ],
          actionLabel: "Finish your self-assessment",
          path: "/assessment",
        }),
      );
  }
  return planned;
}

async function checkInReminders(now: Date, only: OrgFilter): Promise<Planned[]> {
  const { rows } = await sql<
    Recipient & { mentorship_id: string; next_on: string; other: string; topic: string }
  >`
    WITH due AS (
      SELECT ms.id, ms.organization_id, ms.mentor_id, ms.mentee_id, ms.topic_id,
        (coalesce((SELECT max(c.occurred_on) FROM check_ins c WHERE c.mentorship_id = ms.id),
          ms.starts_on) + ms.cadence_days)::text AS next_on
      FROM mentorships ms
      JOIN organizations o ON o.id = ms.organization_id
      WHERE ms.status = 'active' AND ms.starts_on IS NOT NULL ${only("ms")}
        AND coalesce((SELECT max(c.occurred_on) FROM check_ins c WHERE c.mentorship_id = ms.id),
          ms.starts_on) + ms.cadence_days <= ${todayOf(now)}
    )
    SELECT m.organization_id, m.user_id, u.email, u.display_name, d.id AS mentorship_id,
      d.next_on, ou.display_name AS other, coalesce(t.name, 'your topic') AS topic
    FROM due d
    JOIN memberships m ON m.id IN (d.mentor_id, d.mentee_id) AND m.active
    JOIN users u ON u.id = m.user_id
    JOIN memberships om ON om.id = CASE WHEN m.id = d.mentor_id THEN d.mentee_id ELSE d.mentor_id END
    JOIN users ou ON ou.id = om.user_id
    JOIN organizations o ON o.id = d.organization_id
    LEFT JOIN frameworks f ON f.id = o.default_framework_id
    LEFT JOIN topic_revisions t
      ON t.framework_version_id = f.current_version_id AND t.topic_id = d.topic_id`.execute(db);
  return rows.map((r) =>
    plan("check_in_due", r, `check_in_due:${r.mentorship_id}:${r.next_on}:${r.user_id}`, {
      subject: `Mentoring check-in with ${r.other} is due`,
      lines: [
        `Your check-in with ${r.other} on ${r.topic} was due on ${r.next_on}. Meet, then log it in Gapmap so the next one is planned.`,
      ],
      actionLabel: "Log the check-in",
      path: `/mentoring/${r.mentorship_id}`,
    }),
  );
}

async function planGoalReminders(now: Date, only: OrgFilter): Promise<Planned[]> {
  // Development-plan goals due in the open cycle and not met yet (a person's level is
  // member_levels), once per person and cycle, from the first due-date reminder day on.
  const { rows } = await sql<Recipient & { cycle_id: string; cycle_name: string; goals: string[] }>`
    SELECT m.organization_id, m.user_id, u.email, u.display_name, c.id AS cycle_id,
      c.name AS cycle_name,
      array_agg(coalesce(t.name, 'a topic') || ' to level ' || g.target_level
        || ' (now ' || coalesce(ml.level::text, 'not rated') || ')' ORDER BY g.position) AS goals
    FROM cycles c
    JOIN organizations o ON o.id = c.organization_id
    JOIN plan_goals g ON g.due_cycle_id = c.id
    JOIN development_plans p ON p.id = g.plan_id AND p.status = 'active'
    JOIN memberships m ON m.id = p.member_id AND m.active
    JOIN users u ON u.id = m.user_id
    LEFT JOIN frameworks f ON f.id = o.default_framework_id
    LEFT JOIN topic_revisions t
      ON t.framework_version_id = f.current_version_id AND t.topic_id = g.topic_id
    LEFT JOIN member_levels ml ON ml.member_id = m.id AND ml.topic_id = g.topic_id
    WHERE c.status = 'open' ${only("c")}
      AND ${todayOf(now)} >= c.due_on - coalesce((SELECT max(n) FROM unnest(o.due_reminder_days) n), 0)
      AND (ml.level IS NULL OR ml.level < g.target_level)
    GROUP BY m.organization_id, m.user_id, u.email, u.display_name, c.id, c.name`.execute(db);
  return rows.map((r) =>
    plan("plan_goal_due", r, `plan_goal_due:${r.cycle_id}:${r.user_id}`, {
      subject: `${r.goals.length} development-plan goal${r.goals.length === 1 ? " is" : "s are"} due in ${r.cycle_name}`,
      lines: [`Still to reach by the end of ${r.cycle_name}: ${r.goals.join("; ")}.`],
      actionLabel: "Open your plan",
      path: "/growth",
    }),
  );
}

async function leadDigests(now: Date, only: OrgFilter): Promise<Planned[]> {
  // One digest per lead per ISO week: submissions to validate, calibration items and gaps
  // without a mentor, across the teams they lead. Nothing to say, no email.
  const { rows } = await sql<
    Recipient & {
      week: string;
      pending: number;
      calibrate: number;
      unmentored: number;
      plan_goals: number;
    }
  >`
    WITH leads AS (
      SELECT DISTINCT m.id, m.organization_id, m.user_id, to_char(${todayOf(now)}, 'IYYY-"W"IW') AS week
      FROM team_members tm
      JOIN memberships m ON m.id = tm.membership_id AND m.active
      JOIN organizations o ON o.id = m.organization_id
      WHERE tm.is_lead ${only("m")}
    ),
    led AS (
      SELECT DISTINCT l.id AS lead_id, theirs.membership_id AS member_id
      FROM leads l
      JOIN team_members mine ON mine.membership_id = l.id AND mine.is_lead
      JOIN team_members theirs ON theirs.team_id = mine.team_id AND theirs.membership_id <> l.id
      JOIN memberships p ON p.id = theirs.membership_id AND p.active
    )
    SELECT l.organization_id, l.user_id, u.email, u.display_name, l.week,
      (SELECT count(*)::int FROM led JOIN assessments a ON a.member_id = led.member_id
        JOIN cycles c ON c.id = a.cycle_id AND c.status = 'open'
        WHERE led.lead_id = l.id AND a.status = 'submitted') AS pending,
      (SELECT count(*)::int FROM led JOIN current_levels cl ON cl.member_id = led.member_id
        WHERE led.lead_id = l.id AND abs(cl.self_level - cl.lead_level) >= 2) AS calibrate,
      (SELECT count(*)::int FROM led
        JOIN memberships p ON p.id = led.member_id
        JOIN organizations po ON po.id = p.organization_id
        JOIN frameworks f ON f.id = po.default_framework_id
        JOIN topic_targets tt ON tt.framework_version_id = f.current_version_id
          AND tt.target_profile_id = p.target_profile_id
        JOIN topic_revisions tr ON tr.framework_version_id = tt.framework_version_id
          AND tr.topic_id = tt.topic_id AND NOT tr.retired
        JOIN member_levels cl ON cl.member_id = p.id AND cl.topic_id = tt.topic_id
        WHERE led.lead_id = l.id AND cl.level < tt.target_level
          AND NOT EXISTS (SELECT 1 FROM mentorships ms
            WHERE ms.organization_id = p.organization_id AND ms.mentee_id = p.id
              AND ms.topic_id = tt.topic_id AND ms.status IN ('proposed', 'active'))) AS unmentored,
      (SELECT count(*)::int FROM led
        JOIN development_plans p ON p.member_id = led.member_id AND p.status = 'active'
        JOIN plan_goals g ON g.plan_id = p.id
        JOIN cycles c ON c.id = g.due_cycle_id AND c.status = 'open'
        LEFT JOIN member_levels cl ON cl.member_id = p.member_id AND cl.topic_id = g.topic_id
        WHERE led.lead_id = l.id AND (cl.level IS NULL OR cl.level < g.target_level)) AS plan_goals
    FROM leads l
    JOIN users u ON u.id = l.user_id`.execute(db);
  return rows
    .filter((r) => r.pending > 0 || r.calibrate > 0 || r.unmentored > 0 || r.plan_goals > 0)
    .map((r) =>
      plan("lead_digest", r, `lead_digest:${r.week}:${r.organization_id}:${r.user_id}`, {
        subject: `Your teams this week: ${r.pending} to validate, ${r.calibrate} to calibrate`,
        lines: [
          `${r.pending} submitted self-assessment${r.pending === 1 ? " waits" : "s wait"} for your validation.`,
          `${r.calibrate} topic${r.calibrate === 1 ? " has" : "s have"} self and lead levels two or more apart: worth a 1:1.`,
          `${r.unmentored} gap${r.unmentored === 1 ? "" : "s"} below target ${r.unmentored === 1 ? "has" : "have"} no mentor yet.`,
          ...(r.plan_goals > 0
            ? [
                `${r.plan_goals} development-plan goal${r.plan_goals === 1 ? " is" : "s are"} due this cycle and not met yet (Team readiness).`,
              ]
            : []),
        ],
        actionLabel: "Open validation and calibration",
        path: "/gaps/review",
      }),
    );
}

/**
 * Decides which reminders are due at `now` and writes them to the outbox (once each, by key),
 * skipping muted kinds, for every organisation or just one. Returns how many new messages
 * were written.
 */
export async function planReminders(
  now: Date,
  { organizationId }: { organizationId?: string } = {},
): Promise<number> {
  // A closed organisation (its deletion pending) gets no reminders; each query joins it as `o`.
  const only: OrgFilter = (alias) =>
    sql`AND o.closed_at IS NULL ${organizationId ? sql`AND ${sql.ref(`${alias}.organization_id`)} = ${organizationId}` : sql``}`;
  const planned = (
    await Promise.all([
      cycleReminders(now, only),
      checkInReminders(now, only),
      leadDigests(now, only),
      planGoalReminders(now, only),
    ])
  ).flat();
  if (!planned.length) return 0;
  const muted = await db
    .selectFrom("notification_mutes")
    .select(["organization_id", "user_id", "kind"])
    .where("user_id", "in", [...new Set(planned.map((p) => p.userId))])
    .execute();
  const mutedKeys = new Set(muted.map((m) => `${m.organization_id}:${m.user_id}:${m.kind}`));
  const rows = planned
    .filter((p) => !mutedKeys.has(`${p.organizationId}:${p.userId}:${p.kind}`))
    .map((p) => ({
      organization_id: p.organizationId,
      kind: p.kind,
      recipient_user_id: p.userId,
      recipient_email: p.email,
      idempotency_key: p.key,
      subject: p.subject,
      body_text: p.text,
      body_html: p.html,
      action_url: p.actionUrl,
      content: JSON.stringify(p.content),
    }));
  let written = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const inserted = await db
      .insertInto("notifications")
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.column("idempotency_key").doNothing())
      .returning("id")
      .execute();
    written += inserted.length;
  }
  return written;
}

/** The kinds of reminder about one cycle; their keys start `<kind>:<cycle id>:` (above). */
const CYCLE_REMINDER_KINDS = ["cycle_opened", "assessment_due", "assessment_overdue"] as const;

/**
 * Withdraws a cycle's reminders not yet sent, in the transaction that closes it: from the
 * moment it closes, nothing more about it goes out (a delivery under way holds its row and
 * finishes first; one that comes later finds nothing to send).
 */
export async function withdrawCycleReminders(
  trx: Transaction<Database>,
  organizationId: string,
  cycleId: string,
) {
  await trx
    .deleteFrom("notifications")
    .where("organization_id", "=", organizationId)
    .where("status", "=", "pending")
    .where("kind", "in", [...CYCLE_REMINDER_KINDS])
    .where((eb) =>
      eb.or(
        CYCLE_REMINDER_KINDS.map((kind) => eb("idempotency_key", "like", `${kind}:${cycleId}:%`)),
      ),
    )
    .execute(); // And its announcement to team channels, if not posted yet.
  await trx
    .deleteFrom("channel_deliveries")
    .where("organization_id", "=", organizationId)
    .where("status", "=", "pending")
    .where("idempotency_key", "like", `cycle_opened:${cycleId}:%`)
    .execute();
}
