import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as dashboard from "~/routes/_app.dashboard";
import * as forgot from "~/routes/forgot-password";
import * as login from "~/routes/login";
import * as reset from "~/routes/reset-password.$token";
import { createOrgWithAdmin, uniqueEmail } from "../support/factories";
import { buildRequest, call, testContext } from "../support/remix";

async function outboxFor(email: string) {
  return db.selectFrom("notifications").selectAll().where("recipient_email", "=", email).execute();
}

describe("password reset", () => {
  it("answers the same whether or not the account exists, and only mails real accounts", async () => {
    const { admin } = await createOrgWithAdmin();
    const nobody = uniqueEmail("nobody");
    const known = await call(forgot.action, buildRequest("/forgot-password", { form: { email: admin.email } }));
    const unknown = await call(forgot.action, buildRequest("/forgot-password", { form: { email: nobody } }));
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(Object.keys(known.data as object).sort()).toEqual(Object.keys(unknown.data as object).sort());
    expect(await outboxFor(nobody)).toHaveLength(0);
    const [message] = await outboxFor(admin.email);
    expect(message?.kind).toBe("password_reset");
    expect(message?.action_url).toMatch(/\/reset-password\/[a-z2-7]{32}$/);
  });

  it("sets the new password once, signs out every session, and the link dies", async () => {
    const { admin } = await createOrgWithAdmin();
    await call(forgot.action, buildRequest("/forgot-password", { form: { email: admin.email } }));
    const [message] = await outboxFor(admin.email);
    const token = (message?.action_url ?? "").split("/reset-password/")[1] as string;

    const form = { password: "a brand new password", confirm: "a brand new password" };
    const done = await call(reset.action, buildRequest(`/reset-password/${token}`, { form }), { token });
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("/login?reset=1");

    const oldSession = await call(dashboard.loader, buildRequest("/dashboard", { cookie: admin.cookie }));
    expect(oldSession.status).toBe(302);

    const again = await call(reset.action, buildRequest(`/reset-password/${token}`, { form }), { token });
    expect(again.status).toBe(422);

    const withNew = await call(
      login.action,
      buildRequest("/login", { form: { email: admin.email, password: "a brand new password" } }),
      {},
      testContext("192.0.2.200"),
    );
    expect(withNew.status).toBe(302);
  });

  it("refuses mismatched passwords beside the field, leaving the link usable", async () => {
    const { admin } = await createOrgWithAdmin();
    await call(forgot.action, buildRequest("/forgot-password", { form: { email: admin.email } }));
    const [message] = await outboxFor(admin.email);
    const token = (message?.action_url ?? "").split("/reset-password/")[1] as string;
    const result = await call<{ fieldErrors: Record<string, string> }>(
      reset.action,
      buildRequest(`/reset-password/${token}`, { form: { password: "one long password", confirm: "another one" } }),
      { token },
    );
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors.confirm).toBe("The passwords do not match");
    const still = await call<{ valid: boolean }>(reset.loader, buildRequest(`/reset-password/${token}`), { token });
    expect(still.data.valid).toBe(true);
  });

  it("expires after an hour", async () => {
    const { admin } = await createOrgWithAdmin();
    await call(forgot.action, buildRequest("/forgot-password", { form: { email: admin.email } }));
    const [message] = await outboxFor(admin.email);
    const token = (message?.action_url ?? "").split("/reset-password/")[1] as string;
    await db.updateTable("password_resets").set({ expires_at: new Date(Date.now() - 1) }).where("user_id", "=", admin.id).execute();
    const page = await call<{ valid: boolean }>(reset.loader, buildRequest(`/reset-password/${token}`), { token });
    expect(page.data.valid).toBe(false);
  });
});
