import type { MemberRole } from "#db/schema";

const RANK: Record<MemberRole, number> = { engineer: 0, lead: 1, admin: 2 };

/** Whether a role has at least another role's rights (admin ⊃ lead ⊃ engineer). */
export function hasRole(role: MemberRole, atLeast: MemberRole) {
  return RANK[role] >= RANK[atLeast];
}

/**
 * Whether a session may act in an organisation. A session started through an organisation's
 * SSO acts there only: another organisation's identity provider must not vouch for this one's
 * people. An organisation that requires SSO takes password sessions from its admins only
 * (the audited break-glass).
 */
export function sessionMayActIn(
  session: { ssoOrganizationId: string | null },
  organization: { id: string; requireSso: boolean },
  role: MemberRole,
) {
  if (session.ssoOrganizationId) return session.ssoOrganizationId === organization.id;
  return !organization.requireSso || role === "admin";
}
