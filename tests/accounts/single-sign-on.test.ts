import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as ssoAdmin from "~/routes/_app.admin.sso";
import * as dashboard from "~/routes/_app.dashboard";
import * as login from "~/routes/login";
import * as switchOrg from "~/routes/orgs.switch";
import * as sso from "~/routes/sso";
import * as callback from "~/routes/sso.callback";
import {
  addMember,
  createOrgWithAdmin,
  createTeamRow,
  createUser,
  PASSWORD,
} from "../support/factories";
import { signInAtProvider, startTestProvider, type TestProvider } from "../support/oidc-provider";
import { buildRequest, call, cookieFrom, type RouteResult } from "../support/remix";

// Single sign-on against a real OpenID provider (oidc-provider on a loopback port): the
// browser's way through it is walked with fetch, Gapmap's routes are called as Remix would.

const REDIRECT_URI = "http://localhost:3000/sso/callback";
let provider: TestProvider;
let other: TestProvider;

beforeAll(async () => {
  [provider, other] = await Promise.all([
    startTestProvider({ redirectUris: [REDIRECT_URI] }),
    startTestProvider({ redirectUris: [REDIRECT_URI] }),
  ]);
});
afterAll(async () => {
  await Promise.all([provider?.close(), other?.close()]);
});

const domainOf = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}.test`;

async function configureSso(
  adminCookie: string,
  idp: TestProvider,
  fields: Partial<
    Record<
      "allowedDomains" | "defaultRole" | "defaultTeamId" | "requireSso" | "clientSecret",
      string
    >
  >,
) {
  return call<{ ok: boolean; fieldErrors?: Record<string, string> }>(
    ssoAdmin.action,
    buildRequest("/admin/sso", {
      cookie: adminCookie,
      form: {
        intent: "save",
        issuerUrl: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        defaultRole: "engineer",
        allowedDomains: "",
        ...fields,
      },
    }),
  );
}

/** An organisation whose SSO goes to `idp` and takes `domain`. */
async function ssoOrganization(idp: TestProvider, extra: Parameters<typeof configureSso>[2] = {}) {
  const org = await createOrgWithAdmin();
  const team = await createTeamRow(org.organizationId, "Newcomers");
  const domain = domainOf("acme");
  const saved = await configureSso(org.admin.cookie, idp, {
    allowedDomains: domain,
    defaultTeamId: team.id,
    ...extra,
  });
  expect(saved.data).toMatchObject({ ok: true });
  return { ...org, team, domain };
}

function stateCookieFrom(result: RouteResult) {
  const match = /gapmap_sso=([^;]*)/.exec(result.headers.get("Set-Cookie") ?? "");
  return match?.[1] ? `gapmap_sso=${match[1]}` : null;
}

/** "Continue with SSO" on the login page: to the provider, with the state cookie. */
async function continueWithSso(email: string) {
  const started = await call(sso.action, buildRequest("/sso", { form: { email } }));
  expect(started.status).toBe(302);
  return { authorizationUrl: started.headers.get("Location")!, cookie: stateCookieFrom(started)! };
}

function returnTo(callbackUrl: URL, cookie: string | null) {
  return call<{ message: string }>(
    callback.loader,
    buildRequest(`${callbackUrl.pathname}${callbackUrl.search}`, { cookie }),
  );
}

async function signInThroughSso(email: string, signInAs = email) {
  const { authorizationUrl, cookie } = await continueWithSso(email);
  return returnTo(await signInAtProvider(authorizationUrl, signInAs), cookie);
}

async function lastFailureReason(organizationId: string) {
  const row = await db
    .selectFrom("audit_log")
    .select("details")
    .where("organization_id", "=", organizationId)
    .where("action", "=", "sso.login_failed")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  return (row.details as { reason: string }).reason;
}

async function sessionCount(email: string) {
  const row = await db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("u.email", "=", email)
    .executeTakeFirstOrThrow();
  return row.n;
}

describe("single sign-on with OpenID Connect", () => {
  it("signs a new engineer in through the provider and gives them the default role and team", async () => {
    const org = await ssoOrganization(provider);
    const email = `nia@${org.domain}`;
    provider.addAccount({ email, name: "Nia Newcomer" });

    const signedIn = await signInThroughSso(email);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("Location")).toBe("/dashboard");
    const home = await call<{ organization: { id: string } }>(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: cookieFrom(signedIn) }),
    );
    expect(home.data.organization.id).toBe(org.organizationId);

    const member = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .innerJoin("team_members as tm", "tm.membership_id", "m.id")
      .select(["m.role", "tm.team_id", "u.display_name", "u.password_hash", "m.target_profile_id"])
      .where("u.email", "=", email)
      .executeTakeFirstOrThrow();
    expect(member).toMatchObject({
      role: "engineer",
      team_id: org.team.id,
      display_name: "Nia Newcomer",
      password_hash: null,
    });
    expect(member.target_profile_id).not.toBeNull();

    // A second sign-in finds the same membership.
    expect((await signInThroughSso(email)).status).toBe(302);
    const memberships = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("m.id")
      .where("u.email", "=", email)
      .execute();
    expect(memberships).toHaveLength(1);
  });

  it("links an existing account with the same verified email instead of creating another", async () => {
    const org = await ssoOrganization(provider);
    const existing = await createUser({
      email: `Lin@${org.domain}`.toLowerCase(),
      displayName: "Lin Existing",
    });
    provider.addAccount({ email: existing.email });

    expect((await signInThroughSso(existing.email)).status).toBe(302);
    const users = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", existing.email)
      .execute();
    expect(users).toEqual([{ id: existing.id }]);
    const membership = await db
      .selectFrom("memberships")
      .select("user_id")
      .where("organization_id", "=", org.organizationId)
      .where("user_id", "=", existing.id)
      .executeTakeFirst();
    expect(membership).toBeDefined();
  });

  it("gives a person who was invited the invitation's role, and spends the invitation", async () => {
    const org = await ssoOrganization(provider);
    const email = `ivy@${org.domain}`;
    provider.addAccount({ email });
    await db
      .insertInto("invitations")
      .values({
        organization_id: org.organizationId,
        email,
        role: "lead",
        team_id: null,
        token_hash: randomUUID(),
        expires_at: new Date(Date.now() + 86_400_000),
      })
      .execute();
    expect((await signInThroughSso(email)).status).toBe(302);
    const member = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("m.role")
      .where("u.email", "=", email)
      .executeTakeFirstOrThrow();
    expect(member.role).toBe("lead");
    const invitation = await db
      .selectFrom("invitations")
      .select("accepted_at")
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(invitation.accepted_at).not.toBeNull();
  });

  it("keeps a deactivated member out", async () => {
    const org = await ssoOrganization(provider);
    const member = await addMember(org.organizationId);
    const email = `gone@${org.domain}`;
    await db.updateTable("users").set({ email }).where("id", "=", member.id).execute();
    await db
      .updateTable("memberships")
      .set({ active: false, deactivated_at: new Date() })
      .where("id", "=", member.membershipId)
      .execute();
    provider.addAccount({ email });
    const before = await sessionCount(email);

    const refused = await signInThroughSso(email);
    expect(refused.status).toBe(403);
    expect(refused.data.message).toMatch(/access to this organisation was removed/);
    expect(cookieFrom(refused)).toBeNull();
    expect(await sessionCount(email)).toBe(before);
  });

  it("refuses, clearly, an address outside the allowed domains and an unverified one", async () => {
    const org = await ssoOrganization(provider);
    const outsider = `max@${domainOf("elsewhere")}`;
    provider.addAccount({ email: outsider });
    const { authorizationUrl, cookie } = await continueWithSso(`someone@${org.domain}`);
    const refused = await returnTo(await signInAtProvider(authorizationUrl, outsider), cookie);
    expect(refused.status).toBe(403);
    expect(refused.data.message).toBe(
      `${outsider} cannot join ${await orgName(org.organizationId)} through single sign-on: it accepts addresses at ${org.domain} only. Ask an admin to invite you.`,
    );
    expect(
      await db.selectFrom("users").select("id").where("email", "=", outsider).execute(),
    ).toEqual([]);

    const unverified = `una@${org.domain}`;
    provider.addAccount({ email: unverified, emailVerified: false });
    const notVerified = await signInThroughSso(unverified);
    expect(notVerified.status).toBe(403);
    expect(notVerified.data.message).toMatch(/has not verified una@/);
  });

  it("the login page finds the organisation's SSO by email domain, and says when there is none", async () => {
    const org = await ssoOrganization(provider);
    const { authorizationUrl } = await continueWithSso(`Pat@${org.domain.toUpperCase()}`);
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(provider.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: provider.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "openid email profile",
      code_challenge_method: "S256",
      login_hint: `pat@${org.domain}`,
    });
    expect(url.searchParams.get("nonce")).toBeTruthy();

    const none = await call<{ fieldErrors: Record<string, string> }>(
      sso.action,
      buildRequest("/sso", { form: { email: "x@nobody-uses-sso.test" } }),
    );
    expect(none.status).toBe(422);
    expect(none.data.fieldErrors.email).toBe(
      "No organisation signs in with SSO for nobody-uses-sso.test. Log in with your password instead.",
    );
  });
});

async function orgName(id: string) {
  return (
    await db
      .selectFrom("organizations")
      .select("name")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).name;
}

describe("the callback's security checks", () => {
  let org: Awaited<ReturnType<typeof ssoOrganization>>;
  let email: string;
  beforeAll(async () => {
    org = await ssoOrganization(provider);
    email = `sec@${org.domain}`;
    provider.addAccount({ email });
  });

  it("refuses a tampered state, and a callback from a browser that did not start the sign-in", async () => {
    const { authorizationUrl, cookie } = await continueWithSso(email);
    const back = await signInAtProvider(authorizationUrl, email);
    const tampered = new URL(back);
    tampered.searchParams.set("state", `${back.searchParams.get("state")}x`);
    const refused = await returnTo(tampered, cookie);
    expect(refused.status).toBe(403);
    expect(refused.data.message).toMatch(/not started in this browser/);
    expect(cookieFrom(refused)).toBeNull();

    // Login CSRF: the genuine callback URL opened in a browser without the state cookie.
    const elsewhere = await returnTo(back, null);
    expect(elsewhere.status).toBe(403);
    expect(cookieFrom(elsewhere)).toBeNull();
  });

  it("refuses a replayed code, both with its own state and with a fresh one", async () => {
    const { authorizationUrl, cookie } = await continueWithSso(email);
    const back = await signInAtProvider(authorizationUrl, email);
    expect((await returnTo(back, cookie)).status).toBe(302);

    const again = await returnTo(back, cookie);
    expect(again.status).toBe(403);
    expect(again.data.message).toMatch(/already used or has expired/);

    // The same code under a new attempt's state: the provider refuses to redeem it twice.
    const fresh = await continueWithSso(email);
    const replay = new URL(back);
    replay.searchParams.set("state", fresh.cookie.split("=")[1]!);
    const refused = await returnTo(replay, fresh.cookie);
    expect(refused.status).toBe(403);
    expect(cookieFrom(refused)).toBeNull();
    expect(await lastFailureReason(org.organizationId)).toMatch(/invalid_grant/);
  });

  it("refuses an ID token carrying another nonce than the one Gapmap sent", async () => {
    const { authorizationUrl, cookie } = await continueWithSso(email);
    const altered = new URL(authorizationUrl);
    altered.searchParams.set("nonce", "a-nonce-gapmap-never-issued");
    const refused = await returnTo(await signInAtProvider(altered.href, email), cookie);
    expect(refused.status).toBe(403);
    expect(refused.data.message).toMatch(/failed Gapmap's security checks/);
    expect(await lastFailureReason(org.organizationId)).toMatch(/nonce/);
  });

  it("refuses an ID token issued for another audience", async () => {
    provider.mintIdTokens = (claims) => ({ ...claims, aud: "another-application" });
    try {
      const refused = await signInThroughSso(email);
      expect(refused.status).toBe(403);
      expect(cookieFrom(refused)).toBeNull();
      expect(await lastFailureReason(org.organizationId)).toMatch(/"aud"/);
    } finally {
      provider.mintIdTokens = null;
    }
  });

  it("refuses an expired ID token", async () => {
    const now = Math.floor(Date.now() / 1000);
    provider.mintIdTokens = (claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 });
    try {
      const refused = await signInThroughSso(email);
      expect(refused.status).toBe(403);
      expect(await lastFailureReason(org.organizationId)).toMatch(/"exp"/);
    } finally {
      provider.mintIdTokens = null;
    }
    // The same provider's well-formed token still signs the person in.
    expect((await signInThroughSso(email)).status).toBe(302);
  });
});

describe("require SSO, and people in two organisations", () => {
  it("refuses a member's password, lets an admin in with one (audited), and sends password sessions to SSO", async () => {
    const org = await ssoOrganization(provider);
    const engineer = await addMember(org.organizationId);
    const saved = await configureSso(org.admin.cookie, provider, {
      allowedDomains: org.domain,
      requireSso: "on",
      clientSecret: "",
    });
    expect(saved.data).toMatchObject({ ok: true });

    const refused = await call<{ formError: string }>(
      login.action,
      buildRequest("/login", { form: { email: engineer.email, password: PASSWORD } }),
    );
    expect(refused.status).toBe(422);
    expect(refused.data.formError).toMatch(/signs in with single sign-on/);
    expect(cookieFrom(refused)).toBeNull();

    // A password session from before SSO was required no longer opens the organisation.
    const stale = await call(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: engineer.cookie }),
    );
    expect(stale.headers.get("Location")).toBe("/orgs");

    const admin = await call(
      login.action,
      buildRequest("/login", { form: { email: org.admin.email, password: PASSWORD } }),
    );
    expect(admin.status).toBe(302);
    const home = await call(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: cookieFrom(admin) }),
    );
    expect(home.status).toBe(200);
    const audit = await db
      .selectFrom("audit_log")
      .select(["actor_user_id", "ip"])
      .where("organization_id", "=", org.organizationId)
      .where("action", "=", "sso.break_glass")
      .execute();
    expect(audit).toEqual([{ actor_user_id: org.admin.id, ip: "198.51.100.7" }]);
  });

  it("switching to an organisation with another provider signs in there; a session acts only where it signed in", async () => {
    const a = await ssoOrganization(provider);
    const b = await ssoOrganization(other, { requireSso: "on" });
    const email = `sam@${a.domain}`;
    provider.addAccount({ email });
    other.addAccount({ email });
    const first = await signInThroughSso(email);
    const cookieA = cookieFrom(first);
    const sam = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    await db
      .insertInto("memberships")
      .values({ organization_id: b.organizationId, user_id: sam.id, role: "engineer" })
      .execute();

    // A's session cannot be pointed at B: B's own provider is asked.
    const toB = await call(
      switchOrg.action,
      buildRequest("/orgs/switch", { cookie: cookieA, form: { organizationId: b.organizationId } }),
    );
    expect(toB.status).toBe(302);
    const authorizationUrl = toB.headers.get("Location")!;
    expect(new URL(authorizationUrl).origin).toBe(other.issuer);
    const stillA = await call<{ organization: { id: string } }>(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: cookieA }),
    );
    expect(stillA.data.organization.id).toBe(a.organizationId);

    const inB = await returnTo(
      await signInAtProvider(authorizationUrl, email),
      stateCookieFrom(toB),
    );
    expect(inB.status).toBe(302);
    const homeB = await call<{ organization: { id: string } }>(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: cookieFrom(inB) }),
    );
    expect(homeB.data.organization.id).toBe(b.organizationId);

    // B's session going back to A goes through A's provider.
    const backToA = await call(
      switchOrg.action,
      buildRequest("/orgs/switch", {
        cookie: cookieFrom(inB),
        form: { organizationId: a.organizationId },
      }),
    );
    expect(new URL(backToA.headers.get("Location")!).origin).toBe(provider.issuer);

    // An organisation without SSO wants a password from a session another organisation's SSO started.
    const plain = await createOrgWithAdmin();
    await db
      .insertInto("memberships")
      .values({ organization_id: plain.organizationId, user_id: sam.id, role: "engineer" })
      .execute();
    const toPlain = await call(
      switchOrg.action,
      buildRequest("/orgs/switch", {
        cookie: cookieFrom(inB),
        form: { organizationId: plain.organizationId },
      }),
    );
    expect(toPlain.headers.get("Location")).toBe("/login?switch=1&redirectTo=%2Forgs");
    expect(
      (await call(dashboard.loader, buildRequest("/dashboard", { cookie: cookieFrom(inB) })))
        .status,
    ).toBe(302);
  });
});

describe("the SSO settings page", () => {
  it("stores the client secret encrypted, never shows it, and keeps it when left blank", async () => {
    const org = await ssoOrganization(provider);
    const row = await db
      .selectFrom("sso_connections")
      .select("client_secret_sealed")
      .where("organization_id", "=", org.organizationId)
      .executeTakeFirstOrThrow();
    expect(row.client_secret_sealed).not.toContain(provider.clientSecret);
    const page = await call(
      ssoAdmin.loader,
      buildRequest("/admin/sso", { cookie: org.admin.cookie }),
    );
    expect(JSON.stringify(page.data)).not.toContain(provider.clientSecret);
    expect(JSON.stringify(page.data)).not.toContain(row.client_secret_sealed);
    expect(page.data).toMatchObject({
      redirectUri: REDIRECT_URI,
      settings: { allowedDomains: [org.domain] },
    });

    expect(
      (
        await configureSso(org.admin.cookie, provider, {
          allowedDomains: org.domain,
          clientSecret: "",
        })
      ).data,
    ).toMatchObject({ ok: true });
    const email = `kim@${org.domain}`;
    provider.addAccount({ email });
    expect((await signInThroughSso(email)).status).toBe(302);
  });

  it("explains an unreachable issuer, a domain another organisation uses, and a missing secret beside their fields", async () => {
    const first = await ssoOrganization(provider);
    const second = await createOrgWithAdmin();
    const claimed = await configureSso(second.admin.cookie, provider, {
      allowedDomains: first.domain,
    });
    expect(claimed.status).toBe(422);
    expect(claimed.data.fieldErrors?.allowedDomains).toBe(
      `Another organisation's single sign-on already uses ${first.domain}`,
    );

    const unreachable = await call<{ fieldErrors: Record<string, string> }>(
      ssoAdmin.action,
      buildRequest("/admin/sso", {
        cookie: second.admin.cookie,
        form: {
          intent: "save",
          issuerUrl: "http://127.0.0.1:9/",
          clientId: "x",
          clientSecret: "y",
          allowedDomains: domainOf("z"),
          defaultRole: "engineer",
        },
      }),
    );
    expect(unreachable.status).toBe(422);
    expect(unreachable.data.fieldErrors.issuerUrl).toMatch(
      /could not read the provider's OpenID configuration at http:\/\/127.0.0.1:9/,
    );

    const noSecret = await configureSso(second.admin.cookie, provider, {
      allowedDomains: domainOf("z"),
      clientSecret: "",
    });
    expect(noSecret.data.fieldErrors?.clientSecret).toBe("Client secret is required");
    const badDomains = await configureSso(second.admin.cookie, provider, {
      allowedDomains: "example.com, not a domain",
    });
    expect(badDomains.data.fieldErrors?.allowedDomains).toMatch(
      /Not an email domain: not, a, domain/,
    );
    expect(
      await db
        .selectFrom("sso_connections")
        .select("organization_id")
        .where("organization_id", "=", second.organizationId)
        .execute(),
    ).toEqual([]);
  });
});
