import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDatabase } from "#db/database";
import { migrateToLatest } from "#db/migrator";
import { startEmbeddedPostgres, stopEmbeddedPostgres } from "#db/provision";

// Each test run gets its own database, created and migrated here and dropped at the end,
// on DATABASE_URL's server when set, else on the embedded server.

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL?.trim() || (await startEmbeddedPostgres());
  const name = `gapmap_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();

  const url = withDatabase(serverUrl, name);
  const db = createDatabase(url);
  await migrateToLatest(db);
  await db.destroy();
  project.provide("databaseUrl", url);

  return async () => {
    const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
    await stopEmbeddedPostgres();
  };
}
