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

/** The user's active membership in the organisation, with the organisation; else null. */
export async function activeMembership(
  organizationId: string,
  userId: string,
): Promise<Pick<MemberContext, "organization" | "membership"> | null> {
  const row = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .leftJoin("sso_connections as sso", "sso.organization_id", "m.organization_id")
    .select([
      "sso.require_sso",
      "m.id",
      "m.role",
      "m.title",
      "m.target_profile_id",
      "o.id as org_id",
      "o.name as org_name",
      "o.slug",
      "o.time_zone",
    ])
    .where("m.organization_id", "=", organizationId)
    .where("m.user_id", "=", userId)
    .where("m.active", "=", true)
    // A closed organisation (deletion pending) lets nobody in, through a page or a token.
    .where("o.closed_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  return {
    organization: {
      id: row.org_id,
      name: row.org_name,
      slug: row.slug,
      timeZone: row.time_zone,
      requireSso: row.require_sso ?? false,
    },
    membership: {
      id: row.id,
      role: row.role,
      title: row.title,
      targetProfileId: row.target_profile_id,
    },
  };
}

/**
 * The signed-in user acting in their session's organisation, with at least `atLeast`'s
 * rights there. No organisation chosen (or access removed) → the organisation picker.
 */
export async function requireMember(
  request: Request,
  atLeast: MemberRole = "engineer",
): Promise<MemberContext> {
  // A page's loaders each ask; within one GET the session is looked up once.
  const ctx = await memoInRequest(`member:${readSessionToken(request) ?? ""}`, async () => {
    const user = await requireUser(request);
    const orgId = user.session.organizationId;
    const member = orgId ? await activeMembership(orgId, user.user.id) : null;
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
