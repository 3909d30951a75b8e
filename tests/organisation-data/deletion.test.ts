import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { createOrganization } from "~/modules/accounts/organizations.server";
import { planReminders } from "~/modules/notifications/reminders.server";
import { eraseDueOrganisations } from "~/modules/organisation-data/deletion.server";
import { ERASED_NAME } from "~/modules/organisation-data/erasure.server";
import * as memberPage from "~/routes/_app.admin.members.$memberId";
import * as page from "~/routes/_app.admin.organisation-data";
import * as dashboard from "~/routes/_app.dashboard";
import * as login from "~/routes/login";
import * as orgs from "~/routes/orgs._index";
import { api } from "../support/api-client";
import { createOrgWithAdmin, PASSWORD, signIn } from "../support/factories";
import { createIsolatedDatabase } from "../support/isolated-database";
import { buildRequest, call } from "../support/remix";
import { startWorkerProcess, waitFor } from "../support/worker-harness";
import { buildFullTenant } from "./coverage-fixture";

// Deleting an organisation: closed at once, erased by the worker after the grace period
// (unless an admin cancels), with nothing of it left in any tenant table. And one member's
// personal data erased on request.

/** Rows of the organisation in every base table with an organisation column (from the schema). */
async function rowsLeft(database: Kysely<Database>, organizationId: string) {
  const tables = (
    await sql<{ table_name: string }>`SELECT c.table_name FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND c.column_name = 'organization_id' AND t.table_type = 'BASE TABLE'
      ORDER BY 1`.execute(database)
  ).rows.map((r) => r.table_name);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}
      WHERE organization_id = ${organizationId}`.execute(database);
    counts[table] = rows[0]!.n;
  }
  const org = await database
    .selectFrom("organizations")
    .select("id")
    .where("id", "=", organizationId)
    .execute();
  counts.organizations = org.length;
  return { tables, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

describe("deleting an organisation", () => {
  it("closes it at once, lets an admin cancel, and erases every row of it after the grace", async () => {
    const t = await buildFullTenant();
    const org = t.organizationId;
    const admin = await t.session("admin");
    const engineer = await t.session("engineer");
    // Ann also belongs to another organisation: her account stays when this one goes.
    const elsewhere = await createOrgWithAdmin();
    await db
      .insertInto("memberships")
      .values({ organization_id: elsewhere.organizationId, user_id: t.ann.id })
      .execute();

    const wrong = await call<{ fieldErrors: Record<string, string> }>(
      page.action,
      buildRequest("/admin/organisation-data", {
        form: { intent: "close", confirmName: "not it" },
        cookie: admin,
      }),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.data.fieldErrors.confirmName).toContain("to confirm");

    const { name } = await db
      .selectFrom("organizations")
      .select("name")
      .where("id", "=", org)
      .executeTakeFirstOrThrow();
    const closed = await call(
      page.action,
      buildRequest("/admin/organisation-data", {
        form: { intent: "close", confirmName: name },
        cookie: admin,
      }),
    );
    expect(closed.headers.get("Location")).toBe("/orgs");
    // The list it lands on confirms it (a one-minute flash message).
    expect(closed.headers.get("Set-Cookie")).toMatch(/^gapmap_flash=/);
    const row = await db
      .selectFrom("organizations")
      .select(["closed_at", "erase_after"])
      .where("id", "=", org)
      .executeTakeFirstOrThrow();
    const graceDays = (row.erase_after!.getTime() - row.closed_at!.getTime()) / 86_400_000;
    expect(Math.round(graceDays)).toBe(14);

    // Closed at once: sessions ended, tokens refused, sign-in lands outside it.
    const visit = await call(dashboard.loader, buildRequest("/dashboard", { cookie: engineer }));
    expect(visit.headers.get("Location")).toMatch(/^\/login/);
    expect((await api(t.apiTokenSecret, "GET", "/members")).status).toBe(401);
    const signedIn = await call(
      login.action,
      buildRequest("/login", { form: { email: t.ben.email, password: PASSWORD } }),
    );
    const fresh = signedIn.headers.get("Set-Cookie")?.match(/gapmap_session=[^;]*/)?.[0] ?? null;
    expect(fresh).not.toBeNull();
    expect(
      (await call(dashboard.loader, buildRequest("/dashboard", { cookie: fresh }))).headers.get(
        "Location",
      ),
    ).toBe("/orgs");
    // No reminder is planned for it and the worker's erasure waits for the grace.
    expect(await planReminders(new Date(), { organizationId: org })).toBe(0);
    expect((await eraseDueOrganisations(new Date())).erasedOrganizations).toBe(0);

    // An engineer cannot take it back; an admin can, from the organisation list.
    const benCancels = await call(
      orgs.action,
      buildRequest("/orgs", {
        form: { intent: "cancel-deletion", organizationId: org },
        cookie: await signIn(t.ben.id, null),
      }),
    );
    expect(benCancels.status).toBe(404);
    const adminCookie = await signIn(t.admin.id, null);
    const list = await call<{
      organizations: { id: string; closed_at: string | null; time_zone: string }[];
    }>(orgs.loader, buildRequest("/orgs", { cookie: adminCookie }));
    const listed = list.data.organizations.find((o) => o.id === org);
    expect(listed?.closed_at).toBeTruthy();
    // Its erasure date is told on its own calendar, not UTC (no organisation is open here).
    expect(listed?.time_zone).toBe(
      (
        await db
          .selectFrom("organizations")
          .select("time_zone")
          .where("id", "=", org)
          .executeTakeFirstOrThrow()
      ).time_zone,
    );
    const cancelled = await call(
      orgs.action,
      buildRequest("/orgs", {
        form: { intent: "cancel-deletion", organizationId: org },
        cookie: adminCookie,
      }),
    );
    expect(cancelled.status).toBe(200);
    expect(
      (
        await call(
          dashboard.loader,
          buildRequest("/dashboard", { cookie: await signIn(t.ben.id, org) }),
        )
      ).status,
    ).toBe(200);
    // Open again, its open cycle's reminders are planned as before.
    expect(await planReminders(new Date(), { organizationId: org })).toBeGreaterThan(0);

    // Closed again; once the grace has passed the worker's job erases it.
    await call(
      page.action,
      buildRequest("/admin/organisation-data", {
        form: { intent: "close", confirmName: name },
        cookie: await signIn(t.admin.id, org),
      }),
    );
    const audited = await db
      .selectFrom("audit_log")
      .select("action")
      .where("organization_id", "=", org)
      .where("action", "in", ["organization.closed", "organization.deletion_cancelled"])
      .orderBy("id")
      .execute();
    expect(audited.map((a) => a.action)).toEqual([
      "organization.closed",
      "organization.deletion_cancelled",
      "organization.closed",
    ]);
    const before = await rowsLeft(db, org);
    expect(before.total).toBeGreaterThan(100);
    const { erase_after } = await db
      .selectFrom("organizations")
      .select("erase_after")
      .where("id", "=", org)
      .executeTakeFirstOrThrow();
    await eraseDueOrganisations(new Date(erase_after!.getTime() + 1000));

    const after = await rowsLeft(db, org);
    expect(after.tables.length).toBeGreaterThanOrEqual(30);
    expect(after.total, JSON.stringify(after.counts)).toBe(0);
    const people = await db
      .selectFrom("users")
      .select("email")
      .where("id", "in", t.emails.length ? [t.admin.id, t.ben.id, t.lee.id, t.ann.id] : [])
      .execute();
    expect(people.map((p) => p.email)).toEqual([t.ann.email]);
  });

  it("is done by the worker process, which also builds exports, on a database of its own", async () => {
    const database = await createIsolatedDatabase({ prefix: "gapmap_erase" });
    try {
      const user = await database.db
        .insertInto("users")
        .values({ email: `erase-${randomUUID()}@example.test`, display_name: "Eve" })
        .returning("id")
        .executeTakeFirstOrThrow();
      const doomed = await database.db
        .transaction()
        .execute((trx) => createOrganization(trx, { name: "Doomed", userId: user.id }));
      const kept = await database.db
        .transaction()
        .execute((trx) => createOrganization(trx, { name: "Kept", userId: user.id }));
      // Closed with a grace of zero days: due at once.
      await database.db
        .updateTable("organizations")
        .set({ closed_at: new Date(), erase_after: new Date() })
        .where("id", "=", doomed.organizationId)
        .execute();
      const exportRow = await database.db
        .insertInto("organization_exports")
        .values({ organization_id: kept.organizationId, requested_by_user_id: user.id })
        .returning("id")
        .executeTakeFirstOrThrow();
      const prefix = `test-${randomUUID()}`;
      // The Redis the README's test run uses when REDIS_URL is unset, as the worker tests do.
      const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      const queue = new Queue("maintenance", { connection: redis, prefix });
      await queue.add("export", { exportId: exportRow.id }, { jobId: `export-${exportRow.id}` });
      startWorkerProcess({
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl,
        GAPMAP_QUEUE_PREFIX: prefix,
      });

      await waitFor(
        async () => (await rowsLeft(database.db, doomed.organizationId)).total === 0,
        120_000,
      );
      await waitFor(async () => {
        const e = await database.db
          .selectFrom("organization_exports")
          .select("status")
          .where("id", "=", exportRow.id)
          .executeTakeFirstOrThrow();
        return e.status === "ready";
      }, 120_000);
      expect((await rowsLeft(database.db, kept.organizationId)).total).toBeGreaterThan(50);
      // Eve still belongs to Kept: her account stays.
      expect(
        await database.db.selectFrom("users").select("id").where("id", "=", user.id).execute(),
      ).toHaveLength(1);
      await queue.close();
      redis.disconnect();
    } finally {
      await database.drop();
    }
  }, 240_000);
});

describe("erasing a member's personal data", () => {
  it("replaces their name and email, removes their notes, keeps their ratings in the figures, and is audited", async () => {
    const t = await buildFullTenant();
    const admin = await t.session("admin");
    const figures = async () =>
      await db
        .selectFrom("ratings")
        .select([
          (eb) => eb.fn.countAll<number>().as("n"),
          (eb) => eb.fn.sum<number>("level").as("sum"),
        ])
        .where("organization_id", "=", t.organizationId)
        .executeTakeFirstOrThrow();
    const before = await figures();
    const gapsBefore = await api(t.apiTokenSecret, "GET", "/gaps");

    const wrong = await call<{ fieldErrors: Record<string, string> }>(
      memberPage.action,
      buildRequest(`/admin/members/${t.ann.membershipId}`, {
        form: { intent: "erase", confirmName: "Somebody" },
        cookie: admin,
      }),
      { memberId: t.ann.membershipId },
    );
    expect(wrong.status).toBe(422);
    const { display_name } = await db
      .selectFrom("users")
      .select("display_name")
      .where("id", "=", t.ann.id)
      .executeTakeFirstOrThrow();
    const erased = await call(
      memberPage.action,
      buildRequest(`/admin/members/${t.ann.membershipId}`, {
        form: { intent: "erase", confirmName: display_name },
        cookie: admin,
      }),
      { memberId: t.ann.membershipId },
    );
    expect(erased.status).toBe(200);

    const user = await db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", t.ann.id)
      .executeTakeFirstOrThrow();
    expect(user.display_name).toBe(ERASED_NAME);
    expect(user.email).toMatch(/@erased\.invalid$/);
    expect(user.password_hash).toBeNull();
    const notes = await db
      .selectFrom("ratings")
      .select(["note", "evidence_urls"])
      .where("member_id", "=", t.ann.membershipId)
      .where((eb) =>
        eb.or([eb("note", "is not", null), eb(sql`cardinality(evidence_urls)`, ">", 0)]),
      )
      .execute();
    expect(notes).toEqual([]);
    const reportText =
      JSON.stringify(
        await db
          .selectFrom("reports")
          .select("snapshot")
          .where("organization_id", "=", t.organizationId)
          .execute(),
      ) +
      JSON.stringify(
        await db
          .selectFrom("report_rows")
          .select("member_name")
          .where("organization_id", "=", t.organizationId)
          .execute(),
      );
    expect(reportText).not.toContain(display_name);
    expect(reportText).toContain(ERASED_NAME);
    // Her plan keeps its goals (the reports' figures) but not its words; her comments, the
    // lead's note on her calibration and her calendar feed are gone.
    const herGoals = await db
      .selectFrom("plan_goals as g")
      .innerJoin("development_plans as p", "p.id", "g.plan_id")
      .select(["g.actions", "g.learning_urls", "g.target_level"])
      .where("p.member_id", "=", t.ann.membershipId)
      .execute();
    expect(herGoals).toEqual([{ actions: "", learning_urls: [], target_level: 3 }]);
    const planText = JSON.stringify(
      await db
        .selectFrom("plan_comments")
        .select(["body", "author_user_id"])
        .where("organization_id", "=", t.organizationId)
        .execute(),
    );
    expect(planText).not.toContain("Ann's own plan comment");
    expect(planText).not.toContain(t.ann.id);
    expect(planText).toContain("lead's plan comment");
    const calibrationNotes = await db
      .selectFrom("calibration_resolutions")
      .select("note")
      .where("member_id", "=", t.ann.membershipId)
      .execute();
    expect(calibrationNotes).toEqual([{ note: null }]);
    const feeds = await db
      .selectFrom("calendar_feeds")
      .select("membership_id")
      .where("membership_id", "=", t.ann.membershipId)
      .execute();
    expect(feeds).toEqual([]);
    // Her ratings still count: the organisation's figures are unchanged.
    expect(await figures()).toEqual(before);
    const gapsAfter = await api(t.apiTokenSecret, "GET", "/gaps");
    expect(gapsAfter.body.topGaps).toEqual(gapsBefore.body.topGaps);
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "object_id"])
      .where("organization_id", "=", t.organizationId)
      .where("action", "=", "member.erased")
      .execute();
    expect(audit).toEqual([{ action: "member.erased", object_id: t.ann.membershipId }]);
  });

  it("refuses a person who also belongs to another organisation", async () => {
    const t = await buildFullTenant();
    const other = await createOrgWithAdmin();
    await db
      .insertInto("memberships")
      .values({ organization_id: other.organizationId, user_id: t.ben.id })
      .execute();
    const { display_name } = await db
      .selectFrom("users")
      .select("display_name")
      .where("id", "=", t.ben.id)
      .executeTakeFirstOrThrow();
    const refused = await call<{ formError: string }>(
      memberPage.action,
      buildRequest(`/admin/members/${t.ben.membershipId}`, {
        form: { intent: "erase", confirmName: display_name },
        cookie: await t.session("admin"),
      }),
      { memberId: t.ben.membershipId },
    );
    expect(refused.status).toBe(409);
    expect(refused.data.formError).toMatch(/also belongs to another organisation/);
  });
});
