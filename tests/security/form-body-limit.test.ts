import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { MAX_FORM_BYTES } from "~/lib/forms.server";
import * as teams from "~/routes/_app.admin.teams._index";
import * as login from "~/routes/login";
import { createOrgWithAdmin } from "../support/factories";
import { buildRequest, call, testContext } from "../support/remix";

// Every form body is read up to 1 MB and refused with 413 past it, before it is parsed,
// whoever sends it. (Over HTTP, a declared Content-Length is refused before any byte is
// read: tests/security/http-attacks.test.ts.)

type Failure = { formError?: string; fieldErrors: Record<string, string> };

describe("the form body limit", () => {
  it("refuses an anonymous 2 MB login post with 413 and a message", async () => {
    const result = await call<Failure>(
      login.action,
      buildRequest("/login", {
        form: { email: "a@example.com", password: "x".repeat(2 * MAX_FORM_BYTES) },
      }),
      {},
      testContext("203.0.113.130"),
    );
    expect(result.status).toBe(413);
    expect(result.data.formError).toMatch(/larger than 1 MB/);
  });

  it("refuses a signed-in admin's oversized post, saving nothing", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const name = `Big ${"y".repeat(MAX_FORM_BYTES)}`;
    const result = await call<Failure>(
      teams.action,
      buildRequest("/admin/teams", { cookie: admin.cookie, form: { name } }),
    );
    expect(result.status).toBe(413);
    const rows = await db
      .selectFrom("teams")
      .select("id")
      .where("organization_id", "=", organizationId)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it("still reads a form just under the limit (and validates it as usual)", async () => {
    const result = await call<Failure>(
      login.action,
      buildRequest("/login", {
        form: { email: "a@example.com", password: "x".repeat(MAX_FORM_BYTES - 100) },
      }),
      {},
      testContext("203.0.113.131"),
    );
    expect(result.status).toBe(422);
  });
});
