/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The worker loads these through tsx, outside Vite: the pragmas keep its JSX on React 17+'s
// automatic runtime whatever tsconfig tsx finds.
import { toPlainText } from "@react-email/render";
import type { ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import type { MessageContent } from "./message-content";
import type { MutableKind } from "./mutes.server";
import {
  AssessmentValidatedEmail,
  InvitationEmail,
  MentorshipAcceptedEmail,
  MentorshipProposedEmail,
  PasswordResetEmail,
  REMINDER_EMAILS,
  type AssessmentValidatedProps,
  type MentorshipAcceptedProps,
  type MentorshipProposedProps,
} from "./emails/message-emails";

// Each message's subject, HTML and plain text, both bodies rendered from the same React Email
// component (./emails). React escapes every interpolated value. Rendering is synchronous
// (react-dom's static markup, then @react-email/render's HTML-to-text), so the reminder scan
// and the transactions that write messages stay as they are; React Email's async render()
// does the same two steps.

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const TEXT_OPTIONS = {
  // The action reads "Label: URL" in the text part, as it always has.
  selectors: [{ selector: "a.action", format: "actionLink" }],
  formatters: {
    actionLink: (
      elem: { attribs?: Record<string, string>; children: unknown[] },
      walk: (nodes: unknown[], builder: unknown) => void,
      builder: {
        openBlock(o: object): void;
        addInline(s: string): void;
        closeBlock(o: object): void;
      },
    ) => {
      builder.openBlock({ leadingLineBreaks: 2 });
      walk(elem.children, builder);
      builder.addInline(`: ${elem.attribs?.href ?? ""}`);
      builder.closeBlock({ trailingLineBreaks: 2 });
    },
  },
};

export function renderEmail(subject: string, element: ReactElement): Rendered {
  const html = `<!DOCTYPE html>${renderToStaticMarkup(element)}`;
  const text = `${toPlainText(html, TEXT_OPTIONS as never).trim()}\n`;
  return { subject, html, text };
}

/** A moment as the organisation reads it: "Monday 7 December 2026, 14:05 (Europe/Berlin)". */
export function zonedMoment(moment: Date, timeZone: string) {
  const formatted = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(moment);
  return `${formatted} (${timeZone})`;
}

export function invitationEmail(input: {
  organizationName: string;
  inviterName: string;
  role: string;
  link: string;
  expiresAt: Date;
  timeZone: string;
}): Rendered {
  return renderEmail(
    `${input.inviterName} invited you to ${input.organizationName} on Gapmap`,
    <InvitationEmail {...input} expires={zonedMoment(input.expiresAt, input.timeZone)} />,
  );
}

/** A reset belongs to no organisation, so its expiry is given in UTC. */
export function passwordResetEmail(input: {
  displayName: string;
  link: string;
  expiresAt: Date;
}): Rendered {
  return renderEmail(
    "Reset your Gapmap password",
    <PasswordResetEmail {...input} expires={zonedMoment(input.expiresAt, "UTC")} />,
  );
}

export function mentorshipProposedEmail(input: MentorshipProposedProps): Rendered {
  return renderEmail(
    input.role === "mentor"
      ? `Would you mentor ${input.menteeName} on ${input.topicName}?`
      : `${input.mentorName} is proposed as your mentor on ${input.topicName}`,
    <MentorshipProposedEmail {...input} />,
  );
}

export function mentorshipAcceptedEmail(input: MentorshipAcceptedProps): Rendered {
  return renderEmail(
    `${input.mentorName} will mentor you on ${input.topicName}`,
    <MentorshipAcceptedEmail {...input} />,
  );
}

export function assessmentValidatedEmail(input: AssessmentValidatedProps): Rendered {
  return renderEmail(
    `${input.leadName} validated your ${input.cycleName} assessment`,
    <AssessmentValidatedEmail {...input} />,
  );
}

export type { DifferingTopic } from "./emails/message-emails";

// A scan writes the same reminder to thousands of people, who differ only by name and mute
// link, and rendering one takes milliseconds. So each distinct reminder is rendered once with
// placeholders for those two, kept, and filled in per person (escaped for the HTML part).
const NAME = "GapmapRecipientName7f3a";
const MUTE = "https://gapmap.invalid/GapmapMuteUrl7f3a";
const renderedReminders = new Map<string, Rendered>();
const KEPT_REMINDERS = 500;

const escapeHtml = (value: string) =>
  value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#x27;");

/** Every scheduled reminder: a greeting, what is due, one action, and how to stop this kind. */
export function reminderEmail(input: {
  kind: MutableKind;
  recipientName: string;
  content: MessageContent;
  kindLabel: string;
  muteUrl: string;
}): Rendered {
  const key = JSON.stringify([input.kind, input.content, input.kindLabel]);
  let template = renderedReminders.get(key);
  if (!template) {
    const Component = REMINDER_EMAILS[input.kind];
    template = renderEmail(
      input.content.title,
      <Component {...input} recipientName={NAME} muteUrl={MUTE} />,
    );
    if (renderedReminders.size >= KEPT_REMINDERS) renderedReminders.clear();
    renderedReminders.set(key, template);
  }
  const fill = (body: string, escape: (v: string) => string) =>
    body.replaceAll(NAME, escape(input.recipientName)).replaceAll(MUTE, escape(input.muteUrl));
  return {
    subject: template.subject,
    html: fill(template.html, escapeHtml),
    text: fill(template.text, (v) => v),
  };
}
