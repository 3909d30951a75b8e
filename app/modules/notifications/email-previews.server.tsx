import { db } from "#db/database";
import { env } from "~/lib/env.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { slackPayload, teamsPayload } from "./channel-delivery.server";
import { isTeamKind, type MessageContent } from "./message-content";
import { KIND_LABEL, MUTABLE_KINDS, muteUrl } from "./mutes.server";
import type { NotificationKind } from "./outbox.server";
import {
  assessmentValidatedEmail,
  invitationEmail,
  mentorshipAcceptedEmail,
  mentorshipProposedEmail,
  passwordResetEmail,
  reminderEmail,
} from "./templates.server";

// The admin's preview of every message kind: the email (HTML and text) and, for team kinds,
// the Slack and Teams posts, all rendered by the code that sends them. A reminder shows the
// organisation's latest real one of its kind when there is one, else an example.

export interface MessagePreview {
  kind: NotificationKind;
  label: string;
  subject: string;
  html: string;
  text: string;
  example: boolean;
  slack: unknown;
  teams: unknown;
}

const EXAMPLE_LINES: Record<
  (typeof MUTABLE_KINDS)[number],
  { title: string; lines: string[]; label: string; path: string }
> = {
  cycle_opened: {
    title: "2027-Q1 is open: time for your self-assessment",
    lines: [
      "The 2027-Q1 review cycle is open. Your draft is pre-filled from your last ratings; confirm or change them by 2027-02-15.",
    ],
    label: "Open your self-assessment",
    path: "/assessment",
  },
  assessment_due: {
    title: "Your 2027-Q1 self-assessment is due in 7 days",
    lines: ["Please finish and submit your 2027-Q1 self-assessment by 2027-02-15."],
    label: "Continue your self-assessment",
    path: "/assessment",
  },
  assessment_overdue: {
    title: "Your 2027-Q1 self-assessment is overdue",
    lines: [
      "Your 2027-Q1 self-assessment was due on 2027-02-15 and is not submitted yet. Your lead is waiting for it to validate.",
    ],
    label: "Finish your self-assessment",
    path: "/assessment",
  },
  lead_digest: {
    title: "Your teams this week: 3 to validate, 1 to calibrate",
    lines: [
      "3 submitted self-assessments wait for your validation.",
      "1 topic has self and lead levels two or more apart: worth a 1:1.",
      "4 gaps below target have no mentor yet.",
    ],
    label: "Open validation and calibration",
    path: "/gaps/review",
  },
  check_in_due: {
    title: "Mentoring check-in with Grace Hopper is due",
    lines: [
      "Your check-in with Grace Hopper on Kubernetes was due on 2027-01-20. Meet, then log it in Gapmap so the next one is planned.",
    ],
    label: "Log the check-in",
    path: "/mentoring",
  },
  plan_goal_due: {
    title: "2 development-plan goals are due in 2027 Q1",
    lines: ["Still to reach by the end of 2027 Q1: Event loop (3); Secure coding (4)."],
    label: "Open your plan",
    path: "/growth",
  },
  report_ready: {
    title: "The 2026-Q4 report for Platform is ready",
    lines: [
      "The quarterly progress report of 2026-Q4 for Platform is ready: level changes since the previous cycle, gaps closed and opened, must-have targets, mentoring and the gaps that remain.",
    ],
    label: "Open the report",
    path: "/reports",
  },
};

export async function messagePreviews(ctx: MemberContext): Promise<MessagePreview[]> {
  const app = env().APP_URL;
  const expiresAt = new Date(Date.now() + 7 * 86_400_000);
  const previews: MessagePreview[] = [];
  const add = (
    kind: NotificationKind,
    label: string,
    rendered: { subject: string; html: string; text: string },
    example = true,
    content?: MessageContent,
  ) =>
    previews.push({
      kind,
      label,
      ...rendered,
      example,
      slack: content && isTeamKind(kind) ? slackPayload(content, "Platform") : null,
      teams: content && isTeamKind(kind) ? teamsPayload(content, "Platform") : null,
    });

  add(
    "invitation",
    "Invitation",
    invitationEmail({
      organizationName: ctx.organization.name,
      inviterName: ctx.user.displayName,
      role: "engineer",
      link: `${app}/invite/example`,
      expiresAt,
      timeZone: ctx.organization.timeZone,
    }),
  );
  add(
    "password_reset",
    "Password reset",
    passwordResetEmail({
      displayName: "Grace Hopper",
      link: `${app}/reset-password/example`,
      expiresAt,
    }),
  );
  add(
    "mentorship_proposed",
    "Mentorship proposed",
    mentorshipProposedEmail({
      recipientName: "Grace Hopper",
      role: "mentor",
      proposerName: ctx.user.displayName,
      mentorName: "Grace Hopper",
      menteeName: "Alan Turing",
      topicName: "Kubernetes",
      goalLevel: 3,
      link: `${app}/mentoring`,
    }),
  );
  add(
    "mentorship_accepted",
    "Mentorship accepted",
    mentorshipAcceptedEmail({
      menteeName: "Alan Turing",
      mentorName: "Grace Hopper",
      topicName: "Kubernetes",
      link: `${app}/mentoring`,
    }),
  );
  add(
    "assessment_validated",
    "Assessment validated",
    assessmentValidatedEmail({
      memberName: "Alan Turing",
      leadName: ctx.user.displayName,
      cycleName: "2027 Q1",
      differing: [
        {
          topicName: "Kubernetes",
          self: 3,
          lead: 2,
          comment: "Let's pair on the next cluster upgrade.",
        },
      ],
      link: `${app}/assessment`,
    }),
  );

  // The latest real model of each reminder kind in this organisation.
  const latest = await db
    .selectFrom("notifications")
    .distinctOn("kind")
    .select(["kind", "content"])
    .where("organization_id", "=", ctx.organization.id)
    .where("content", "is not", null)
    .where("kind", "in", [...MUTABLE_KINDS])
    .orderBy("kind")
    .orderBy("created_at", "desc")
    .execute();
  const real = new Map(latest.map((r) => [r.kind, r.content as MessageContent]));
  for (const kind of MUTABLE_KINDS) {
    const example = EXAMPLE_LINES[kind];
    const content = real.get(kind) ?? {
      kind,
      title: example.title,
      lines: example.lines,
      action: { label: example.label, url: `${app}${example.path}` },
    };
    add(
      kind,
      KIND_LABEL[kind],
      reminderEmail({
        kind,
        recipientName: ctx.user.displayName,
        content,
        kindLabel: KIND_LABEL[kind],
        muteUrl: muteUrl({ organizationId: ctx.organization.id, userId: ctx.user.id, kind }),
      }),
      !real.has(kind),
      content,
    );
  }
  return previews;
}
