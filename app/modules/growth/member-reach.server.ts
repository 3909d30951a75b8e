import { z } from "zod";
import { db } from "#db/database";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { viewableMember } from "~/modules/accounts/visibility.server";

// Whose growth (readiness, plan) the viewer may see and edit: their own; a lead their teams'
// members; an admin anyone in the organisation. Anyone else — or another organisation's
// member — is not found.

export interface ReachableMember {
  id: string;
  userId: string;
  displayName: string;
  active: boolean;
  isSelf: boolean;
}

export async function reachableMember(
  ctx: MemberContext,
  memberId: string,
): Promise<ReachableMember> {
  if (!z.uuid().safeParse(memberId).success) throw notFound("Member");
  if (memberId === ctx.membership.id) {
    const self = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select(["m.id", "m.user_id", "m.active", "u.display_name"])
      .where("m.organization_id", "=", ctx.organization.id)
      .where("m.id", "=", memberId)
      .executeTakeFirst();
    if (!self) throw notFound("Member");
    return {
      id: self.id,
      userId: self.user_id,
      displayName: self.display_name,
      active: self.active,
      isSelf: true,
    };
  }
  const member = await viewableMember(ctx, memberId);
  return {
    id: member.id,
    userId: member.user_id,
    displayName: member.display_name,
    active: member.active,
    isSelf: false,
  };
}
