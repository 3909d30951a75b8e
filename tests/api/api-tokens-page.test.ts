import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as tokensRoute from "~/routes/_app.admin.api-tokens";
import * as docsRoute from "~/routes/api.v1.docs";
import { api } from "../support/api-client";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

type Page = Awaited<ReturnType<typeof tokensRoute.loader>>;
type Created = { ok: true; created: { name: string; secret: string } };

const post = (cookie: string, form: Record<string, string>) =>
  call<Created & { fieldErrors?: Record<string, string> }>(
    tokensRoute.action,
    buildRequest("/admin/api-tokens", { cookie, form }),
  );

describe("the API tokens page", () => {
  it("creates a token shown once and stored hashed, which works until it is revoked", async () => {
    const org = await createOrgWithAdmin();
    const created = await post(org.admin.cookie, {
      intent: "create",
      name: "HR sync",
      scope: "read",
      expiresOn: "",
    });
    expect(created.status).toBe(200);
    const { secret } = created.data.created;
    expect(secret).toMatch(/^gapmap_/);

    const page = (
      await call<Page>(
        tokensRoute.loader,
        buildRequest("/admin/api-tokens", { cookie: org.admin.cookie }),
      )
    ).data;
    expect(page.tokens).toMatchObject([
      { name: "HR sync", scope: "read", revoked_at: null, created_by: "Ada Admin" },
    ]);
    // The page never shows the secret again, and the database holds only its hash.
    expect(JSON.stringify(page)).not.toContain(secret);
    const stored = await db
      .selectFrom("api_tokens")
      .select("token_hash")
      .where("organization_id", "=", org.organizationId)
      .execute();
    expect(JSON.stringify(stored)).not.toContain(secret.slice(7));

    expect((await api(secret, "GET", "/members")).status).toBe(200);
    const tokenId = page.tokens[0]!.id;
    const revoked = await post(org.admin.cookie, { intent: "revoke", tokenId });
    expect(revoked.status).toBe(200);
    expect((await api(secret, "GET", "/members")).status).toBe(401);

    const actions = await db
      .selectFrom("audit_log")
      .select("action")
      .where("organization_id", "=", org.organizationId)
      .where("object_type", "=", "api_token")
      .orderBy("id")
      .execute();
    expect(actions.map((a) => a.action)).toEqual(["api_token.created", "api_token.revoked"]);
  });

  it("puts bad input beside its field and saves nothing", async () => {
    const org = await createOrgWithAdmin();
    const bad = await post(org.admin.cookie, {
      intent: "create",
      name: " ",
      scope: "admin",
      expiresOn: "2001-01-01",
    });
    expect(bad.status).toBe(422);
    expect(bad.data.fieldErrors).toEqual({
      name: "Give the token a name, e.g. the system that will use it.",
      scope: "Choose read or read-write.",
      expiresOn: "The expiry date must be in the future.",
    });
    expect(
      await db
        .selectFrom("api_tokens")
        .select("id")
        .where("organization_id", "=", org.organizationId)
        .execute(),
    ).toEqual([]);
  });

  it("is for admins, and another organisation's token is not found", async () => {
    const org = await createOrgWithAdmin();
    const other = await createOrgWithAdmin();
    const lead = await addMember(org.organizationId, "lead");
    expect(
      (await call(tokensRoute.loader, buildRequest("/admin/api-tokens", { cookie: lead.cookie })))
        .status,
    ).toBe(403);
    expect(
      (await post(lead.cookie, { intent: "create", name: "x", scope: "read", expiresOn: "" }))
        .status,
    ).toBe(403);

    await post(other.admin.cookie, {
      intent: "create",
      name: "Theirs",
      scope: "read",
      expiresOn: "",
    });
    const theirs = await db
      .selectFrom("api_tokens")
      .select("id")
      .where("organization_id", "=", other.organizationId)
      .executeTakeFirstOrThrow();
    expect((await post(org.admin.cookie, { intent: "revoke", tokenId: theirs.id })).status).toBe(
      404,
    );
    const still = await db
      .selectFrom("api_tokens")
      .select("revoked_at")
      .where("id", "=", theirs.id)
      .executeTakeFirstOrThrow();
    expect(still.revoked_at).toBeNull();
  });
});

describe("the API reference page", () => {
  it("lists every endpoint by resource, with its parameters and scope, and every error", async () => {
    const page = (
      await call<ReturnType<typeof docsRoute.loader>>(
        docsRoute.loader,
        buildRequest("/api/v1/docs"),
      )
    ).data;
    expect(page.sections.map((s) => s.tag)).toEqual([
      "Members",
      "Teams",
      "Frameworks",
      "Cycles",
      "Ratings",
      "Gaps",
      "Mentorships",
      "Reports",
      "Growth",
      "Channels",
      "Organisation data",
    ]);
    const ratings = page.sections.find((s) => s.tag === "Ratings")!;
    const write = ratings.operations.find((o) => o.operationId === "saveSelfRatings")!;
    expect(write).toMatchObject({
      method: "POST",
      path: "/ratings/self",
      scope: "read_write",
      successStatus: 200,
    });
    const list = ratings.operations.find((o) => o.operationId === "listRatings")!;
    expect(list.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(["limit", "cursor", "member", "history"]),
    );
    expect(page.problems.map((p) => p.status)).toEqual([
      400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500,
    ]);
  });
});
