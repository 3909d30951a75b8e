import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDatabase } from "#db/database";
import { migrateToLatest } from "#db/migrator";

/**
 * A database of its own, migrated, for tests that start other processes (a worker) which
 * must not touch the rows of tests running alongside, and for the benchmark. Created on
 * `serverUrl`'s server (default: DATABASE_URL's). Dropped by `drop()`. In a test run it is
 * cloned from the run's migrated template (support/global-setup.ts) when on its server,
 * which the benchmark started by a test inherits through the environment.
 */
export async function createIsolatedDatabase({
  prefix = "gapmap_iso",
  serverUrl = process.env.DATABASE_URL as string,
}: { prefix?: string; serverUrl?: string } = {}) {
  const server = new URL(serverUrl);
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  const template = process.env.GAPMAP_TEST_TEMPLATE_DATABASE_URL;
  const templateUrl = template ? new URL(template) : null;
  const clone =
    templateUrl?.host === server.host ? ` TEMPLATE "${templateUrl.pathname.slice(1)}"` : "";
  await admin.query(`CREATE DATABASE "${name}"${clone}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString());
  // A clone is already at the latest migration; this then only reads the migrations table.
  await migrateToLatest(db);
  return {
    name,
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      const client = new pg.Client({ connectionString: server.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
