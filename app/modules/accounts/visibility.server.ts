import { z } from "zod";
import { db } from "#db/database";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "./auth.server";
import { hasRole } from "./roles";

// Who may see whom: the access rules the gap view, the validation page, reports and mentoring
// share. Another organisation's member or team is "not found", never "forbidden".

/** Teams whose gaps the member may see: every team for admins, the teams they lead otherwise. */
export function viewableTeams(ctx: MemberContext) {
  let query = db
    .selectFrom("teams as t")
    .select(["t.id", "t.name"])
    .where("t.organization_id", "=", ctx.organization.id)
    .orderBy("t.name");
  if (!hasRole(ctx.membership.role, "admin"))
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("team_members as tm")
          .select("tm.team_id")
          .whereRef("tm.team_id", "=", "t.id")
          .where("tm.membership_id", "=", ctx.membership.id)
          .where("tm.is_lead", "=", true),
      ),
    );
  return query.execute();
}

/**
 * The member, if the viewer may see their gaps: admins anyone in the organisation, leads the
 * members of teams they lead. Anyone else — or another organisation's member — is not found.
 */
export async function viewableMember(ctx: MemberContext, memberId: string) {
  if (!z.uuid().safeParse(memberId).success) throw notFound("Member");
  let query = db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.id", "m.user_id", "m.active", "m.title", "u.display_name"])
    .where("m.organization_id", "=", ctx.organization.id)
    .where("m.id", "=", memberId);
  if (!hasRole(ctx.membership.role, "admin"))
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("team_members as mine")
          .innerJoin("team_members as theirs", "theirs.team_id", "mine.team_id")
          .select("mine.team_id")
          .where("mine.membership_id", "=", ctx.membership.id)
          .where("mine.is_lead", "=", true)
          .whereRef("theirs.membership_id", "=", "m.id"),
      ),
    );
  const member = await query.executeTakeFirst();
  if (!member) throw notFound("Member");
  return member;
}
