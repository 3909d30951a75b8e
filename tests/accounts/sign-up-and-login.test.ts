import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as dashboard from "~/routes/_app.dashboard";
import * as login from "~/routes/login";
import * as logout from "~/routes/logout";
import * as signup from "~/routes/signup";
import { PASSWORD, createOrgWithAdmin, createUser, uniqueEmail } from "../support/factories";
import { buildRequest, call, cookieFrom, testContext } from "../support/remix";

function signUpForm(overrides: Record<string, string> = {}) {
  return {
    displayName: "Grace Hopper",
    email: uniqueEmail("grace"),
    password: "a long enough password",
    organizationName: "Compilers Inc",
    ...overrides,
  };
}

describe("sign up", () => {
  it("creates the account, an organisation with the default framework, and signs in as its admin", async () => {
    const form = signUpForm();
    const result = await call(signup.action, buildRequest("/signup", { form }));
    expect(result.status).toBe(302);
    expect(result.headers.get("Location")).toBe("/dashboard");
    const setCookie = result.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);

    const membership = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .innerJoin("organizations as o", "o.id", "m.organization_id")
      .select(["m.role", "o.name", "o.slug", "o.default_framework_id", "u.password_hash"])
      .where("u.email", "=", form.email)
      .executeTakeFirstOrThrow();
    expect(membership).toMatchObject({ role: "admin", name: "Compilers Inc" });
    expect(membership.default_framework_id).not.toBeNull();
    expect(membership.password_hash).toMatch(/^\$argon2id\$/);

    const page = await call<{ organization: { name: string } }>(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: cookieFrom(result) }),
    );
    expect(page.status).toBe(200);
    expect(page.data.organization.name).toBe("Compilers Inc");
  });

  it("gives each organisation a unique slug", async () => {
    await call(signup.action, buildRequest("/signup", { form: signUpForm({ organizationName: "Same Name" }) }));
    await call(signup.action, buildRequest("/signup", { form: signUpForm({ organizationName: "Same Name" }) }));
    const slugs = await db.selectFrom("organizations").select("slug").where("name", "=", "Same Name").execute();
    expect(new Set(slugs.map((s) => s.slug)).size).toBe(2);
  });

  it("explains each invalid field instead of failing", async () => {
    const result = await call<{ fieldErrors: Record<string, string> }>(
      signup.action,
      buildRequest("/signup", { form: { displayName: " ", email: "not-an-email", password: "short", organizationName: "" } }),
    );
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors).toEqual({
      displayName: "Name is required",
      email: "Enter a valid email address, like ada@example.com",
      password: "Use at least 10 characters",
      organizationName: "Organisation name is required",
    });
  });

  it("refuses an email that already has an account, whatever its case", async () => {
    const existing = await createUser();
    const result = await call<{ fieldErrors: Record<string, string> }>(
      signup.action,
      buildRequest("/signup", { form: signUpForm({ email: existing.email.toUpperCase() }) }),
    );
    expect(result.status).toBe(409);
    expect(result.data.fieldErrors.email).toMatch(/already exists/);
  });
});

describe("log in and out", () => {
  it("starts a new session on every login and ends it on logout", async () => {
    const { admin: user } = await createOrgWithAdmin();
    const form = { email: user.email, password: PASSWORD };
    const first = await call(login.action, buildRequest("/login", { form }));
    const second = await call(login.action, buildRequest("/login", { form }));
    expect(first.status).toBe(302);
    expect(cookieFrom(first)).not.toBeNull();
    expect(cookieFrom(first)).not.toBe(cookieFrom(second));

    const out = await call(logout.action, buildRequest("/logout", { method: "POST", cookie: cookieFrom(first) }));
    expect(out.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
    const after = await call(dashboard.loader, buildRequest("/dashboard", { cookie: cookieFrom(first) }));
    expect(after.status).toBe(302);
    expect(after.headers.get("Location")).toMatch(/^\/login/);
    // The other session is untouched.
    const other = await call(dashboard.loader, buildRequest("/dashboard", { cookie: cookieFrom(second) }));
    expect(other.status).not.toBe(302);
  });

  it("answers the same for an unknown email and a wrong password", async () => {
    const user = await createUser();
    const wrong = await call<{ formError: string }>(
      login.action,
      buildRequest("/login", { form: { email: user.email, password: "not the password" } }),
      {},
      testContext("192.0.2.10"),
    );
    const unknown = await call<{ formError: string }>(
      login.action,
      buildRequest("/login", { form: { email: uniqueEmail("nobody"), password: "whatever it is" } }),
      {},
      testContext("192.0.2.10"),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.data.formError).toBe("Email or password is incorrect.");
    expect(unknown.data.formError).toBe(wrong.data.formError);
  });

  it("only redirects within the site after login", async () => {
    const { admin: user } = await createOrgWithAdmin();
    const result = await call(
      login.action,
      buildRequest("/login", { form: { email: user.email, password: PASSWORD, redirectTo: "//evil.example/x" } }),
    );
    expect(result.headers.get("Location")).toBe("/dashboard");
  });

  it("locks an account after five failed attempts, even with the right password", async () => {
    const user = await createUser();
    for (let i = 0; i < 5; i++) {
      const r = await call(
        login.action,
        buildRequest("/login", { form: { email: user.email, password: `wrong ${i}` } }),
        {},
        testContext(`203.0.113.${i + 1}`),
      );
      expect(r.status).toBe(422);
    }
    const locked = await call<{ formError: string }>(
      login.action,
      buildRequest("/login", { form: { email: user.email, password: PASSWORD } }),
      {},
      testContext("203.0.113.99"),
    );
    expect(locked.status).toBe(429);
    expect(locked.data.formError).toMatch(/Too many sign-in attempts\. Wait (a minute|\d+ minutes)/);
  });

  it("limits attempts from one address across accounts", async () => {
    const ip = "198.18.0.77";
    let last = 0;
    for (let i = 0; i < 31; i++) {
      const r = await call(
        login.action,
        buildRequest("/login", { form: { email: uniqueEmail("spray"), password: "guess guess" } }),
        {},
        testContext(ip),
      );
      last = r.status;
    }
    expect(last).toBe(429);
  });
});
