import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDatabase } from "#db/database";
import { migrateToLatest } from "#db/migrator";

/**
 * A database of its own, migrated, for tests that start other processes (a worker) which
 * must not touch the rows of tests running alongside, and for the benchmark. Created on
 * `serverUrl`'s server (default: DATABASE_URL's). Dropped by `drop()`.
 */
export async function createIsolatedDatabase({
  prefix = "gapmap_iso",
  serverUrl = process.env.DATABASE_URL as string,
}: { prefix?: string; serverUrl?: string } = {}) {
  const server = new URL(serverUrl);
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString());
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
