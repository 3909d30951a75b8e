import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { unpackArchive } from "~/modules/organisation-data/archive.server";
import {
  buildArchive,
  KEEP_DAYS,
  runExport,
  SCHEMA_VERSION,
} from "~/modules/organisation-data/export.server";
import { importArchive } from "~/modules/organisation-data/import.server";
import { readTenantSchema, TABLE_POLICIES } from "~/modules/organisation-data/tenant-tables.server";
import * as page from "~/routes/_app.admin.organisation-data";
import * as download from "~/routes/admin.organisation-data.$exportId[.tar.gz]";
import { createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";
import { buildFullTenant } from "./coverage-fixture";

// The whole organisation as one archive: every tenant table the schema has is covered (a new
// one fails here until it has a policy and rows in the fixture), secrets never leave, and the
// admin page runs it as a worker job with progress, a 7-day download and audit entries.

let t: Awaited<ReturnType<typeof buildFullTenant>>;

beforeAll(async () => {
  t = await buildFullTenant();
});

describe("which tables an export covers", () => {
  it("reads the tenant tables from the schema and has a policy for each, and none for a table that is gone", async () => {
    const schema = await readTenantSchema();
    const names = schema.tables.map((x) => x.name);
    // Organisation-scoped tables from information_schema, independently of the module.
    const scoped = (
      await sql<{ table_name: string }>`SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'organization_id' AND t.table_type = 'BASE TABLE'`.execute(
        db,
      )
    ).rows.map((r) => r.table_name);
    expect(names).toEqual(
      expect.arrayContaining([...scoped, "organizations", "users", "report_rows"]),
    );
    expect(Object.keys(TABLE_POLICIES).filter((name) => !names.includes(name))).toEqual([]);
  });

  it("exports rows of every copied and exported table of the fixture, and imports every copied one back", async () => {
    const { archive, manifest } = await buildArchive(t.organizationId);
    const schema = await readTenantSchema();
    const empty = schema.tables
      .filter((x) => x.policy.kind === "copy" || x.policy.kind === "export_only")
      .filter((x) => !(manifest.tables[x.name]!.rows > 0))
      .map((x) => x.name);
    // A table listed here needs rows in tests/organisation-data/coverage-fixture.ts.
    expect(empty).toEqual([]);
    expect(manifest.schemaVersion).toBe(SCHEMA_VERSION);

    const files = await unpackArchive(archive);
    for (const [name, entry] of Object.entries(manifest.tables)) {
      const lines = files.get(entry.file)!.toString().split("\n").filter(Boolean);
      expect(lines, name).toHaveLength(entry.rows);
      // The CSV copy: a header and one record per row (records may span lines).
      expect(files.get(entry.csv)!.toString().split("\n")[0], name).toContain(
        Object.keys(JSON.parse(lines[0]!))[0],
      );
    }

    const other = await createOrgWithAdmin();
    const imported = await importArchive(archive, { userId: other.admin.id });
    const copied = Object.entries(manifest.tables).filter(([, e]) => e.kind === "copy");
    expect(imported.counts).toEqual(Object.fromEntries(copied.map(([name, e]) => [name, e.rows])));
    // Same installation: everyone is linked to their own account, nobody is duplicated.
    expect(imported.linkedPeople).toBe(manifest.tables.users!.rows);
    const importer = await db
      .selectFrom("memberships")
      .select("role")
      .where("organization_id", "=", imported.organizationId)
      .where("user_id", "=", other.admin.id)
      .executeTakeFirstOrThrow();
    expect(importer.role).toBe("admin");
    // Imported API tokens are names only: all revoked.
    const live = await db
      .selectFrom("api_tokens")
      .select("id")
      .where("organization_id", "=", imported.organizationId)
      .where("revoked_at", "is", null)
      .execute();
    expect(live).toEqual([]);

    // Every reference inside the new organisation points at its own rows: a calibration
    // resolution at the ratings it settled (renumbered), a goal at its mentorship, a report's
    // frozen goal at the goal.
    const { rows: misplaced } = await sql<{ what: string }>`
      SELECT 'calibration' AS what FROM calibration_resolutions c
        JOIN ratings s ON s.id = c.self_rating_id JOIN ratings l ON l.id = c.lead_rating_id
        WHERE c.organization_id = ${imported.organizationId}
          AND NOT (s.organization_id = c.organization_id AND s.member_id = c.member_id
            AND s.topic_id = c.topic_id AND s.source = 'self'
            AND l.organization_id = c.organization_id AND l.member_id = c.member_id
            AND l.topic_id = c.topic_id AND l.source = 'lead')
      UNION ALL
      SELECT 'goal mentorship' FROM plan_goals g JOIN mentorships m ON m.id = g.mentorship_id
        WHERE g.organization_id = ${imported.organizationId} AND m.organization_id <> g.organization_id
      UNION ALL
      SELECT 'frozen goal' FROM report_plan_goals r
        WHERE r.organization_id = ${imported.organizationId}
          AND NOT EXISTS (SELECT 1 FROM plan_goals g
            WHERE g.id = r.goal_id AND g.organization_id = r.organization_id)`.execute(db);
    expect(misplaced).toEqual([]);
    const linked = await db
      .selectFrom("plan_goals")
      .select("mentorship_id")
      .where("organization_id", "=", imported.organizationId)
      .where("mentorship_id", "is not", null)
      .execute();
    expect(linked).toHaveLength(1);
    const settled = await db
      .selectFrom("calibration_resolutions")
      .select("note")
      .where("organization_id", "=", imported.organizationId)
      .execute();
    expect(settled).toEqual([{ note: `${t.mark} calibration note` }]);
    // Team channels and calendar feeds are set up again there (their secrets never left);
    // the archive still says which teams had which channel.
    expect(manifest.tables.team_channels).toMatchObject({
      kind: "export_only",
      omittedColumns: ["url_sealed", "secret_sealed"],
    });
        expect(files.get("data/team_channels.jsonl")!.toString()).toContain('"url_host":"127.0.0.1:9"');
    for (const table of ["team_channels", "channel_deliveries", "calendar_feeds"] as const) {
      const { rows: left } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}
        WHERE organization_id = ${imported.organizationId}`.execute(db);
      expect(left[0]!.n, table).toBe(0);
    }
  });
});

describe("what never leaves", () => {
  it("holds no password hash, token hash, session, reset link, invitation link, SSO secret, sign-in nonce, team channel URL or secret, or calendar feed", async () => {
    const { archive } = await buildArchive(t.organizationId);
    const files = await unpackArchive(archive);
    // The manifest names the columns left out; the data files must not hold them.
    const text = [...files]
      .filter(([name]) => name !== "manifest.json")
      .map(([, b]) => b.toString())
      .join("\n");
    const secrets = [
      ...(
        await db
          .selectFrom("users")
          .select("password_hash")
          .where("id", "in", t.emails.length ? [t.admin.id, t.ben.id, t.ann.id] : [])
          .execute()
      ).map((u) => u.password_hash),
      ...(
        await db
          .selectFrom("api_tokens")
          .select("token_hash")
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).map((r) => r.token_hash),
      ...(
        await db
          .selectFrom("sessions")
          .select("id")
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).map((r) => r.id),
      ...(
        await db
          .selectFrom("password_resets")
          .select("token_hash")
          .where("user_id", "=", t.ann.id)
          .execute()
      ).map((r) => r.token_hash),
      ...(
        await db
          .selectFrom("invitations")
          .select("token_hash")
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).map((r) => r.token_hash),
      ...(
        await db
          .selectFrom("sso_connections")
          .select("client_secret_sealed")
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).map((r) => r.client_secret_sealed),
      ...(
        await db
          .selectFrom("sso_login_attempts")
          .select(["nonce", "code_verifier", "state_hash"])
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).flatMap((r) => [r.nonce, r.code_verifier, r.state_hash]),
      ...(
        await db
          .selectFrom("team_channels")
          .select(["url_sealed", "secret_sealed"])
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).flatMap((r) => [r.url_sealed, r.secret_sealed]),
      ...(
        await db
          .selectFrom("calendar_feeds")
          .select("token_hash")
          .where("organization_id", "=", t.organizationId)
          .execute()
      ).map((r) => r.token_hash),
      `whsec_${t.mark}`,
      t.calendarToken,
      t.clientSecret,
      t.apiTokenSecret,
      t.inviteToken,
      t.resetToken,
    ].filter((s): s is string => Boolean(s));
    expect(secrets.length).toBeGreaterThanOrEqual(17);
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
    expect(text).not.toMatch(
      /password_hash|token_hash|client_secret_sealed|url_sealed|secret_sealed|\$argon2/,
    );
  });
});

describe("the admin page", () => {
  it("starts an export as a job, shows its progress, offers the archive for 7 days, and audits request and download", async () => {
    const cookie = await t.session("admin");
    const started = await call(
      page.action,
      buildRequest("/admin/organisation-data", { form: { intent: "export" }, cookie }),
    );
    expect(started.status).toBe(200);
    const queued = await call<Awaited<ReturnType<typeof page.loader>>>(
      page.loader,
      buildRequest("/admin/organisation-data", { cookie }),
    );
    const row = queued.data.exports[0]!;
    expect(row.status).toBe("queued");

    // The worker's job (jobs/worker.ts runs it on the maintenance queue), with every step it reports.
    const seen: number[] = [];
    const watcher = setInterval(() => {
      void db
        .selectFrom("organization_exports")
        .select("progress")
        .where("id", "=", row.id)
        .executeTakeFirst()
        .then((r) => r && seen.push(r.progress));
    }, 5);
    await runExport(row.id);
    clearInterval(watcher);
    const ready = await call<Awaited<ReturnType<typeof page.loader>>>(
      page.loader,
      buildRequest("/admin/organisation-data", { cookie }),
    );
    const done = ready.data.exports.find((e) => e.id === row.id)!;
    expect(done).toMatchObject({ status: "ready", progress: 100, stage: null });
    expect(done.counts!.ratings).toBeGreaterThan(0);
    const keptFor = new Date(done.expiresAt!).getTime() - new Date(done.finishedAt!).getTime();
    expect(Math.round(keptFor / 86_400_000)).toBe(KEEP_DAYS);
    expect(new Set(seen).size).toBeGreaterThan(1);

    const file = await download.loader({
      request: buildRequest(`/admin/organisation-data/${row.id}.tar.gz`, { cookie }),
      params: { exportId: row.id },
      context: { clientIp: "198.51.100.7" } as never,
    });
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("application/gzip");
    const files = await unpackArchive(Buffer.from(await file.arrayBuffer()));
    expect(JSON.parse(files.get("manifest.json")!.toString()).organization.id).toBe(
      t.organizationId,
    );

    const actions = await db
      .selectFrom("audit_log")
      .select("action")
      .where("organization_id", "=", t.organizationId)
      .where("object_id", "=", row.id)
      .orderBy("id")
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      "organization.export_requested",
      "organization.export_downloaded",
    ]);

    // Another organisation's admin: not found.
    const stranger = await createOrgWithAdmin();
    const refused = await call(
      download.loader,
      buildRequest(`/admin/organisation-data/${row.id}.tar.gz`, { cookie: stranger.admin.cookie }),
      { exportId: row.id },
    );
    expect(refused.status).toBe(404);
  });
});
