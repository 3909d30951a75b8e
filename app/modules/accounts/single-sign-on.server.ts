import type { Kysely } from "kysely";
import * as oidc from "openid-client";
import { z } from "zod";
import { db } from "#db/database";
import type { Database, MemberRole } from "#db/schema";
import { AppError, invalid } from "~/lib/errors.server";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { openSecret, sealSecret } from "~/lib/secret-box.server";
import { recordAudit } from "~/modules/audit/audit.server";
import type { MemberContext } from "./auth.server";
import { acceptPendingInvitation, defaultTargetProfile } from "./invitations.server";
import { roleField, safeRedirect } from "./schemas";
import { generateToken, hashToken } from "./sessions.server";

// Sign-in through an organisation's OpenID provider: authorization code with PKCE, state
// and nonce, the ID token checked by openid-client (signature, issuer, audience, expiry,
// nonce). The state also sits in a short-lived cookie, so a callback URL made in another
// browser (login CSRF) is refused.

const SECRET_PURPOSE = "sso-client-secret";
const ATTEMPT_TTL_MS = 10 * 60_000;
const DISCOVERY_TTL_MS = 10 * 60_000;
export const SSO_STATE_COOKIE = "gapmap_sso";
export const SSO_SCOPES = "openid email profile";

export function ssoRedirectUri() {
  return `${env().APP_URL}/sso/callback`;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const domainPattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const SsoSettingsSchema = z.object({
  issuerUrl: z
    .string({ message: "Issuer URL is required" })
    .trim()
    .min(1, "Issuer URL is required")
    .max(500, "The issuer URL must be at most 500 characters")
    .pipe(z.url({ message: "Enter the issuer's URL, like https://login.example.com" }))
    .refine((v) => {
      const url = URL.parse(v);
      return (
        url?.protocol === "https:" || (url?.protocol === "http:" && LOOPBACK.has(url.hostname))
      );
    }, "The issuer must use https:// (plain http:// only on this machine, for testing)")
    .refine(
      (v) => !URL.parse(v)?.search && !URL.parse(v)?.hash,
      "The issuer URL has no query or fragment",
    )
    .transform((v) => v.replace(/\/+$/, "")),
  clientId: z
    .string({ message: "Client ID is required" })
    .trim()
    .min(1, "Client ID is required")
    .max(255, "The client ID must be at most 255 characters"),
  /** Blank on a later save: keep the stored secret. */
  clientSecret: z
    .string()
    .max(500, "The client secret must be at most 500 characters")
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : null)),
  allowedDomains: z
    .string({ message: "List at least one email domain" })
    .max(2000, "List at most 50 domains")
    .transform((text, ctx) => {
      const domains = [
        ...new Set(
          text
            .split(/[\s,;]+/)
            .map((d) => d.trim().toLowerCase().replace(/^@/, ""))
            .filter(Boolean),
        ),
      ];
      const bad = domains.filter((d) => !domainPattern.test(d));
      if (!domains.length)
        ctx.addIssue({
          code: "custom",
          message: "List at least one email domain, like example.com",
        });
      else if (bad.length)
        ctx.addIssue({
          code: "custom",
          message: `Not an email domain: ${bad.slice(0, 3).join(", ")}`,
        });
      else if (domains.length > 50)
        ctx.addIssue({ code: "custom", message: "List at most 50 domains" });
      return domains;
    }),
  defaultRole: roleField,
  defaultTeamId: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(z.uuid("Choose a team from the list").nullable()),
  requireSso: z
    .string()
    .optional()
    .transform((v) => v === "on"),
});

export type SsoSettingsInput = z.output<typeof SsoSettingsSchema>;

/** The organisation's SSO settings as the admin page shows them: never the secret. */
export async function getSsoSettings(organizationId: string) {
  const row = await db
    .selectFrom("sso_connections")
    .select([
      "issuer_url",
      "client_id",
      "default_role",
      "default_team_id",
      "require_sso",
      "updated_at",
    ])
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!row) return null;
  const domains = await db
    .selectFrom("sso_domains")
    .select("domain")
    .where("organization_id", "=", organizationId)
    .orderBy("domain")
    .execute();
  return {
    issuerUrl: row.issuer_url,
    clientId: row.client_id,
    allowedDomains: domains.map((d) => d.domain),
    defaultRole: row.default_role,
    defaultTeamId: row.default_team_id,
    requireSso: row.require_sso,
    updatedAt: row.updated_at,
  };
}

function allowInsecureFor(issuerUrl: string) {
  // Plain http only reaches an issuer on this machine (tests, a local provider).
  return new URL(issuerUrl).protocol === "http:" ? [oidc.allowInsecureRequests] : [];
}

function discover(issuerUrl: string, clientId: string, clientSecret: string) {
  return oidc.discovery(new URL(issuerUrl), clientId, clientSecret, oidc.ClientSecretBasic(), {
    execute: allowInsecureFor(issuerUrl),
    timeout: 10,
  });
}

/** Saves the settings after checking the issuer answers discovery with these credentials' shape. */
export async function saveSsoSettings(
  ctx: MemberContext,
  input: SsoSettingsInput,
  ip: string | null,
) {
  const orgId = ctx.organization.id;
  const existing = await db
    .selectFrom("sso_connections")
    .select("client_secret_sealed")
    .where("organization_id", "=", orgId)
    .executeTakeFirst();
  const secret =
    input.clientSecret ??
    (existing ? openSecret(existing.client_secret_sealed, SECRET_PURPOSE) : null);
  if (!secret)
    throw invalid("Please correct the highlighted fields.", {
      clientSecret: "Client secret is required",
    });
  if (input.defaultTeamId) {
    const team = await db
      .selectFrom("teams")
      .select("id")
      .where("organization_id", "=", orgId)
      .where("id", "=", input.defaultTeamId)
      .executeTakeFirst();
    if (!team)
      throw invalid("Please correct the highlighted fields.", {
        defaultTeamId: "Choose a team from the list",
      });
  }
  const claimed = await db
    .selectFrom("sso_domains")
    .select("domain")
    .where("domain", "in", input.allowedDomains)
    .where("organization_id", "<>", orgId)
    .execute();
  if (claimed.length) {
    throw invalid("Please correct the highlighted fields.", {
      allowedDomains: `Another organisation's single sign-on already uses ${claimed.map((c) => c.domain).join(", ")}`,
    });
  }
  try {
    await discover(input.issuerUrl, input.clientId, secret);
  } catch (error) {
    throw invalid("Please correct the highlighted fields.", {
      issuerUrl: `Gapmap could not read the provider's OpenID configuration at ${input.issuerUrl}/.well-known/openid-configuration (${reasonOf(error)})`,
    });
  }

  await db.transaction().execute(async (trx) => {
    const values = {
      issuer_url: input.issuerUrl,
      client_id: input.clientId,
      client_secret_sealed: input.clientSecret
        ? sealSecret(input.clientSecret, SECRET_PURPOSE)
        : existing!.client_secret_sealed,
      default_role: input.defaultRole,
      default_team_id: input.defaultTeamId,
      require_sso: input.requireSso,
      updated_at: new Date(),
    };
    await trx
      .insertInto("sso_connections")
      .values({ organization_id: orgId, ...values })
      .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
      .execute();
    await trx.deleteFrom("sso_domains").where("organization_id", "=", orgId).execute();
    await trx
      .insertInto("sso_domains")
      .values(input.allowedDomains.map((domain) => ({ domain, organization_id: orgId })))
      .execute();
    await recordAudit(
      {
        organizationId: orgId,
        actorUserId: ctx.user.id,
        action: existing ? "sso.update" : "sso.create",
        objectType: "organization",
        objectId: orgId,
        details: {
          issuerUrl: input.issuerUrl,
          clientId: input.clientId,
          secretChanged: Boolean(input.clientSecret),
          allowedDomains: input.allowedDomains,
          defaultRole: input.defaultRole,
          requireSso: input.requireSso,
        },
        ip,
      },
      trx,
    );
  });
  configurations.delete(orgId);
}

export async function removeSsoSettings(ctx: MemberContext, ip: string | null) {
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom("sso_connections")
      .where("organization_id", "=", ctx.organization.id)
      .returning("issuer_url")
      .executeTakeFirst();
    if (!removed) return;
    // Sessions it started act nowhere else; they end with it.
    await trx
      .deleteFrom("sessions")
      .where("sso_organization_id", "=", ctx.organization.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "sso.remove",
        objectType: "organization",
        objectId: ctx.organization.id,
        details: { issuerUrl: removed.issuer_url },
        ip,
      },
      trx,
    );
  });
  configurations.delete(ctx.organization.id);
}

/** The organisation whose single sign-on takes this email's domain, if any. */
export async function findSsoForEmail(email: string) {
  const domain = email.toLowerCase().split("@").pop() ?? "";
  return (
    (await db
      .selectFrom("sso_domains as d")
      .innerJoin("organizations as o", "o.id", "d.organization_id")
      .select(["o.id", "o.name"])
      .where("d.domain", "=", domain)
      // A closed organisation (deletion pending) signs nobody in.
      .where("o.closed_at", "is", null)
      .executeTakeFirst()) ?? null
  );
}

/** Whether the organisation has single sign-on set up (for the organisation switcher). */
export async function hasSso(organizationId: string) {
  const row = await db
    .selectFrom("sso_connections")
    .select("organization_id")
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return Boolean(row);
}

// Discovery answers, per organisation, for a few minutes: a sign-in should not wait on two
// extra round trips to the provider each time.
const configurations = new Map<
  string,
  { key: string; at: number; config: Promise<oidc.Configuration> }
>();

async function providerConfiguration(organizationId: string) {
  const row = await db
    .selectFrom("sso_connections")
    .select(["issuer_url", "client_id", "client_secret_sealed", "updated_at"])
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!row)
    throw new AppError(
      "not_found",
      "This organisation does not sign in with SSO any more. Log in with your password.",
    );
  const key = `${row.issuer_url}|${row.client_id}|${row.updated_at.toISOString()}`;
  const cached = configurations.get(organizationId);
  if (cached && cached.key === key && Date.now() - cached.at < DISCOVERY_TTL_MS)
    return cached.config;
  const config = discover(
    row.issuer_url,
    row.client_id,
    openSecret(row.client_secret_sealed, SECRET_PURPOSE),
  );
  configurations.set(organizationId, { key, at: Date.now(), config });
  config.catch(() => configurations.delete(organizationId));
  return config;
}

function stateCookie(value: string, maxAgeSeconds: number) {
  const parts = [
    `${SSO_STATE_COOKIE}=${value}`,
    "Path=/sso",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (env().APP_URL.startsWith("https://")) parts.push("Secure");
  return parts.join("; ");
}

export const clearStateCookie = () => stateCookie("", 0);

function readStateCookie(request: Request) {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SSO_STATE_COOKIE) return rest.join("=");
  }
  return null;
}

/**
 * Starts a sign-in through the organisation's provider: the attempt is stored, and the
 * caller redirects to `url` with `cookie` set.
 */
export async function beginSsoLogin(input: {
  organizationId: string;
  redirectTo?: string | null;
  loginHint?: string | null;
}) {
  let config: oidc.Configuration;
  try {
    config = await providerConfiguration(input.organizationId);
  } catch (error) {
    if (error instanceof AppError) throw error;
    logger.warn({ err: error, organizationId: input.organizationId }, "SSO discovery failed");
    throw invalid(
      "Your organisation's identity provider cannot be reached right now. Try again in a minute, or ask your admin.",
    );
  }
  const state = generateToken();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  await db.deleteFrom("sso_login_attempts").where("expires_at", "<", new Date()).execute();
  await db
    .insertInto("sso_login_attempts")
    .values({
      state_hash: hashToken(state),
      organization_id: input.organizationId,
      nonce,
      code_verifier: codeVerifier,
      redirect_to: safeRedirect(input.redirectTo, env().APP_URL),
      expires_at: new Date(Date.now() + ATTEMPT_TTL_MS),
    })
    .execute();
  const parameters: Record<string, string> = {
    redirect_uri: ssoRedirectUri(),
    scope: SSO_SCOPES,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  };
  if (input.loginHint) parameters.login_hint = input.loginHint;
  return {
    url: oidc.buildAuthorizationUrl(config, parameters).href,
    cookie: stateCookie(state, ATTEMPT_TTL_MS / 1000),
  };
}

const RETRY = "Start again from the login page.";

export class SsoRefusal extends AppError {
  constructor(
    message: string,
    /** For the audit log: which check refused it. */
    public readonly reason: string,
  ) {
    super("forbidden", message);
  }
}

/** The error's code and messages down its cause chain (openid-client wraps the check that failed). */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (
    let e = error as
        { code?: string; error?: string; message?: string; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 3;
    e = e.cause as typeof e, depth++
  ) {
    parts.push(
      ...[e.code, e.error, e.message].filter(
        (p): p is string => typeof p === "string" && !parts.includes(p),
      ),
    );
  }
  return parts.join(": ").slice(0, 500) || "unknown error";
}

/**
 * Finishes a sign-in: checks the callback against the stored attempt and the browser's
 * cookie, redeems the code, validates the ID token, and finds or creates the membership.
 */
export async function completeSsoLogin(request: Request, ip: string | null) {
  const url = new URL(request.url);
  // The redirect URI the provider knows, whatever host the request came in through.
  const callbackUrl = new URL(`${ssoRedirectUri()}${url.search}`);
  const state = callbackUrl.searchParams.get("state") ?? "";
  const cookieState = readStateCookie(request);
  if (!state || !cookieState || state !== cookieState) {
    throw new SsoRefusal(
      `This sign-in link was not started in this browser, or has expired. ${RETRY}`,
      "state_mismatch",
    );
  }
  const attempt = await db
    .deleteFrom("sso_login_attempts")
    .where("state_hash", "=", hashToken(state))
    .returning(["organization_id", "nonce", "code_verifier", "redirect_to", "expires_at"])
    .executeTakeFirst();
  if (!attempt || attempt.expires_at.getTime() <= Date.now()) {
    throw new SsoRefusal(`This sign-in was already used or has expired. ${RETRY}`, "state_unknown");
  }
  const orgId = attempt.organization_id;
  const providerError = callbackUrl.searchParams.get("error");
  if (providerError) {
    await auditFailure(orgId, providerError, ip);
    throw new SsoRefusal(
      `Your identity provider did not sign you in (${providerError.slice(0, 100)}). ${RETRY}`,
      providerError,
    );
  }

  let claims: Record<string, unknown>;
  try {
    const config = await providerConfiguration(orgId);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: attempt.code_verifier,
      expectedState: state,
      expectedNonce: attempt.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new Error("no ID token");
    claims = idToken;
    // Providers that keep the ID token small answer the email at the userinfo endpoint.
    if (typeof idToken.email !== "string") {
      claims = {
        ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)),
        ...idToken,
      };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = reasonOf(error);
    logger.warn({ err: error, organizationId: orgId }, "SSO callback refused");
    await auditFailure(orgId, reason, ip);
    throw new SsoRefusal(
      `Your identity provider's answer failed Gapmap's security checks, so you are not signed in. ${RETRY} If it happens again, tell your admin.`,
      reason,
    );
  }

  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || !z.email().safeParse(email).success) {
    await auditFailure(orgId, "no_email", ip);
    throw new SsoRefusal(
      "Your identity provider did not share your email address (the email scope), so Gapmap cannot tell who you are. Ask your admin.",
      "no_email",
    );
  }
  if (claims.email_verified !== true) {
    await auditFailure(orgId, "email_not_verified", ip, email);
    throw new SsoRefusal(
      `Your identity provider has not verified ${email}, so Gapmap cannot sign you in with it. Ask your admin.`,
      "email_not_verified",
    );
  }
  const displayName =
    typeof claims.name === "string" && claims.name.trim()
      ? claims.name.trim().slice(0, 100)
      : email.split("@")[0]!;
  const joined = await joinThroughSso({ organizationId: orgId, email, displayName, ip });
  return { ...joined, organizationId: orgId, redirectTo: attempt.redirect_to };
}

async function auditFailure(
  organizationId: string,
  reason: string,
  ip: string | null,
  email?: string,
) {
  await recordAudit({
    organizationId,
    actorUserId: null,
    action: "sso.login_failed",
    objectType: "organization",
    objectId: organizationId,
    details: email ? { reason, email } : { reason },
    ip,
  });
}

/**
 * Just-in-time membership: the account with this (verified) email is used, or created. A
 * member signs in whatever their address; a first sign-in joins the organisation only from
 * an allowed domain, with a pending invitation's place, else the default role and team. A
 * deactivated member stays out.
 */
async function joinThroughSso(input: {
  organizationId: string;
  email: string;
  displayName: string;
  ip: string | null;
}) {
  const orgId = input.organizationId;
  const existing = await db
    .selectFrom("users as u")
    .leftJoin("memberships as m", (join) =>
      join.onRef("m.user_id", "=", "u.id").on("m.organization_id", "=", orgId),
    )
    .select(["u.id", "m.active"])
    .where((eb) => eb(eb.fn("lower", ["u.email"]), "=", input.email))
    .executeTakeFirst();
  if (existing?.active === false) {
    await auditFailure(orgId, "deactivated", input.ip, input.email);
    throw new SsoRefusal(
      "Your access to this organisation was removed by an admin. Ask them if you think this is a mistake.",
      "deactivated",
    );
  }
  if (existing?.active === true) {
    await recordAudit({
      organizationId: orgId,
      actorUserId: existing.id,
      action: "sso.login",
      objectType: "user",
      objectId: existing.id,
      details: { email: input.email },
      ip: input.ip,
    });
    return { userId: existing.id, joined: false };
  }

  const allowed = await db
    .selectFrom("sso_domains as d")
    .innerJoin("organizations as o", "o.id", "d.organization_id")
    .select(["d.domain", "o.name"])
    .where("d.organization_id", "=", orgId)
    .orderBy("d.domain")
    .execute();
  if (!allowed.some((d) => d.domain === input.email.split("@")[1])) {
    await auditFailure(orgId, "domain_not_allowed", input.ip, input.email);
    throw new SsoRefusal(
      `${input.email} cannot join ${allowed[0]?.name ?? "this organisation"} through single sign-on: it accepts addresses at ${allowed.map((d) => d.domain).join(", ")} only. Ask an admin to invite you.`,
      "domain_not_allowed",
    );
  }
  return db.transaction().execute(async (trx) => {
    const userId =
      existing?.id ??
      (
        await trx
          .insertInto("users")
          .values({ email: input.email, display_name: input.displayName, password_hash: null })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    await addMembershipThroughSso(trx, { organizationId: orgId, userId, email: input.email });
    await recordAudit(
      {
        organizationId: orgId,
        actorUserId: userId,
        action: "sso.join",
        objectType: "user",
        objectId: userId,
        details: { email: input.email, linkedExistingAccount: Boolean(existing) },
        ip: input.ip,
      },
      trx,
    );
    return { userId, joined: true };
  });
}

async function addMembershipThroughSso(
  trx: Kysely<Database>,
  input: { organizationId: string; userId: string; email: string },
) {
  const connection = await trx
    .selectFrom("sso_connections")
    .select(["default_role", "default_team_id"])
    .where("organization_id", "=", input.organizationId)
    .executeTakeFirstOrThrow();
  const invitation = await acceptPendingInvitation(trx, input.organizationId, input.email);
  const role: MemberRole = invitation?.role ?? connection.default_role;
  const teamId = invitation ? invitation.team_id : connection.default_team_id;
  const profileId =
    invitation?.target_profile_id ?? (await defaultTargetProfile(trx, input.organizationId));
  const membership = await trx
    .insertInto("memberships")
    .values({
      organization_id: input.organizationId,
      user_id: input.userId,
      role,
      target_profile_id: profileId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (teamId) {
    await trx
      .insertInto("team_members")
      .values({
        organization_id: input.organizationId,
        team_id: teamId,
        membership_id: membership.id,
        is_lead: false,
      })
      .execute();
  }
}

/**
 * The organisation a password sign-in opens: the first one that takes passwords from this
 * person. Refused when every organisation they belong to requires SSO; an admin's password
 * sign-in to such an organisation (the break-glass) is audited there.
 */
export async function organizationForPasswordSignIn(
  userId: string,
  ip: string | null,
): Promise<string | null> {
  const memberships = await db
    .selectFrom("memberships as m")
    .leftJoin("sso_connections as sso", "sso.organization_id", "m.organization_id")
    .select(["m.organization_id", "m.role", "sso.require_sso"])
    .where("m.user_id", "=", userId)
    .where("m.active", "=", true)
    .orderBy("m.created_at")
    .execute();
  if (!memberships.length) return null;
  const open =
    memberships.find((m) => !m.require_sso) ?? memberships.find((m) => m.role === "admin");
  if (!open) {
    throw invalid(
      "Your organisation signs in with single sign-on: use “Continue with SSO” instead of your password.",
    );
  }
  if (open.require_sso) {
    await recordAudit({
      organizationId: open.organization_id,
      actorUserId: userId,
      action: "sso.break_glass",
      objectType: "user",
      objectId: userId,
      details: { note: "An admin signed in with a password while the organisation requires SSO" },
      ip,
    });
  }
  return open.organization_id;
}
