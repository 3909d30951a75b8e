// The message model: what a message says, apart from the greeting and footer each medium
// adds. An email, a Slack post, a Teams card and a webhook body are rendered from it, so a
// kind's wording lives in one place (the function that builds its content).

export interface MessageContent {
  kind: string;
  /** The email's subject; the post's heading. */
  title: string;
  lines: string[];
  action: { label: string; url: string };
  /** Kind-specific fields of the signed webhook's JSON body (documented in README). */
  data?: Record<string, string | number | null>;
}

/** Kinds a team channel may carry: nothing about one person (no due or overdue status). */
export const TEAM_KINDS = ["cycle_opened", "lead_digest", "report_ready"] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];

export const isTeamKind = (kind: string): kind is TeamKind =>
  (TEAM_KINDS as readonly string[]).includes(kind);
