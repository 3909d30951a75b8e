import { sql } from "kysely";
import { afterAll, expect, it } from "vitest";
import { db, withCustomPlans } from "#db/database";

// The app's reads are prepared statements on their connection (db/database.ts): planned a
// few times rather than on every execution. A schema change under a running process (a
// rolling deploy adding a column) must not break a read prepared before it.

afterAll(() => sql`DROP TABLE IF EXISTS prepared_probe`.execute(db));

it("prepares reads on their connection and leaves writes unnamed", async () => {
  await db.connection().execute(async (connection) => {
    await connection.selectFrom("organizations").select("id").where("slug", "=", "x").execute();
    await sql`CREATE TEMP TABLE prepared_write_probe (n int)`.execute(connection);
    await sql`INSERT INTO prepared_write_probe VALUES (1)`.execute(connection);
    const { rows } = await sql<{ statement: string }>`
      SELECT statement FROM pg_prepared_statements`.execute(connection);
    const statements = rows.map((r) => r.statement);
    expect(statements).toContainEqual(expect.stringMatching(/^select "id" from "organizations"/));
    expect(statements.some((s) => /prepared_write_probe/.test(s))).toBe(false);
  });
});

it("leaves reads unnamed, planned for their parameters, inside withCustomPlans", async () => {
  await db.connection().execute(async (connection) => {
    const read = (slug: string) =>
      connection.selectFrom("organizations").select(["id", "name"]).where("slug", "=", slug);
    await withCustomPlans(() => read("custom-plans-probe").execute());
    const prepared = async () =>
      (
        await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(
          connection,
        )
      ).rows.filter(
        // This probe only: the pooled connection may hold other files' reads of the table.
        (r) => r.statement === 'select "id", "name" from "organizations" where "slug" = $1',
      );
    expect(await prepared()).toEqual([]);
    await read("custom-plans-probe").execute();
    expect(await prepared()).toHaveLength(1);
  });
});

it("answers a read prepared before a column was added to its table", async () => {
  await sql`CREATE TABLE prepared_probe (id int)`.execute(db);
  await sql`INSERT INTO prepared_probe VALUES (1)`.execute(db);
  await db.connection().execute(async (connection) => {
    const read = () =>
      sql<Record<string, unknown>>`SELECT * FROM prepared_probe`.execute(connection);
    expect((await read()).rows).toEqual([{ id: 1 }]);
    await sql`ALTER TABLE prepared_probe ADD COLUMN note text DEFAULT 'added'`.execute(connection);
    expect((await read()).rows).toEqual([{ id: 1, note: "added" }]);
    expect((await read()).rows).toEqual([{ id: 1, note: "added" }]);
  });
});
