import { type Kysely, sql } from "kysely";
import type { Database } from "#db/schema";
import { env } from "~/lib/env.server";
import { enqueueTeamMessage } from "~/modules/notifications/channels.server";
import type { MessageContent } from "~/modules/notifications/message-content";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import { KIND_LABEL, muteUrl } from "~/modules/notifications/mutes.server";
import { reminderEmail } from "~/modules/notifications/templates.server";

// "Report ready": a team's report goes to the team's leads, the organisation's report to its
// admins, through the outbox, once per report and person, unless they muted the kind.

export async function notifyReportReady(
  trx: Kysely<Database>,
  report: {
    id: string;
    organizationId: string;
    teamId: string | null;
    teamName: string | null;
    cycleName: string;
  },
) {
  const recipients = await sql<{ user_id: string; email: string; display_name: string }>`
    SELECT DISTINCT u.id AS user_id, u.email, u.display_name
    FROM memberships m
    JOIN users u ON u.id = m.user_id
    ${
      report.teamId
        ? sql`JOIN team_members tm ON tm.membership_id = m.id AND tm.team_id = ${report.teamId}
            AND tm.is_lead`
        : sql``
    }
    WHERE m.organization_id = ${report.organizationId} AND m.active
      ${report.teamId ? sql`` : sql`AND m.role = 'admin'`}
      AND NOT EXISTS (SELECT 1 FROM notification_mutes nm
        WHERE nm.organization_id = m.organization_id AND nm.user_id = m.user_id
          AND nm.kind = 'report_ready')`.execute(trx);
  const scope = report.teamName ?? "the whole organisation";
  const actionUrl = `${env().APP_URL}/reports/${report.id}`;
  const content: MessageContent = {
    kind: "report_ready",
    title: `The ${report.cycleName} report for ${scope} is ready`,
    lines: [
      `The quarterly progress report of ${report.cycleName} for ${scope} is ready: level changes since the previous cycle, gaps closed and opened, must-have targets, mentoring and the gaps that remain.`,
    ],
    action: { label: "Open the report", url: actionUrl },
    data: { reportId: report.id, cycleName: report.cycleName },
  };
  // A team's report is also posted to the team's channels (the organisation's has no team).
  if (report.teamId)
    await enqueueTeamMessage(trx, {
      organizationId: report.organizationId,
      teamIds: [report.teamId],
      key: `report_ready:${report.id}`,
      content,
    });
  for (const r of recipients.rows) {
    const message = reminderEmail({
      kind: "report_ready",
      recipientName: r.display_name,
      content,
      kindLabel: KIND_LABEL.report_ready,
      muteUrl: muteUrl({
        organizationId: report.organizationId,
        userId: r.user_id,
        kind: "report_ready",
      }),
    });
    await enqueueNotification(
      {
        organizationId: report.organizationId,
        kind: "report_ready",
        recipientUserId: r.user_id,
        recipientEmail: r.email,
        idempotencyKey: `report_ready:${report.id}:${r.user_id}`,
        subject: message.subject,
        text: message.text,
        html: message.html,
        actionUrl,
        content,
      },
      trx,
    );
  }
  return recipients.rows.length;
}
