import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { ReadRoutingDialect } from "./read-replica";
import type { Database } from "./schema";

// int8 (counts, bigserial ids) and numeric come back as JS numbers: every value we store
// in them is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));
// Dates stay ISO strings: a `date` has no time zone and must not become a JS Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: call provisionDatabase() (db/provision.ts) first");
  }
  return url;
}

export function createPool(connectionString: string, max = 10): pg.Pool {
  // A server that does not answer fails the connection (start-up, a query) after 10 s
  // instead of leaving it waiting for ever.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  // A client losing its server (a Postgres restart) must not crash the process: the pool
  // reports idle ones here, and a checked-out one (mid-transaction) reports on itself; its
  // query fails and the pool drops it on release.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

export function createDatabase(connectionString: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(connectionString) }),
  });
}

/**
 * The application's database. The pool is created on the first query, so the URL can
 * be decided at start-up (an embedded server) before anything connects. With
 * DATABASE_REPLICA_URL, some reads go to that replica (read-replica.ts).
 */
export const db = new Kysely<Database>({
  dialect: new ReadRoutingDialect({ pool: async () => createPool(databaseUrl()) }, () => {
    const replica = process.env.DATABASE_REPLICA_URL?.trim();
    return replica ? createPool(replica) : null;
  }),
});

export type { Database };
