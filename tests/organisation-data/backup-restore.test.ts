import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { seedDemo } from "#seeds/demo";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import { api, apiToken } from "../support/api-client";
import { startAppServer, type AppServer } from "../support/app-server";

// The backup the README documents, done for real: pg_dump of a database holding the demo
// organisation, pg_restore into a fresh database, the app started on it, and the gap
// figures and reports it serves compared with the original's.

/** pg_dump and pg_restore of the newest PostgreSQL installed (they must not be older than the server). */
function postgresTools() {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, "bin", "pg_dump")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const bin = versions[0] ? path.join(root, versions[0], "bin") : "";
  return { pgDump: path.join(bin, "pg_dump"), pgRestore: path.join(bin, "pg_restore") };
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 300_000 });
  if (result.status !== 0)
    throw new Error(`${command} ${args[0]} failed (${result.status}): ${result.stderr}`);
  return result;
}

let demoId: string;
let restoredUrl: string;
let server: AppServer | undefined;
let dumpDir: string;
const serverUrl = new URL(process.env.DATABASE_URL as string);
const restoredName = `${serverUrl.pathname.slice(1)}_restored`;

beforeAll(async () => {
  demoId = (await seedDemo()).organizationId;
  dumpDir = mkdtempSync(path.join(tmpdir(), "gapmap-backup-"));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dumpDir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: new URL("/postgres", serverUrl).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${restoredName}" WITH (FORCE)`);
  await admin.end();
});

describe("backup and restore", () => {
  it("restores a pg_dump into a fresh database on which the app serves identical gap figures and reports", async () => {
    const { pgDump, pgRestore } = postgresTools();
    const dump = path.join(dumpDir, "gapmap.dump");
    const started = Date.now();
    run(pgDump, [
      "--format=custom",
      "--no-owner",
      "--file",
      dump,
      process.env.DATABASE_URL as string,
    ]);
    const admin = new pg.Client({ connectionString: new URL("/postgres", serverUrl).toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${restoredName}"`);
    await admin.end();
    restoredUrl = new URL(`/${restoredName}`, serverUrl).toString();
    run(pgRestore, ["--no-owner", "--exit-on-error", "--dbname", restoredUrl, dump]);
    console.log(`pg_dump and pg_restore: ${Date.now() - started} ms`);

    // A token for the demo admin, written into the restored database only.
    const secret = `gapmap_${generateToken()}`;
    const restored = new pg.Client({ connectionString: restoredUrl });
    await restored.connect();
    await restored.query(
      `INSERT INTO api_tokens (organization_id, name, token_hash, scope, created_by_user_id)
       SELECT $1, 'restore check', $2, 'read', m.user_id FROM memberships m
       WHERE m.organization_id = $1 AND m.role = 'admin' AND m.active ORDER BY m.created_at LIMIT 1`,
      [demoId, hashToken(secret)],
    );
    await restored.end();
    const demoAdmin = await db
      .selectFrom("memberships")
      .select("user_id")
      .where("organization_id", "=", demoId)
      .where("role", "=", "admin")
      .where("active", "=", true)
      .orderBy("created_at")
      .executeTakeFirstOrThrow();
    const { secret: originalSecret } = await apiToken(demoId, demoAdmin.user_id, { scope: "read" });

    server = await startAppServer({ DATABASE_URL: restoredUrl });
    const there = async (p: string) => {
      const response = await fetch(`${server!.url}/api/v1${p}`, {
        headers: { Authorization: `Bearer ${secret}` },
      });
      expect(response.status, p).toBe(200);
      const type = response.headers.get("Content-Type") ?? "";
      return type.includes("json") ? response.json() : response.text();
    };
    const here = async (p: string) => {
      const response = await api(originalSecret, "GET", p);
      expect(response.status, p).toBe(200);
      return response.body;
    };

    const teams = (await here("/teams")).data as { id: string }[];
    const reports = (await here("/reports")).data as { id: string }[];
    expect(teams.length).toBe(3);
    expect(reports.length).toBeGreaterThan(0);
    const paths = [
      "/gaps",
      "/gaps/heatmap",
      ...teams.flatMap((t) => [`/gaps?team=${t.id}`, `/gaps/heatmap?team=${t.id}`]),
      "/reports",
      ...reports.flatMap((r) => [`/reports/${r.id}`, `/reports/${r.id}/csv`]),
    ];
    for (const p of paths) expect(await there(p), p).toEqual(await here(p));
  }, 480_000);
});
