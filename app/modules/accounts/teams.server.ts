import { db } from "#db/database";
import { conflict, notFound } from "~/lib/errors.server";
import { recordAudit } from "~/modules/audit/audit.server";
import type { MemberContext } from "./auth.server";

export function listTeams(organizationId: string) {
  return db
    .selectFrom("teams as t")
    .leftJoin("team_members as tm", "tm.team_id", "t.id")
    .leftJoin("memberships as m", (join) =>
      join.onRef("m.id", "=", "tm.membership_id").on("m.active", "=", true),
    )
    .select((eb) => [
      "t.id",
      "t.name",
      eb.fn.count<number>("m.id").as("member_count"),
      eb.fn.count<number>("m.id").filterWhere("tm.is_lead", "=", true).as("lead_count"),
    ])
    .where("t.organization_id", "=", organizationId)
    .groupBy(["t.id", "t.name"])
    .orderBy("t.name")
    .execute();
}

export async function getTeam(organizationId: string, teamId: string) {
  const team = await db
    .selectFrom("teams")
    .select(["id", "name", "created_at"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", teamId)
    .executeTakeFirst();
  if (!team) throw notFound("Team");
  const members = await db
    .selectFrom("team_members as tm")
    .innerJoin("memberships as m", "m.id", "tm.membership_id")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.id", "m.role", "m.title", "m.active", "tm.is_lead", "u.display_name", "u.email"])
    .where("tm.team_id", "=", team.id)
    .where("tm.organization_id", "=", organizationId)
    .orderBy("tm.is_lead", "desc")
    .orderBy("u.display_name")
    .execute();
  return { ...team, members };
}

async function nameTaken(organizationId: string, name: string, exceptId?: string) {
  let query = db
    .selectFrom("teams")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()));
  if (exceptId) query = query.where("id", "<>", exceptId);
  return Boolean(await query.executeTakeFirst());
}

const NAME_TAKEN = { name: "Another team already has this name." };

export async function createTeam(ctx: MemberContext, name: string, ip: string | null = null) {
  if (await nameTaken(ctx.organization.id, name)) throw conflict("Name taken", NAME_TAKEN);
  return db.transaction().execute(async (trx) => {
    const team = await trx
      .insertInto("teams")
      .values({ organization_id: ctx.organization.id, name })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "team.create",
        objectType: "team",
        objectId: team.id,
        details: { name },
        ip,
      },
      trx,
    );
    return team;
  });
}

export async function renameTeam(
  ctx: MemberContext,
  teamId: string,
  name: string,
  ip: string | null = null,
) {
  await getTeam(ctx.organization.id, teamId);
  if (await nameTaken(ctx.organization.id, name, teamId)) throw conflict("Name taken", NAME_TAKEN);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("teams")
      .set({ name })
      .where("id", "=", teamId)
      .where("organization_id", "=", ctx.organization.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "team.rename",
        objectType: "team",
        objectId: teamId,
        details: { name },
        ip,
      },
      trx,
    );
  });
}

async function requireActiveMember(organizationId: string, memberId: string) {
  const member = await db
    .selectFrom("memberships")
    .select(["id", "role", "active"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", memberId)
    .executeTakeFirst();
  if (!member) throw notFound("Member");
  if (!member.active)
    throw conflict("This member is deactivated: reactivate them first.", {
      memberId: "This member is deactivated: reactivate them first.",
    });
  return member;
}

/**
 * Adds a member to a team (or changes whether they lead it). Making an engineer a team
 * lead promotes them to the lead role, since leading a team is what that role is for.
 */
export async function setTeamMember(
  ctx: MemberContext,
  teamId: string,
  memberId: string,
  isLead: boolean,
  ip: string | null = null,
) {
  await getTeam(ctx.organization.id, teamId);
  const member = await requireActiveMember(ctx.organization.id, memberId);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("team_members")
      .values({
        organization_id: ctx.organization.id,
        team_id: teamId,
        membership_id: member.id,
        is_lead: isLead,
      })
      .onConflict((oc) =>
        oc
          .columns(["team_id", "membership_id", "organization_id"])
          .doUpdateSet({ is_lead: isLead }),
      )
      .execute();
    if (isLead && member.role === "engineer") {
      await trx
        .updateTable("memberships")
        .set({ role: "lead" })
        .where("id", "=", member.id)
        .execute();
    }
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "team.member_set",
        objectType: "team",
        objectId: teamId,
        details: { memberId, isLead },
        ip,
      },
      trx,
    );
  });
}

export async function removeTeamMember(
  ctx: MemberContext,
  teamId: string,
  memberId: string,
  ip: string | null = null,
) {
  await getTeam(ctx.organization.id, teamId);
  const removed = await db
    .deleteFrom("team_members")
    .where("organization_id", "=", ctx.organization.id)
    .where("team_id", "=", teamId)
    .where("membership_id", "=", memberId)
    .returning("membership_id")
    .executeTakeFirst();
  if (!removed) throw notFound("Team member");
  await recordAudit({
    organizationId: ctx.organization.id,
    actorUserId: ctx.user.id,
    action: "team.member_remove",
    objectType: "team",
    objectId: teamId,
    details: { memberId },
    ip,
  });
}

/** Teams the member leads (admins see every team anyway). */
export function teamsLedBy(organizationId: string, membershipId: string) {
  return db
    .selectFrom("team_members as tm")
    .innerJoin("teams as t", "t.id", "tm.team_id")
    .select(["t.id", "t.name"])
    .where("tm.organization_id", "=", organizationId)
    .where("tm.membership_id", "=", membershipId)
    .where("tm.is_lead", "=", true)
    .orderBy("t.name")
    .execute();
}
