import { redirect } from "@remix-run/node";
import { db } from "#db/database";
import type { MemberRole } from "#db/schema";
import { forbidden, toResponse } from "~/lib/errors.server";
import { readingFor } from "#db/read-replica";
import { memoInRequest } from "~/lib/request-scope.server";
import { defaultOrganizationFor } from "./organizations.server";
import { hasRole, sessionMayActIn } from "./roles";
import {
  blankSessionCookie,
  createSession,
  hashToken,
  invalidateSession,
  readSessionToken,
  sessionCookie,
  sessionQuery,
  settleSession,
  validateSessionToken,
  type SessionUser,
  type ValidSession,
} from "./sessions.server";

// Helpers that read like sentences: requireUser(request), requireMember(request, "admin").

export type CurrentUser = SessionUser;

export interface UserContext {
  session: ValidSession;
  user: CurrentUser;
}

export interface MemberContext extends UserContext {
  organization: { id: string; name: string; slug: string; timeZone: string; requireSso: boolean };
  membership: {
    id: string;
    role: MemberRole;
    title: string | null;
    targetProfileId: string | null;
  };
}

function loginRedirect(request: Request) {
  const url = new URL(request.url);
  const back = url.pathname + url.search;
  return redirect(`/login?redirectTo=${encodeURIComponent(back)}`);
}

export async function getUser(request: Request): Promise<UserContext | null> {
  const token = readSessionToken(request);
  if (!token) return null;
  return validateSessionToken(token);
}

export async function requireUser(request: Request): Promise<UserContext> {
  const ctx = await getUser(request);
  if (!ctx) throw loginRedirect(request);
  return ctx;
}

/**
 * The memberships a session or a token may act through: active, in an organisation that is
 * not closed (deletion pending lets nobody in, through a page or a token), with that
 * organisation's SSO setting. Defined once for both membership checks below.
 */
function activeMemberships() {
  return db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .leftJoin("sso_connections as sso", "sso.organization_id", "m.organization_id")
    .select([
      "m.organization_id as member_org_id",
      "m.user_id as member_user_id",
      "sso.require_sso",
      "m.id as membership_id",
      "m.role",
      "m.title",
      "m.target_profile_id",
      "o.id as org_id",
      "o.name as org_name",
      "o.slug",
      "o.time_zone",
    ])
    .where("m.active", "=", true)
    .where("o.closed_at", "is", null);
}

interface MembershipRow {
  require_sso: boolean | null;
  membership_id: string | null;
  role: MemberRole | null;
  title: string | null;
  target_profile_id: string | null;
  org_id: string | null;
  org_name: string | null;
  slug: string | null;
  time_zone: string | null;
}

/** The membership and organisation of a row of activeMemberships; null where none joined. */
function toMembership(
  row: MembershipRow,
): Pick<MemberContext, "organization" | "membership"> | null {
  const { membership_id: id, role, org_id, org_name, slug, time_zone } = row;
  if (!id || !role || !org_id || org_name === null || slug === null || time_zone === null)
    return null;
  return {
    organization: {
      id: org_id,
      name: org_name,
      slug,
      timeZone: time_zone,
      requireSso: row.require_sso ?? false,
    },
    membership: { id, role, title: row.title, targetProfileId: row.target_profile_id },
  };
}

/** The user's active membership in the organisation, with the organisation; else null. */
export async function activeMembership(
  organizationId: string,
  userId: string,
): Promise<Pick<MemberContext, "organization" | "membership"> | null> {
  const row = await activeMemberships()
    .where("m.organization_id", "=", organizationId)
    .where("m.user_id", "=", userId)
    .executeTakeFirst();
  return row ? toMembership(row) : null;
}

/**
 * The signed-in user acting in their session's organisation, with at least `atLeast`'s
 * rights there. No organisation chosen (or access removed) → the organisation picker.
 */
export async function requireMember(
  request: Request,
  atLeast: MemberRole = "engineer",
): Promise<MemberContext> {
  const token = readSessionToken(request);
  if (!token) throw loginRedirect(request);
  // A page's loaders each ask; within one GET the session is looked up once, and with it
  // (the same statement: one round trip on every request) the membership it acts in.
  const ctx = await memoInRequest(`member:${token}`, async () => {
    const row = await sessionQuery(token)
      .leftJoin(activeMemberships().as("am"), (join) =>
        join
          .onRef("am.member_org_id", "=", "s.organization_id")
          .onRef("am.member_user_id", "=", "s.user_id"),
      )
      .selectAll("am")
      .executeTakeFirst();
    const user = row ? await settleSession(row) : null;
    if (!row || !user) throw loginRedirect(request);
    const member = toMembership(row);
    if (!member || !sessionMayActIn(user.session, member.organization, member.membership.role)) {
      throw redirect("/orgs");
    }
    return { ...user, ...member };
  });
  if (!hasRole(ctx.membership.role, atLeast)) throw toResponse(forbidden());
  readingFor(ctx.organization.id);
  return { ...ctx };
}

/**
 * Starts a fresh session (never reusing one) and redirects with its cookie. The session the
 * request came with, if any, ends: a cookie planted or seen before sign-in is worth nothing after.
 * `viaSso`: the session was started through the organisation's SSO, and acts there only.
 */
export async function signInAndRedirect(
  request: Request,
  userId: string,
  organizationId: string | null,
  to: string,
  viaSso = false,
) {
  const previous = readSessionToken(request);
  if (previous) await invalidateSession(hashToken(previous));
  const orgId = organizationId ?? (await defaultOrganizationFor(userId));
  const { token } = await createSession(userId, orgId, viaSso ? orgId : null);
  return redirect(orgId ? to : "/orgs", { headers: { "Set-Cookie": sessionCookie(token) } });
}

export async function signOut(request: Request, to = "/login") {
  const token = readSessionToken(request);
  if (token) await invalidateSession(hashToken(token));
  return redirect(to, { headers: { "Set-Cookie": blankSessionCookie() } });
}
