import { sql } from "kysely";
import { db } from "#db/database";
import { env } from "~/lib/env.server";
import { enqueueTeamMessage } from "./channels.server";
import type { MessageContent } from "./message-content";

// Team messages for team channels, planned beside the personal reminder scan: a cycle's
// announcement once per cycle and team, and each lead's weekly digest posted to the channels
// of the teams they lead, in the digest's own words (its message model, stored with the
// email). Report-ready posts are written when the report is (reports/report-ready.server.ts).
// Nothing here names one person's status.

type OrgFilter = (alias: string) => ReturnType<typeof sql>;

const todayOf = (now: Date) => sql<string>`(${now}::timestamptz AT TIME ZONE o.time_zone)::date`;

/** The team announcement of an open cycle (also the sample on the preview page). */
export function cycleOpenedTeamContent(cycle: {
  id: string;
  name: string;
  teamName: string;
  startsOn: string;
  dueOn: string;
}): MessageContent {
  return {
    kind: "cycle_opened",
    title: `${cycle.name} is open: time for self-assessments`,
    lines: [
      `The ${cycle.name} review cycle is open for ${cycle.teamName}. Each draft is pre-filled from the last ratings; self-assessments are due by ${cycle.dueOn}.`,
    ],
    action: { label: "Open your self-assessment", url: `${env().APP_URL}/assessment` },
    data: {
      cycleId: cycle.id,
      cycleName: cycle.name,
      startsOn: cycle.startsOn,
      dueOn: cycle.dueOn,
    },
  };
}

async function cycleAnnouncements(now: Date, only: OrgFilter) {
  const { rows } = await sql<{
    organization_id: string;
    team_id: string;
    team_name: string;
    cycle_id: string;
    cycle_name: string;
    starts_on: string;
    due_on: string;
  }>`
    SELECT DISTINCT c.organization_id, t.id AS team_id, t.name AS team_name, c.id AS cycle_id,
      c.name AS cycle_name, c.starts_on::text, c.due_on::text
    FROM cycles c
    JOIN organizations o ON o.id = c.organization_id
    JOIN team_channels ch ON ch.organization_id = c.organization_id AND ch.disabled_at IS NULL
    JOIN teams t ON t.id = ch.team_id
    WHERE c.status = 'open' AND ${todayOf(now)} BETWEEN c.starts_on AND c.due_on ${only("c")}`.execute(
    db,
  );
  let written = 0;
  for (const r of rows) {
    written += await enqueueTeamMessage(db, {
      organizationId: r.organization_id,
      teamIds: [r.team_id],
      key: `cycle_opened:${r.cycle_id}:team:${r.team_id}`,
      content: cycleOpenedTeamContent({
        id: r.cycle_id,
        name: r.cycle_name,
        teamName: r.team_name,
        startsOn: r.starts_on,
        dueOn: r.due_on,
      }),
    });
  }
  return written;
}

async function digestPosts(only: OrgFilter) {
  // This week's digests (written by the reminder scan) of leads of teams with a channel.
  const { rows } = await sql<{
    organization_id: string;
    idempotency_key: string;
    content: MessageContent;
    team_ids: string[];
  }>`
    SELECT n.organization_id, n.idempotency_key, n.content, array_agg(DISTINCT tm.team_id) AS team_ids
    FROM notifications n
    JOIN memberships m ON m.organization_id = n.organization_id AND m.user_id = n.recipient_user_id
      AND m.active
    JOIN team_members tm ON tm.membership_id = m.id AND tm.is_lead
    JOIN team_channels ch ON ch.team_id = tm.team_id AND ch.disabled_at IS NULL
    WHERE n.kind = 'lead_digest' AND n.content IS NOT NULL
      AND n.created_at > now() - interval '7 days' ${only("n")}
    GROUP BY n.id`.execute(db);
  let written = 0;
  for (const r of rows) {
    written += await enqueueTeamMessage(db, {
      organizationId: r.organization_id,
      teamIds: r.team_ids,
      key: r.idempotency_key,
      content: r.content,
    });
  }
  return written;
}

/** Writes the team messages due at `now` to the channel outbox; returns how many are new. */
export async function planTeamMessages(
  now: Date,
  { organizationId }: { organizationId?: string } = {},
): Promise<number> {
  const only: OrgFilter = (alias) =>
    organizationId ? sql`AND ${sql.ref(`${alias}.organization_id`)} = ${organizationId}` : sql``;
  return (await cycleAnnouncements(now, only)) + (await digestPosts(only));
}
