import type { Kysely } from "kysely";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { installDefaultFramework } from "#seeds/default-framework";
import { recordAudit } from "~/modules/audit/audit.server";
import { notFound } from "~/lib/errors.server";
import { sessionMayActIn } from "./roles";
import { setSessionOrganization } from "./sessions.server";

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base || "org";
}

async function uniqueSlug(trx: Kysely<Database>, name: string) {
  const base = slugify(name);
  const taken = await trx
    .selectFrom("organizations")
    .select("slug")
    .where((eb) => eb.or([eb("slug", "=", base), eb("slug", "like", `${base}-%`)]))
    .execute();
  const used = new Set(taken.map((t) => t.slug));
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * Creates an organisation with `userId` as its admin and the default framework installed.
 * Runs inside the caller's transaction.
 */
export async function createOrganization(
  trx: Kysely<Database>,
  input: { name: string; userId: string; timeZone?: string; ip?: string | null },
) {
  const organization = await trx
    .insertInto("organizations")
    .values({
      name: input.name,
      slug: await uniqueSlug(trx, input.name),
      time_zone: input.timeZone ?? "UTC",
    })
    .returning(["id", "slug"])
    .executeTakeFirstOrThrow();
  const { profileIds } = await installDefaultFramework(trx, {
    organizationId: organization.id,
    createdByUserId: input.userId,
  });
  const senior =
    Object.entries(profileIds).find(([name]) => name.startsWith("Senior"))?.[1] ?? null;
  const membership = await trx
    .insertInto("memberships")
    .values({
      organization_id: organization.id,
      user_id: input.userId,
      role: "admin",
      target_profile_id: senior,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await recordAudit(
    {
      organizationId: organization.id,
      actorUserId: input.userId,
      action: "organization.create",
      objectType: "organization",
      objectId: organization.id,
      details: { name: input.name },
      ip: input.ip,
    },
    trx,
  );
  return { organizationId: organization.id, slug: organization.slug, membershipId: membership.id };
}

export async function createOrganizationForUser(input: {
  name: string;
  userId: string;
  ip?: string | null;
}) {
  return db.transaction().execute((trx) => createOrganization(trx, input));
}

/** The organisations the user can act in, for the switcher. */
export function listUserOrganizations(userId: string) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .select([
      "o.id",
      "o.name",
      "o.slug",
      "o.time_zone",
      "m.role",
      "m.active",
      "o.closed_at",
      "o.erase_after",
    ])
    .where("m.user_id", "=", userId)
    .orderBy("o.name")
    .execute();
}

/**
 * Points the session at another organisation the user is an active member of, if the session
 * may act there; else says how the person must sign in to it: through its SSO, or with a password.
 */
export async function switchOrganization(
  session: { id: string; ssoOrganizationId: string | null },
  userId: string,
  organizationId: string,
): Promise<"switched" | "sso" | "password"> {
  const membership = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .leftJoin("sso_connections as sso", "sso.organization_id", "m.organization_id")
    .select(["m.role", "sso.require_sso", "sso.organization_id as sso_organization_id"])
    .where("m.user_id", "=", userId)
    .where("m.organization_id", "=", organizationId)
    .where("m.active", "=", true)
    .where("o.closed_at", "is", null)
    .executeTakeFirst();
  if (!membership) throw notFound("Organisation");
  const organization = { id: organizationId, requireSso: membership.require_sso ?? false };
  if (sessionMayActIn(session, organization, membership.role)) {
    await setSessionOrganization(session.id, organizationId);
    return "switched";
  }
  return membership.sso_organization_id ? "sso" : "password";
}

/** The organisation a fresh session should open in: the first active membership. */
export async function defaultOrganizationFor(userId: string): Promise<string | null> {
  const row = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .select("o.id")
    .where("m.user_id", "=", userId)
    .where("m.active", "=", true)
    .where("o.closed_at", "is", null)
    .orderBy("m.created_at")
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Whether the organisation is still before its first cycle (then the gap pages explain how
 * gaps come about) and whether its admin is alone in it; null once a cycle has opened. One
 * query on every later visit.
 */
export async function beforeFirstCycle(organizationId: string) {
  const opened = await db
    .selectFrom("cycles")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("status", "in", ["open", "closed"])
    .limit(1)
    .executeTakeFirst();
  if (opened) return null;
  const { activeMembers } = await summarizeOrganization(organizationId);
  return { alone: activeMembers <= 1 };
}

/** Head counts for the dashboard. */
export async function summarizeOrganization(organizationId: string) {
  const [members, teams, invitations, cycles] = await Promise.all([
    db
      .selectFrom("memberships")
      .select((eb) => [
        eb.fn.countAll<number>().filterWhere("active", "=", true).as("active"),
        eb.fn.countAll<number>().filterWhere("active", "=", false).as("deactivated"),
      ])
      .where("organization_id", "=", organizationId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("teams")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("invitations")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", new Date())
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("cycles")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .where("status", "in", ["open", "closed"])
      .executeTakeFirstOrThrow(),
  ]);
  return {
    activeMembers: members.active,
    deactivatedMembers: members.deactivated,
    teams: teams.n,
    pendingInvitations: invitations.n,
    openedCycles: cycles.n,
  };
}
