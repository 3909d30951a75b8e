import { sql } from "kysely";
import { db } from "#db/database";
import type { MemberRole } from "#db/schema";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import { recordAudit } from "~/modules/audit/audit.server";
import type { MemberContext } from "./auth.server";

/** The organisation's members with their teams and profile, for lists to filter and order. */
export function membersQuery(organizationId: string) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .leftJoin("target_profiles as p", "p.id", "m.target_profile_id")
    .select([
      "m.id",
      "m.role",
      "m.title",
      "m.active",
      "m.target_profile_id",
      "m.created_at",
      "u.email",
      "u.display_name",
      "p.name as target_profile_name",
      sql<{ id: string; name: string; isLead: boolean }[]>`coalesce((
        SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'isLead', tm.is_lead) ORDER BY t.name)
        FROM team_members tm JOIN teams t ON t.id = tm.team_id
        WHERE tm.membership_id = m.id
      ), '[]')`.as("teams"),
    ])
    .where("m.organization_id", "=", organizationId);
}

/** Every member of the organisation with their teams, for the admin list. */
export function listMembers(organizationId: string) {
  return membersQuery(organizationId)
    .orderBy("m.active", "desc")
    .orderBy("u.display_name")
    .execute();
}

export function listTargetProfiles(organizationId: string) {
  return db
    .selectFrom("target_profiles as p")
    .innerJoin("organizations as o", "o.default_framework_id", "p.framework_id")
    .select(["p.id", "p.name"])
    .where("o.id", "=", organizationId)
    .where("p.organization_id", "=", organizationId)
    .orderBy("p.position")
    .execute();
}

async function findMember(organizationId: string, memberId: string) {
  const member = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.id", "m.role", "m.active", "m.user_id", "u.display_name"])
    .where("m.organization_id", "=", organizationId)
    .where("m.id", "=", memberId)
    .executeTakeFirst();
  if (!member) throw notFound("Member");
  return member;
}

async function activeAdminCount(organizationId: string) {
  const row = await db
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("organization_id", "=", organizationId)
    .where("role", "=", "admin")
    .where("active", "=", true)
    .executeTakeFirstOrThrow();
  return row.n;
}

const LAST_ADMIN =
  "An organisation needs at least one active admin: make someone else admin first.";

export async function changeRole(
  ctx: MemberContext,
  memberId: string,
  role: MemberRole,
  ip: string | null = null,
) {
  const member = await findMember(ctx.organization.id, memberId);
  if (member.role === role) return;
  if (
    member.role === "admin" &&
    member.active &&
    (await activeAdminCount(ctx.organization.id)) <= 1
  ) {
    throw conflict(LAST_ADMIN);
  }
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("memberships").set({ role }).where("id", "=", member.id).execute();
    if (role === "engineer") {
      // An engineer leads no team.
      await trx
        .updateTable("team_members")
        .set({ is_lead: false })
        .where("membership_id", "=", member.id)
        .execute();
    }
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "member.role_change",
        objectType: "membership",
        objectId: member.id,
        details: { from: member.role, to: role },
        ip,
      },
      trx,
    );
  });
}

/**
 * Deactivating removes access (and signs the person out of this organisation) but keeps
 * every rating, mentorship and report they are part of; their open mentorships (as mentor
 * or mentee) are cancelled, so no slot or check-in waits on someone who has left.
 */
export async function setMemberActive(
  ctx: MemberContext,
  memberId: string,
  active: boolean,
  ip: string | null = null,
) {
  const member = await findMember(ctx.organization.id, memberId);
  if (member.active === active) return;
  if (!active && member.id === ctx.membership.id) throw conflict("You cannot deactivate yourself.");
  if (!active && member.role === "admin" && (await activeAdminCount(ctx.organization.id)) <= 1) {
    throw conflict(LAST_ADMIN);
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("memberships")
      .set({ active, deactivated_at: active ? null : new Date() })
      .where("id", "=", member.id)
      .execute();
    let cancelledMentorships = 0;
    if (!active) {
      await trx
        .deleteFrom("sessions")
        .where("user_id", "=", member.user_id)
        .where("organization_id", "=", ctx.organization.id)
        .execute();
      const cancelled = await trx
        .updateTable("mentorships")
        .set({ status: "cancelled", ended_at: new Date() })
        .where("organization_id", "=", ctx.organization.id)
        .where((eb) => eb.or([eb("mentor_id", "=", member.id), eb("mentee_id", "=", member.id)]))
        .where("status", "in", ["proposed", "active"])
        .returning("id")
        .execute();
      cancelledMentorships = cancelled.length;
    }
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: active ? "member.reactivate" : "member.deactivate",
        objectType: "membership",
        objectId: member.id,
        details: cancelledMentorships ? { cancelledMentorships } : {},
        ip,
      },
      trx,
    );
  });
}

export async function updateMemberProfile(
  ctx: MemberContext,
  memberId: string,
  input: { title: string | null; targetProfileId: string | null },
  ip: string | null = null,
) {
  const member = await findMember(ctx.organization.id, memberId);
  if (input.targetProfileId) {
    const profile = await db
      .selectFrom("target_profiles")
      .select("id")
      .where("organization_id", "=", ctx.organization.id)
      .where("id", "=", input.targetProfileId)
      .executeTakeFirst();
    if (!profile)
      throw invalid("Choose a target profile from the list", {
        targetProfileId: "Choose a target profile from the list",
      });
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("memberships")
      .set({ title: input.title, target_profile_id: input.targetProfileId })
      .where("id", "=", member.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "member.update",
        objectType: "membership",
        objectId: member.id,
        details: { title: input.title, targetProfileId: input.targetProfileId },
        ip,
      },
      trx,
    );
  });
}

/** One member as an admin sees them, scoped to the organisation (another's id → 404). */
export async function getMember(organizationId: string, memberId: string) {
  const member = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select([
      "m.id",
      "m.role",
      "m.title",
      "m.active",
      "m.target_profile_id",
      "m.deactivated_at",
      "m.created_at",
      "u.email",
      "u.display_name",
    ])
    .where("m.organization_id", "=", organizationId)
    .where("m.id", "=", memberId)
    .executeTakeFirst();
  if (!member) throw notFound("Member");
  const teams = await db
    .selectFrom("team_members as tm")
    .innerJoin("teams as t", "t.id", "tm.team_id")
    .select(["t.id", "t.name", "tm.is_lead"])
    .where("tm.organization_id", "=", organizationId)
    .where("tm.membership_id", "=", member.id)
    .orderBy("t.name")
    .execute();
  return { ...member, teams };
}
