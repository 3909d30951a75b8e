// Plain-text and HTML bodies for each message; every interpolated value is escaped.

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

function layout(
  paragraphs: string[],
  action: { label: string; url: string },
  footer: string,
): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
  return `<!doctype html><html><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2937">
${body}
<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>
<p style="color:#6b7280;font-size:13px">${escapeHtml(footer)}</p>
</body></html>`;
}

export function invitationEmail(input: {
  organizationName: string;
  inviterName: string;
  role: string;
  link: string;
  expiresAt: Date;
}): Rendered {
  const subject = `${input.inviterName} invited you to ${input.organizationName} on Gapmap`;
  const lines = [
    `${input.inviterName} invited you to join ${input.organizationName} on Gapmap as ${input.role}.`,
    "Gapmap is where your team keeps its skills framework, self-assessments and mentoring.",
  ];
  const footer = `This link works once and expires on ${input.expiresAt.toUTCString()}. If you did not expect it, ignore this email.`;
  return {
    subject,
    text: `${lines.join("\n\n")}\n\nAccept the invitation: ${input.link}\n\n${footer}\n`,
    html: layout(lines, { label: "Accept the invitation", url: input.link }, footer),
  };
}

export function passwordResetEmail(input: {
  displayName: string;
  link: string;
  expiresAt: Date;
}): Rendered {
  const subject = "Reset your Gapmap password";
  const lines = [
    `Hello ${input.displayName},`,
    "Someone (hopefully you) asked to reset the password of your Gapmap account.",
  ];
  const footer = `This link works once and expires on ${input.expiresAt.toUTCString()}. If you did not ask for it, ignore this email: your password stays as it is.`;
  return {
    subject,
    text: `${lines.join("\n\n")}\n\nChoose a new password: ${input.link}\n\n${footer}\n`,
    html: layout(lines, { label: "Choose a new password", url: input.link }, footer),
  };
}

export function mentorshipProposedEmail(input: {
  recipientName: string;
  role: "mentor" | "mentee";
  proposerName: string;
  mentorName: string;
  menteeName: string;
  topicName: string;
  goalLevel: number;
  link: string;
}): Rendered {
  const subject =
    input.role === "mentor"
      ? `Would you mentor ${input.menteeName} on ${input.topicName}?`
      : `${input.mentorName} is proposed as your mentor on ${input.topicName}`;
  const lines = [
    `Hello ${input.recipientName},`,
    input.role === "mentor"
      ? `${input.proposerName} proposed that you mentor ${input.menteeName} on ${input.topicName}, aiming for level ${input.goalLevel}. Accept or decline it in Gapmap.`
      : `${input.proposerName} proposed ${input.mentorName} as your mentor on ${input.topicName}, aiming for level ${input.goalLevel}. It starts once ${input.mentorName} accepts.`,
  ];
  const footer = "You receive this because a lead set up mentoring for you in Gapmap.";
  const label = input.role === "mentor" ? "Answer the proposal" : "See the mentorship";
  return {
    subject,
    text: `${lines.join("\n\n")}\n\n${label}: ${input.link}\n\n${footer}\n`,
    html: layout(lines, { label, url: input.link }, footer),
  };
}

export function mentorshipAcceptedEmail(input: {
  menteeName: string;
  mentorName: string;
  topicName: string;
  link: string;
}): Rendered {
  const subject = `${input.mentorName} will mentor you on ${input.topicName}`;
  const lines = [
    `Hello ${input.menteeName},`,
    `${input.mentorName} accepted to mentor you on ${input.topicName}. Agree on a first check-in and log it in Gapmap.`,
  ];
  const footer = "You receive this because a lead set up mentoring for you in Gapmap.";
  return {
    subject,
    text: `${lines.join("\n\n")}\n\nSee the mentorship: ${input.link}\n\n${footer}\n`,
    html: layout(lines, { label: "See the mentorship", url: input.link }, footer),
  };
}

/** Every scheduled reminder: a greeting, what is due, one action, and how to stop this kind. */
export function reminderEmail(input: {
  recipientName: string;
  subject: string;
  lines: string[];
  actionLabel: string;
  actionUrl: string;
  kindLabel: string;
  muteUrl: string;
}): Rendered {
  const lines = [`Hello ${input.recipientName},`, ...input.lines];
  const footer = `You receive "${input.kindLabel}" emails from Gapmap. Stop them: ${input.muteUrl}`;
  return {
    subject: input.subject,
    text: `${lines.join("\n\n")}\n\n${input.actionLabel}: ${input.actionUrl}\n\n${footer}\n`,
    html: layout(lines, { label: input.actionLabel, url: input.actionUrl }, footer),
  };
}
