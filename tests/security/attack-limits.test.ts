import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { passwordWork } from "~/modules/accounts/passwords.server";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import * as forgot from "~/routes/forgot-password";
import * as login from "~/routes/login";
import * as reset from "~/routes/reset-password.$token";
import * as signup from "~/routes/signup";
import { createOrgWithAdmin, PASSWORD, uniqueEmail } from "../support/factories";
import { buildRequest, call, testContext } from "../support/remix";

// The limits in front of argon2, as an attacker tries them: in parallel, where a limit read
// before the work and counted after lets the whole burst through. What is counted is the
// argon2 work itself (the process's own counter), not the answers.

async function argon2Runs(kind: "hash" | "verify") {
  const metric = await passwordWork.get();
  return metric.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

async function resetTokenFor(email: string, ip: string) {
  await call(
    forgot.action,
    buildRequest("/forgot-password", { form: { email } }),
    {},
    testContext(ip),
  );
  const rows = await db
    .selectFrom("notifications")
    .select("action_url")
    .where("recipient_email", "=", email)
    .orderBy("created_at", "desc")
    .execute();
  return (rows[0]?.action_url ?? "").split("/reset-password/")[1] as string;
}

describe("rate limits under parallel requests", () => {
  it("100 parallel wrong logins from one address verify at most the per-address limit (30)", async () => {
    const before = await argon2Runs("verify");
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        call(
          login.action,
          buildRequest("/login", {
            form: { email: uniqueEmail("guess"), password: "wrong password" },
          }),
          {},
          testContext("203.0.113.50"),
        ),
      ),
    );
    const verified = (await argon2Runs("verify")) - before;
    console.log(`100 parallel wrong logins from one address: ${verified} argon2 verifications`);
    expect(verified).toBeGreaterThan(0);
    expect(verified).toBeLessThanOrEqual(30);
    expect(results.filter((r) => r.status === 429).length).toBe(100 - verified);
  });

  it("an office behind one address signs in all morning: correct passwords use none of its limit", async () => {
    const { admin } = await createOrgWithAdmin();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const response = await call(
        login.action,
        buildRequest("/login", { form: { email: admin.email, password: PASSWORD } }),
        {},
        testContext("203.0.113.60"),
      );
      statuses.push(response.status);
    }
    expect(statuses.every((status) => status === 302)).toBe(true);
  });

  it("100 parallel guesses at one account from 10 addresses verify at most the per-account limit (5)", async () => {
    const { admin } = await createOrgWithAdmin();
    const before = await argon2Runs("verify");
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(
          login.action,
          buildRequest("/login", { form: { email: admin.email, password: `guess number ${i}` } }),
          {},
          testContext(`203.0.113.${60 + (i % 10)}`),
        ),
      ),
    );
    const verified = (await argon2Runs("verify")) - before;
    console.log(`100 parallel guesses at one account from 10 addresses: ${verified} verifications`);
    expect(verified).toBeGreaterThan(0);
    expect(verified).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(95);
  });
});

describe("argon2 work only for those who may ask for it", () => {
  it("a made-up reset link hashes nothing, and one address gets 10 tries per 15 minutes", async () => {
    const before = await argon2Runs("hash");
    const form = { password: "a brand new password", confirm: "a brand new password" };
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const token = `bogus${i}`.padEnd(32, "a");
        return call(
          reset.action,
          buildRequest(`/reset-password/${token}`, { form }),
          { token },
          testContext("203.0.113.80"),
        );
      }),
    );
    expect((await argon2Runs("hash")) - before).toBe(0);
    expect(results.filter((r) => r.status === 422)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20);
  });

  it("one address signs up at most 10 organisations an hour, hashing nothing for the rest", async () => {
    const before = await argon2Runs("hash");
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        call(
          signup.action,
          buildRequest("/signup", {
            form: {
              displayName: "Mallory",
              email: uniqueEmail("mallory"),
              password: "a long enough password",
              organizationName: `Flood ${i}`,
            },
          }),
          {},
          testContext("203.0.113.90"),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 302)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
    expect((await argon2Runs("hash")) - before).toBe(10);
  });

  it("one address asks for at most 10 reset links per 15 minutes", async () => {
    const { admin } = await createOrgWithAdmin();
    const results = await Promise.all(
      Array.from({ length: 15 }, () =>
        call(
          forgot.action,
          buildRequest("/forgot-password", { form: { email: admin.email } }),
          {},
          testContext("203.0.113.91"),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
  });
});

describe("reset links", () => {
  const form = { password: "a brand new password", confirm: "a brand new password" };

  it("a newer link ends the older one", async () => {
    const { admin } = await createOrgWithAdmin();
    const older = await resetTokenFor(admin.email, "203.0.113.100");
    const newer = await resetTokenFor(admin.email, "203.0.113.100");
    expect(newer).not.toBe(older);
    const page = await call<{ valid: boolean }>(
      reset.loader,
      buildRequest(`/reset-password/${older}`),
      { token: older },
    );
    expect(page.data.valid).toBe(false);
    const used = await call(
      reset.action,
      buildRequest(`/reset-password/${older}`, { form }),
      { token: older },
      testContext("203.0.113.101"),
    );
    expect(used.status).toBe(422);
  });

  it("using a link ends every other one of the account", async () => {
    const { admin } = await createOrgWithAdmin();
    const used = await resetTokenFor(admin.email, "203.0.113.102");
    // Another link still open beside it (two requests at the same moment, or from before).
    const other = generateToken();
    await db
      .insertInto("password_resets")
      .values({
        user_id: admin.id,
        token_hash: hashToken(other),
        expires_at: new Date(Date.now() + 3_600_000),
      })
      .execute();
    const done = await call(
      reset.action,
      buildRequest(`/reset-password/${used}`, { form }),
      { token: used },
      testContext("203.0.113.103"),
    );
    expect(done.status).toBe(302);
    const again = await call(
      reset.action,
      buildRequest(`/reset-password/${other}`, {
        form: { password: "the attacker's password", confirm: "the attacker's password" },
      }),
      { token: other },
      testContext("203.0.113.103"),
    );
    expect(again.status).toBe(422);
    const page = await call<{ valid: boolean }>(
      reset.loader,
      buildRequest(`/reset-password/${other}`),
      { token: other },
    );
    expect(page.data.valid).toBe(false);
  });
});
