import { sql, type Kysely } from "kysely";
import { db } from "#db/database";
import type { Database, MemberRole } from "#db/schema";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import { env } from "~/lib/env.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import { invitationEmail } from "~/modules/notifications/templates.server";
import type { MemberContext } from "./auth.server";
import { hashPassword } from "./passwords.server";
import { generateToken, hashToken } from "./sessions.server";

const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export async function inviteMember(
  ctx: MemberContext,
  input: { email: string; role: MemberRole; teamId: string | null },
  ip: string | null = null,
) {
  const orgId = ctx.organization.id;
  if (input.teamId) {
    const team = await db
      .selectFrom("teams")
      .select("id")
      .where("organization_id", "=", orgId)
      .where("id", "=", input.teamId)
      .executeTakeFirst();
    if (!team)
      throw invalid("Choose a team from the list", { teamId: "Choose a team from the list" });
  }
  const existing = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select("m.active")
    .where("m.organization_id", "=", orgId)
    .where((eb) => eb(eb.fn("lower", ["u.email"]), "=", input.email))
    .executeTakeFirst();
  if (existing) {
    throw conflict("Already a member", {
      email: existing.active
        ? "This person is already a member of the organisation."
        : "This person is a deactivated member: reactivate them from the member list.",
    });
  }
  return db.transaction().execute((trx) => createInvitation(trx, ctx, input, ip));
}

/**
 * Writes one invitation (team and profile already checked to be the organisation's) and its
 * email to the outbox, in the caller's transaction. A new invitation for the same address
 * replaces the pending one.
 */
export async function createInvitation(
  trx: Kysely<Database>,
  ctx: MemberContext,
  input: {
    email: string;
    role: MemberRole;
    teamId: string | null;
    displayName?: string | null;
    targetProfileId?: string | null;
  },
  ip: string | null,
) {
  const orgId = ctx.organization.id;
  const token = generateToken();
  const expiresAt = new Date(Date.now() + INVITE_TTL_MS);
  const link = `${env().APP_URL}/invite/${token}`;
  await trx
    .updateTable("invitations")
    .set({ revoked_at: new Date() })
    .where("organization_id", "=", orgId)
    .where("email", "=", input.email)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .execute();
  const invitation = await trx
    .insertInto("invitations")
    .values({
      organization_id: orgId,
      email: input.email,
      role: input.role,
      team_id: input.teamId,
      display_name: input.displayName ?? null,
      target_profile_id: input.targetProfileId ?? null,
      token_hash: hashToken(token),
      invited_by_user_id: ctx.user.id,
      expires_at: expiresAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const message = invitationEmail({
    organizationName: ctx.organization.name,
    inviterName: ctx.user.displayName,
    role: input.role,
    link,
    expiresAt,
    timeZone: ctx.organization.timeZone,
  });
  await enqueueNotification(
    {
      organizationId: orgId,
      kind: "invitation",
      recipientUserId: null,
      recipientEmail: input.email,
      idempotencyKey: `invitation:${invitation.id}`,
      subject: message.subject,
      text: message.text,
      html: message.html,
      actionUrl: link,
    },
    trx,
  );
  await recordAudit(
    {
      organizationId: orgId,
      actorUserId: ctx.user.id,
      action: "invitation.create",
      objectType: "invitation",
      objectId: invitation.id,
      details: { email: input.email, role: input.role },
      ip,
    },
    trx,
  );
  return { invitationId: invitation.id, link };
}

/** Pending invitations with the link that was emailed, so an admin can copy it. */
export function listPendingInvitations(organizationId: string) {
  return db
    .selectFrom("invitations as i")
    .leftJoin("teams as t", "t.id", "i.team_id")
    .leftJoin("notifications as n", (join) =>
      join.on("n.idempotency_key", "=", sql<string>`'invitation:' || i.id`),
    )
    .select([
      "i.id",
      "i.email",
      "i.role",
      "i.expires_at",
      "i.created_at",
      "t.name as team_name",
      "n.action_url as link",
    ])
    .where("i.organization_id", "=", organizationId)
    .where("i.accepted_at", "is", null)
    .where("i.revoked_at", "is", null)
    .where("i.expires_at", ">", new Date())
    .orderBy("i.created_at", "desc")
    .execute();
}

export async function revokeInvitation(
  ctx: MemberContext,
  invitationId: string,
  ip: string | null = null,
) {
  const revoked = await db
    .updateTable("invitations")
    .set({ revoked_at: new Date() })
    .where("organization_id", "=", ctx.organization.id)
    .where("id", "=", invitationId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  if (!revoked) throw notFound("Invitation");
  await recordAudit({
    organizationId: ctx.organization.id,
    actorUserId: ctx.user.id,
    action: "invitation.revoke",
    objectType: "invitation",
    objectId: invitationId,
    ip,
  });
}

/** The invitation a link points at, if it can still be accepted. */
export async function findInvitation(token: string) {
  const row = await db
    .selectFrom("invitations as i")
    .innerJoin("organizations as o", "o.id", "i.organization_id")
    .select([
      "i.id",
      "i.email",
      "i.role",
      "i.team_id",
      "i.organization_id",
      "o.name as organization_name",
    ])
    .where("i.token_hash", "=", hashToken(token))
    .where("i.accepted_at", "is", null)
    .where("i.revoked_at", "is", null)
    .where("i.expires_at", ">", new Date())
    .executeTakeFirst();
  if (!row) return null;
  const user = await db
    .selectFrom("users")
    .select(["id", "display_name"])
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", row.email))
    .executeTakeFirst();
  return { ...row, existingUser: user ?? null };
}

/** Until an admin sets one, members aim at the default framework's last (most senior) profile. */
export async function defaultTargetProfile(trx: Kysely<Database>, organizationId: string) {
  const profile = await trx
    .selectFrom("organizations as o")
    .innerJoin("target_profiles as p", "p.framework_id", "o.default_framework_id")
    .select("p.id")
    .where("o.id", "=", organizationId)
    .orderBy("p.position", "desc")
    .executeTakeFirst();
  return profile?.id ?? null;
}

/**
 * Spends the organisation's pending invitation for this email, if any, and returns the place
 * it offered (a person who signs in through SSO before opening the link gets what they were
 * invited to).
 */
export async function acceptPendingInvitation(
  trx: Kysely<Database>,
  organizationId: string,
  email: string,
) {
  return trx
    .updateTable("invitations")
    .set({ accepted_at: new Date() })
    .where("organization_id", "=", organizationId)
    .where("email", "=", email)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", new Date())
    .returning(["id", "role", "team_id", "target_profile_id"])
    .executeTakeFirst();
}

export const SPENT_INVITATION =
  "This invitation has expired, was revoked or was already used. Ask an admin for a new one.";

/**
 * Accepts an invitation: creates the account when the email has none (name and password
 * required), or joins the signed-in account to the organisation. Single use.
 */
export async function acceptInvitation(
  token: string,
  input: { signedInUserId: string | null; displayName?: string; password?: string },
) {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db.transaction().execute(async (trx) => {
    const invitation = await trx
      .updateTable("invitations")
      .set({ accepted_at: new Date() })
      .where("token_hash", "=", hashToken(token))
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", new Date())
      .returning(["id", "organization_id", "email", "role", "team_id", "target_profile_id"])
      .executeTakeFirst();
    if (!invitation) throw invalid(SPENT_INVITATION);

    const existing = await trx
      .selectFrom("users")
      .select("id")
      .where((eb) => eb(eb.fn("lower", ["email"]), "=", invitation.email))
      .executeTakeFirst();
    let userId: string;
    if (existing) {
      // Joining an existing account needs that account signed in, or anyone holding the
      // link could attach themselves to someone else's account.
      if (input.signedInUserId !== existing.id) {
        throw invalid(`Log in as ${invitation.email} first, then open this link again.`);
      }
      userId = existing.id;
    } else {
      if (!input.displayName || !passwordHash) throw invalid("Enter your name and a password.");
      const user = await trx
        .insertInto("users")
        .values({
          email: invitation.email,
          display_name: input.displayName,
          password_hash: passwordHash,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      userId = user.id;
    }

    const membership = await trx
      .insertInto("memberships")
      .values({
        organization_id: invitation.organization_id,
        user_id: userId,
        role: invitation.role,
        target_profile_id:
          invitation.target_profile_id ??
          (await defaultTargetProfile(trx, invitation.organization_id)),
      })
      .onConflict((oc) => oc.columns(["organization_id", "user_id"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!membership) throw conflict("You are already a member of this organisation.");
    if (invitation.team_id) {
      await trx
        .insertInto("team_members")
        .values({
          organization_id: invitation.organization_id,
          team_id: invitation.team_id,
          membership_id: membership.id,
          is_lead: false,
        })
        .execute();
    }
    await recordAudit(
      {
        organizationId: invitation.organization_id,
        actorUserId: userId,
        action: "invitation.accept",
        objectType: "invitation",
        objectId: invitation.id,
      },
      trx,
    );
    return { userId, organizationId: invitation.organization_id, membershipId: membership.id };
  });
}
