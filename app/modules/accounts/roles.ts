import type { MemberRole } from "#db/schema";

const RANK: Record<MemberRole, number> = { engineer: 0, lead: 1, admin: 2 };

/** Whether a role has at least another role's rights (admin ⊃ lead ⊃ engineer). */
export function hasRole(role: MemberRole, atLeast: MemberRole) {
  return RANK[role] >= RANK[atLeast];
}
