import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { hashToken, sessionCookie } from "~/modules/accounts/sessions.server";
import { actionForms, tenantParams, tenantSearch } from "../support/action-forms";
import { startAppServer, type AppServer } from "../support/app-server";
import { PASSWORD, uniqueEmail } from "../support/factories";
import { appRoutes, fillPattern, type AppRoute } from "../support/route-manifest";
import { buildTenant, tenantDigest, type Tenant } from "../support/tenant-fixture";

// Cross-site posts, security headers, session cookies and their lifetime, through the real
// production server (the checks live in its HTTP layer, in front of Remix).
// Covered elsewhere, not repeated here: logout ending the session, reset and invitation
// links being single-use and expiring, the login limits (tests/accounts).

let app: AppServer;
let t: Tenant;
let routes: AppRoute[];

beforeAll(async () => {
  [app, t, routes] = await Promise.all([startAppServer(), buildTenant(), appRoutes()]);
});

afterAll(async () => {
  await app?.stop();
});

const sameOrigin = () => ({ Origin: app.url, "Sec-Fetch-Site": "same-origin" });
const urlOf = (route: AppRoute) =>
  fillPattern(route.pattern, tenantParams(t, route.id)).url + tenantSearch(t, route.id);
const tokenOf = (cookie: string) => cookie.split("=")[1]!;

async function logIn(email: string, cookie?: string) {
  const response = await fetch(`${app.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { ...sameOrigin(), ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(302);
  return response.headers.get("Set-Cookie") ?? "";
}

async function dashboardWith(cookie: string) {
  const response = await fetch(`${app.url}/dashboard`, { redirect: "manual", headers: { Cookie: cookie } });
  return { status: response.status, location: response.headers.get("Location") ?? "" };
}

describe("cross-site requests", () => {
  it("refuses a cross-site post to every action with 403, and it changes nothing", async () => {
    const before = await tenantDigest(t.organizationId);
    const forms = actionForms(t);
    const cookie = await t.session("admin");
    const answers: string[] = [];
    for (const route of routes.filter((r) => r.action && !r.id.startsWith("api.v1"))) {
      const fields = forms[route.id]?.[0]?.fields ?? {};
      const crossSite: Record<string, string>[] = [
        { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
        // A browser that leaves out Origin still says where the request came from.
        { "Sec-Fetch-Site": "cross-site" },
      ];
      for (const headers of crossSite) {
        const response = await fetch(`${app.url}${urlOf(route)}`, {
          method: "POST",
          redirect: "manual",
          headers: { ...headers, Cookie: cookie },
          body: new URLSearchParams(fields),
        });
        answers.push(`${route.id}: ${response.status}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith(": 403"))).toEqual([]);
    expect(await tenantDigest(t.organizationId)).toBe(before);

    // The same post from the app's own pages goes through.
    const own = await fetch(`${app.url}/admin/teams`, {
      method: "POST",
      redirect: "manual",
      headers: { ...sameOrigin(), Cookie: cookie },
      body: new URLSearchParams({ name: "Made from our own page" }),
    });
    expect(own.status).toBe(302);
    expect(own.headers.get("Location")).toMatch(/^\/admin\/teams\//);
  });
});

describe("security headers", () => {
  it("sends a strict CSP, nosniff, no framing and a referrer policy on every page", async () => {
    const cookie = await t.session("admin");
    const urls = routes.filter((r) => r.loader && !r.id.startsWith("api.v1")).map(urlOf);
    // Also pages that do not exist, and ids that cannot: each still a page with the headers, never a 5xx.
    urls.push("/no-such-page", "/admin/members/not-an-id", "/admin/teams/%E0%A4%A", "/reports/%00");
    const missing: string[] = [];
    for (const url of urls) {
      const visitors: Record<string, string>[] = [{ Cookie: cookie }, {}];
      for (const headers of visitors) {
        const response = await fetch(`${app.url}${url}`, { redirect: "manual", headers });
        await response.arrayBuffer();
        const h = response.headers;
        const csp = h.get("Content-Security-Policy") ?? "";
        const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? "";
        const problems = [
          !/frame-ancestors 'none'/.test(csp) && "frame-ancestors",
          !/object-src 'none'/.test(csp) && "object-src",
          !/^'self' 'nonce-[A-Za-z0-9+/=]+'$/.test(scriptSrc) && `script-src ${scriptSrc}`,
          h.get("X-Content-Type-Options") !== "nosniff" && "X-Content-Type-Options",
          !["DENY", "SAMEORIGIN"].includes(h.get("X-Frame-Options") ?? "") && "X-Frame-Options",
          h.get("Referrer-Policy") !== "strict-origin-when-cross-origin" && "Referrer-Policy",
          h.get("X-Powered-By") && "X-Powered-By",
          response.status >= 500 && `status ${response.status}`,
        ].filter(Boolean);
        if (problems.length) missing.push(`${url} (${headers.Cookie ? "signed in" : "anonymous"}): ${problems.join(", ")}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("session cookies", () => {
  it("are HttpOnly, SameSite=Lax and for the whole site; Secure when the app is served over https", async () => {
    const cookie = await logIn(t.ann.email);
    expect(cookie).toMatch(/^gapmap_session=[a-z2-7]{32};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure");

    const appUrl = process.env.APP_URL;
    process.env.APP_URL = "https://gapmap.example.com";
    try {
      expect(sessionCookie("a".repeat(32))).toMatch(/; Secure$/);
    } finally {
      process.env.APP_URL = appUrl;
    }
  });

  it("logging in starts a new session and ends the one the browser came with", async () => {
    const old = (await logIn(t.ann.email)).split(";")[0]!;
    expect((await dashboardWith(old)).status).toBe(200);
    const fresh = (await logIn(t.ann.email, old)).split(";")[0]!;
    expect(tokenOf(fresh)).not.toBe(tokenOf(old));
    expect(await dashboardWith(old)).toEqual({ status: 302, location: "/login?redirectTo=%2Fdashboard" });
    expect(await db.selectFrom("sessions").select("id").where("id", "=", hashToken(tokenOf(old))).execute()).toEqual([]);
    expect((await dashboardWith(fresh)).status).toBe(200);
  });

  it("an expired session is refused and deleted", async () => {
    const cookie = await t.session("engineer");
    const id = hashToken(tokenOf(cookie));
    await db.updateTable("sessions").set({ expires_at: new Date(Date.now() - 1000) }).where("id", "=", id).execute();
    expect((await dashboardWith(cookie)).location).toMatch(/^\/login/);
    expect(await db.selectFrom("sessions").select("id").where("id", "=", id).execute()).toEqual([]);
  });
});

describe("password reset requests", () => {
  it("answer with the same page whether or not the account exists", async () => {
    const page = async (email: string) => {
      const response = await fetch(`${app.url}/forgot-password`, {
        method: "POST",
        headers: sameOrigin(),
        body: new URLSearchParams({ email }),
      });
      // Only what differs on every request anyway (its id, the CSP nonce) and the address typed are left out.
      const html = (await response.text())
        .replaceAll(email, "EMAIL")
        .replaceAll(response.headers.get("X-Request-Id") ?? "", "REQUEST")
        .replace(/nonce="[^"]*"/g, "");
      return { status: response.status, html };
    };
    const known = await page(t.dan.email);
    const unknown = await page(uniqueEmail("nobody"));
    expect(known.status).toBe(200);
    expect(unknown).toEqual(known);
  });
});
