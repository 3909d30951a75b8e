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
    templateDatabaseUrl: string;
  }
}

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withAdmin(serverUrl: string, work: (client: pg.Client) => Promise<unknown>) {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL?.trim() || (await startEmbeddedPostgres());
  const name = `gapmap_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));

  const url = withDatabase(serverUrl, name);
  const db = createDatabase(url);
  await migrateToLatest(db);
  await db.destroy();
  project.provide("databaseUrl", url);
  // A copy of the freshly migrated database, left unconnected, for isolated databases to be
  // cloned from (support/isolated-database.ts): a clone took 0.3 s here, migrating a new one
  // 1 s, and a run makes a few dozen.
  const template = `${name}_template`;
  await withAdmin(serverUrl, (client) =>
    client.query(`CREATE DATABASE "${template}" TEMPLATE "${name}"`),
  );
  project.provide("templateDatabaseUrl", withDatabase(serverUrl, template));

  return async () => {
    await withAdmin(serverUrl, async (client) => {
      for (const database of [name, template])
        await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    });
    await stopEmbeddedPostgres();
  };
}
