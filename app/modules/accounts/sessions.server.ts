import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { db } from "#db/database";

// Sessions after Lucia v3's design (docs/decisions/001-sessions.md): the cookie holds a
// random 160-bit token, only its SHA-256 is stored, expiry slides over 30 days.

const SESSION_DAYS = 30;
const DAY_MS = 86_400_000;
export const SESSION_COOKIE = "gapmap_session";

export function generateToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** `ssoOrganizationId`: the session was started through that organisation's SSO and may act only there. */
export async function createSession(
  userId: string,
  organizationId: string | null,
  ssoOrganizationId: string | null = null,
) {
  const token = generateToken();
  const expiresAt = new Date(Date.now() + SESSION_DAYS * DAY_MS);
  await db
    .insertInto("sessions")
    .values({
      id: hashToken(token),
      user_id: userId,
      organization_id: organizationId,
      sso_organization_id: ssoOrganizationId,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt };
}

export interface ValidSession {
  id: string;
  userId: string;
  organizationId: string | null;
  ssoOrganizationId: string | null;
  expiresAt: Date;
}

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
}

/**
 * The query for the session a cookie's token names, with its user (one query, as Lucia's
 * design has it). A caller may join more to it (the membership the session acts in:
 * auth.server.ts) and hand the row to `settleSession`.
 */
export function sessionQuery(token: string) {
  return db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .select([
      "s.id",
      "s.user_id",
      "s.organization_id",
      "s.sso_organization_id",
      "s.expires_at",
      "u.email",
      "u.display_name",
    ])
    .where("s.id", "=", hashToken(token));
}

type SessionRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof sessionQuery>["executeTakeFirst"]>>
>;

/**
 * The session of a row of `sessionQuery`, if it is still valid: an expired one is deleted;
 * past half its life, a session used again gets a fresh 30 days (one write per 15 days).
 */
export async function settleSession(
  row: SessionRow,
): Promise<{ session: ValidSession; user: SessionUser } | null> {
  const now = Date.now();
  if (row.expires_at.getTime() <= now) {
    await db.deleteFrom("sessions").where("id", "=", row.id).execute();
    return null;
  }
  let expiresAt = row.expires_at;
  if (expiresAt.getTime() - now < (SESSION_DAYS / 2) * DAY_MS) {
    expiresAt = new Date(now + SESSION_DAYS * DAY_MS);
    await db
      .updateTable("sessions")
      .set({ expires_at: expiresAt })
      .where("id", "=", row.id)
      .execute();
  }
  return {
    session: {
      id: row.id,
      userId: row.user_id,
      organizationId: row.organization_id,
      ssoOrganizationId: row.sso_organization_id,
      expiresAt,
    },
    user: { id: row.user_id, email: row.email, displayName: row.display_name },
  };
}

/** The session a cookie's token names, with its user; null if there is none or it expired. */
export async function validateSessionToken(
  token: string,
): Promise<{ session: ValidSession; user: SessionUser } | null> {
  const row = await sessionQuery(token).executeTakeFirst();
  return row ? settleSession(row) : null;
}

export async function invalidateSession(sessionId: string) {
  await db.deleteFrom("sessions").where("id", "=", sessionId).execute();
}

export async function invalidateUserSessions(userId: string) {
  await db.deleteFrom("sessions").where("user_id", "=", userId).execute();
}

export async function setSessionOrganization(sessionId: string, organizationId: string) {
  await db
    .updateTable("sessions")
    .set({ organization_id: organizationId })
    .where("id", "=", sessionId)
    .execute();
}

function secureCookies() {
  return (process.env.APP_URL ?? "").startsWith("https://");
}

export function sessionCookie(token: string): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    // The browser keeps the cookie as long as it may (400 days); the server decides when
    // the session really ends (sliding 30 days), so renewals need no new cookie.
    `Max-Age=${400 * 86_400}`,
  ];
  if (secureCookies()) parts.push("Secure");
  return parts.join("; ");
}

export function blankSessionCookie(): string {
  const parts = [`${SESSION_COOKIE}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0"];
  if (secureCookies()) parts.push("Secure");
  return parts.join("; ");
}

export function readSessionToken(request: Request): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) {
      const value = rest.join("=");
      return /^[a-z2-7]{32}$/.test(value) ? value : null;
    }
  }
  return null;
}
