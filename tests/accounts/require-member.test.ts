import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { hashToken } from "~/modules/accounts/sessions.server";
import { addMember, createOrgWithAdmin, createUser, signIn } from "../support/factories";
import { buildRequest } from "../support/remix";

// requireMember reads the session and the membership it acts in with one statement: every
// way in or out that the two lookups decided apart is decided the same way.

const DAY_MS = 86_400_000;

/** What requireMember answers for `cookie`: the context, or the redirect or status it throws. */
async function outcome(cookie: string | null, atLeast?: "engineer" | "lead" | "admin") {
  try {
    return { ctx: await requireMember(buildRequest("/dashboard", { cookie }), atLeast) };
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    return { status: thrown.status, location: thrown.headers.get("Location") };
  }
}

const sessionIdOf = (cookie: string) => hashToken(cookie.split("=")[1]!);

async function addSso(organizationId: string, requireSso: boolean) {
  await db
    .insertInto("sso_connections")
    .values({
      organization_id: organizationId,
      issuer_url: "https://idp.example.test",
      client_id: "gapmap",
      client_secret_sealed: "sealed",
      require_sso: requireSso,
    })
    .execute();
}

describe("requireMember", () => {
  it("gives the session's user, organisation and membership", async () => {
    const { organizationId } = await createOrgWithAdmin("Require Member Org");
    const lead = await addMember(organizationId, "lead", "Lea Lead");
    const { ctx } = await outcome(lead.cookie, "lead");
    expect(ctx?.user).toEqual({ id: lead.id, email: lead.email, displayName: "Lea Lead" });
    expect(ctx?.session).toMatchObject({
      id: sessionIdOf(lead.cookie),
      userId: lead.id,
      organizationId,
      ssoOrganizationId: null,
    });
    expect(ctx?.organization).toMatchObject({
      id: organizationId,
      name: "Require Member Org",
      requireSso: false,
    });
    expect(ctx?.organization.slug).toMatch(/require-member-org/);
    expect(ctx?.organization.timeZone).toBeTruthy();
    expect(ctx?.membership).toEqual({
      id: lead.membershipId,
      role: "lead",
      title: null,
      targetProfileId: null,
    });
  });

  it("sends a request without a valid session to the login page, deleting an expired one", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    expect(await outcome(null)).toMatchObject({
      status: 302,
      location: "/login?redirectTo=%2Fdashboard",
    });
    expect(await outcome("gapmap_session=nosuchtoken")).toMatchObject({ status: 302 });
    const id = sessionIdOf(eng.cookie);
    await db
      .updateTable("sessions")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", id)
      .execute();
    expect(await outcome(eng.cookie)).toMatchObject({
      status: 302,
      location: expect.stringMatching(/^\/login/),
    });
    expect(
      await db.selectFrom("sessions").select("id").where("id", "=", id).executeTakeFirst(),
    ).toBeUndefined();
  });

  it("extends a session past half its life, and only then", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    const id = sessionIdOf(eng.cookie);
    const expiry = async () =>
      (
        await db
          .selectFrom("sessions")
          .select("expires_at")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).expires_at.getTime();
    const fresh = await expiry();
    await outcome(eng.cookie);
    expect(await expiry()).toBe(fresh);
    await db
      .updateTable("sessions")
      .set({ expires_at: new Date(Date.now() + 10 * DAY_MS) })
      .where("id", "=", id)
      .execute();
    const { ctx } = await outcome(eng.cookie);
    expect(await expiry()).toBeGreaterThan(Date.now() + 29 * DAY_MS);
    expect(ctx?.session.expiresAt.getTime()).toBe(await expiry());
  });

  it("sends to the organisation picker when the session acts nowhere it may", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const toPicker = { status: 302, location: "/orgs" };

    const nowhere = await createUser();
    expect(await outcome(await signIn(nowhere.id, null))).toMatchObject(toPicker);

    // Signed in to an organisation the user is not a member of.
    expect(await outcome(await signIn(nowhere.id, organizationId))).toMatchObject(toPicker);

    const deactivated = await addMember(organizationId);
    await db
      .updateTable("memberships")
      .set({ active: false })
      .where("id", "=", deactivated.membershipId)
      .execute();
    expect(await outcome(deactivated.cookie)).toMatchObject(toPicker);

    const { organizationId: closing } = await createOrgWithAdmin();
    const inClosing = await addMember(closing);
    expect((await outcome(inClosing.cookie)).ctx?.organization.id).toBe(closing);
    await db
      .updateTable("organizations")
      .set({ closed_at: new Date() })
      .where("id", "=", closing)
      .execute();
    expect(await outcome(inClosing.cookie)).toMatchObject(toPicker);
  });

  it("keeps a password session out of an organisation that requires SSO, but its admins", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    await addSso(organizationId, false);
    expect((await outcome(eng.cookie)).ctx?.organization.requireSso).toBe(false);
    await db
      .updateTable("sso_connections")
      .set({ require_sso: true })
      .where("organization_id", "=", organizationId)
      .execute();
    expect(await outcome(eng.cookie)).toMatchObject({ status: 302, location: "/orgs" });
    expect((await outcome(admin.cookie)).ctx?.organization.requireSso).toBe(true);
    const viaSso = await signIn(eng.id, organizationId, organizationId);
    expect((await outcome(viaSso)).ctx?.membership.id).toBe(eng.membershipId);
  });

  it("keeps a session started through one organisation's SSO out of the person's others", async () => {
    const { organizationId: first } = await createOrgWithAdmin();
    const { organizationId: second } = await createOrgWithAdmin();
    const eng = await addMember(first);
    await db
      .insertInto("memberships")
      .values({ organization_id: second, user_id: eng.id, role: "engineer" })
      .execute();
    const viaFirst = await signIn(eng.id, second, first);
    expect(await outcome(viaFirst)).toMatchObject({
      status: 302,
      location: "/orgs",
    });
  });

  it("answers 403 below the role asked for", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    expect((await outcome(eng.cookie, "engineer")).ctx?.membership.role).toBe("engineer");
    expect(await outcome(eng.cookie, "lead")).toMatchObject({ status: 403 });
  });
});
