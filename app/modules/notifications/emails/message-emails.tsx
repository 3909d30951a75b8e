/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The worker loads these through tsx, outside Vite: the pragmas keep its JSX on React 17+'s
// automatic runtime whatever tsconfig tsx finds.
import { Link } from "@react-email/link";
import type { MessageContent } from "../message-content";
import type { MutableKind } from "../mutes.server";
import { EmailLayout, Lines, Paragraph } from "./email-layout";

// One component per message kind. A reminder's wording comes from its message model (the
// scan that decides it is due writes it, and team channels post the same words); the
// component decides how that kind reads as an email.

export interface InvitationProps {
  organizationName: string;
  inviterName: string;
  role: string;
  link: string;
  /** When the link expires, already written in the organisation's time zone. */
  expires: string;
}

export function InvitationEmail(p: InvitationProps) {
  return (
    <EmailLayout
      preview={`${p.inviterName} invited you to ${p.organizationName}`}
      action={{ label: "Accept the invitation", url: p.link }}
      footer={`This link works once and expires on ${p.expires}. If you did not expect it, ignore this email.`}
    >
      <Paragraph>
        {p.inviterName} invited you to join {p.organizationName} on Gapmap as {p.role}.
      </Paragraph>
      <Paragraph>
        Gapmap is where your team keeps its skills framework, self-assessments and mentoring.
      </Paragraph>
    </EmailLayout>
  );
}

export interface PasswordResetProps {
  displayName: string;
  link: string;
  expires: string;
}

export function PasswordResetEmail(p: PasswordResetProps) {
  return (
    <EmailLayout
      preview="Reset your Gapmap password"
      action={{ label: "Choose a new password", url: p.link }}
      footer={`This link works once and expires on ${p.expires}. If you did not ask for it, ignore this email: your password stays as it is.`}
    >
      <Paragraph>Hello {p.displayName},</Paragraph>
      <Paragraph>
        Someone (hopefully you) asked to reset the password of your Gapmap account.
      </Paragraph>
    </EmailLayout>
  );
}

export interface MentorshipProposedProps {
  recipientName: string;
  role: "mentor" | "mentee";
  proposerName: string;
  mentorName: string;
  menteeName: string;
  topicName: string;
  goalLevel: number;
  link: string;
}

export function MentorshipProposedEmail(p: MentorshipProposedProps) {
  return (
    <EmailLayout
      preview={
        p.role === "mentor"
          ? `Would you mentor ${p.menteeName}?`
          : `${p.mentorName} is proposed as your mentor`
      }
      action={{
        label: p.role === "mentor" ? "Answer the proposal" : "See the mentorship",
        url: p.link,
      }}
      footer="You receive this because a lead set up mentoring for you in Gapmap."
    >
      <Paragraph>Hello {p.recipientName},</Paragraph>
      <Paragraph>
        {p.role === "mentor"
          ? `${p.proposerName} proposed that you mentor ${p.menteeName} on ${p.topicName}, aiming for level ${p.goalLevel}. Accept or decline it in Gapmap.`
          : `${p.proposerName} proposed ${p.mentorName} as your mentor on ${p.topicName}, aiming for level ${p.goalLevel}. It starts once ${p.mentorName} accepts.`}
      </Paragraph>
    </EmailLayout>
  );
}

export interface MentorshipAcceptedProps {
  menteeName: string;
  mentorName: string;
  topicName: string;
  link: string;
}

export function MentorshipAcceptedEmail(p: MentorshipAcceptedProps) {
  return (
    <EmailLayout
      preview={`${p.mentorName} will mentor you on ${p.topicName}`}
      action={{ label: "See the mentorship", url: p.link }}
      footer="You receive this because a lead set up mentoring for you in Gapmap."
    >
      <Paragraph>Hello {p.menteeName},</Paragraph>
      <Paragraph>
        {p.mentorName} accepted to mentor you on {p.topicName}. Agree on a first check-in and log it
        in Gapmap.
      </Paragraph>
    </EmailLayout>
  );
}

/** A topic where the lead's validated level differs from the member's own. */
export interface DifferingTopic {
  topicName: string;
  self: number | null;
  lead: number | null;
  comment: string | null;
}

export interface AssessmentValidatedProps {
  memberName: string;
  leadName: string;
  cycleName: string;
  differing: DifferingTopic[];
  link: string;
}

const levelWord = (level: number | null) => (level === null ? "N/A" : String(level));

export function AssessmentValidatedEmail(p: AssessmentValidatedProps) {
  const count = p.differing.length;
  return (
    <EmailLayout
      preview={`${p.leadName} validated your ${p.cycleName} assessment`}
      action={{ label: "See your assessment", url: p.link }}
      footer="You receive this because your lead validated your assessment in Gapmap."
    >
      <Paragraph>Hello {p.memberName},</Paragraph>
      <Paragraph>
        {count === 0
          ? `${p.leadName} validated your ${p.cycleName} self-assessment and agrees with your levels.`
          : `${p.leadName} validated your ${p.cycleName} self-assessment. On ${count} topic${count === 1 ? "" : "s"} your lead's level differs from yours:`}
      </Paragraph>
      <Lines
        lines={p.differing.map(
          (d) =>
            `${d.topicName}: yours ${levelWord(d.self)}, your lead's ${levelWord(d.lead)}${d.comment ? ` — “${d.comment}”` : ""}`,
        )}
      />
      <Paragraph>
        Read it on your assessment page and acknowledge it, so your lead knows you have seen it.
      </Paragraph>
    </EmailLayout>
  );
}

export interface ReminderProps {
  recipientName: string;
  content: MessageContent;
  kindLabel: string;
  muteUrl: string;
}

function MuteFooter({ kindLabel, muteUrl }: { kindLabel: string; muteUrl: string }) {
  return (
    <>
      You receive &ldquo;{kindLabel}&rdquo; emails from Gapmap. Stop them:{" "}
      <Link href={muteUrl}>{muteUrl}</Link>
    </>
  );
}

/** A reminder whose lines are paragraphs: cycle opened, due, check-in, report ready. */
export function ParagraphReminder(p: ReminderProps) {
  return (
    <EmailLayout preview={p.content.title} action={p.content.action} footer={<MuteFooter {...p} />}>
      <Paragraph>Hello {p.recipientName},</Paragraph>
      {p.content.lines.map((line) => (
        <Paragraph key={line}>{line}</Paragraph>
      ))}
    </EmailLayout>
  );
}

/** Overdue: the same, with the line set apart so it is not read as routine. */
export function AssessmentOverdueEmail(p: ReminderProps) {
  return (
    <EmailLayout preview={p.content.title} action={p.content.action} footer={<MuteFooter {...p} />}>
      <Paragraph>Hello {p.recipientName},</Paragraph>
      {p.content.lines.map((line) => (
        <Paragraph key={line}>
          <strong>{line}</strong>
        </Paragraph>
      ))}
    </EmailLayout>
  );
}

/** The lead's digest: its counts as a list. */
export function LeadDigestEmail(p: ReminderProps) {
  return (
    <EmailLayout preview={p.content.title} action={p.content.action} footer={<MuteFooter {...p} />}>
      <Paragraph>Hello {p.recipientName},</Paragraph>
      <Paragraph>This week in the teams you lead:</Paragraph>
      <Lines lines={p.content.lines} />
    </EmailLayout>
  );
}

/** Each reminder kind's email. */
export const REMINDER_EMAILS: Record<MutableKind, (p: ReminderProps) => React.JSX.Element> = {
  cycle_opened: ParagraphReminder,
  assessment_due: ParagraphReminder,
  assessment_overdue: AssessmentOverdueEmail,
  lead_digest: LeadDigestEmail,
  check_in_due: ParagraphReminder,
  report_ready: ParagraphReminder,
  plan_goal_due: ParagraphReminder,
};
