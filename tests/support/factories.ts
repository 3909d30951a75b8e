import { randomUUID } from "node:crypto";
import { db } from "#db/database";
import type { MemberRole } from "#db/schema";
import { createOrganization } from "~/modules/accounts/organizations.server";
import { hashPassword } from "~/modules/accounts/passwords.server";
import { createSession, sessionCookie } from "~/modules/accounts/sessions.server";

// Small factories: every call makes new, uniquely named rows so tests never collide.

export const PASSWORD = "correct horse battery";
let passwordHash: Promise<string> | undefined;

export function uniqueEmail(prefix = "user") {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

export async function createUser(overrides: { email?: string; displayName?: string } = {}) {
  passwordHash ??= hashPassword(PASSWORD);
  return db
    .insertInto("users")
    .values({
      email: overrides.email ?? uniqueEmail(),
      display_name: overrides.displayName ?? "Test User",
      password_hash: await passwordHash,
    })
    .returning(["id", "email", "display_name"])
    .executeTakeFirstOrThrow();
}

/** An organisation (with the default framework) and its first admin, signed in. */
export async function createOrgWithAdmin(name = `Org ${randomUUID().slice(0, 6)}`) {
  const admin = await createUser({ displayName: "Ada Admin" });
  const org = await db.transaction().execute((trx) => createOrganization(trx, { name, userId: admin.id }));
  const cookie = await signIn(admin.id, org.organizationId);
  return { organizationId: org.organizationId, admin: { ...admin, membershipId: org.membershipId, cookie } };
}

export async function addMember(organizationId: string, role: MemberRole = "engineer", displayName = "Eng Ineer") {
  const user = await createUser({ displayName });
  const membership = await db
    .insertInto("memberships")
    .values({ organization_id: organizationId, user_id: user.id, role })
    .returning("id")
    .executeTakeFirstOrThrow();
  const cookie = await signIn(user.id, organizationId);
  return { ...user, membershipId: membership.id, cookie };
}

export async function createTeamRow(organizationId: string, name = `Team ${randomUUID().slice(0, 6)}`) {
  return db.insertInto("teams").values({ organization_id: organizationId, name }).returning(["id", "name"]).executeTakeFirstOrThrow();
}

/** A session's cookie; `viaSsoOf`: started through that organisation's SSO (it acts there only). */
export async function signIn(userId: string, organizationId: string | null, viaSsoOf: string | null = null) {
  const { token } = await createSession(userId, organizationId, viaSsoOf);
  return sessionCookie(token).split(";")[0] as string;
}
