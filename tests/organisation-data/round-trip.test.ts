import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { seedDemo } from "#seeds/demo";
import { buildArchive } from "~/modules/organisation-data/export.server";
import { importArchive } from "~/modules/organisation-data/import.server";
import { createIsolatedDatabase } from "../support/isolated-database";
import { apiFigures, apiFiguresIn } from "./api-figures";

// The demo organisation (about forty people, four quarterly cycles, a year of ratings,
// mentorships and reports) exported here and imported into a second installation's
// database: every figure the API shows there (the gap view's, the reports', the lists')
// equals the original's.

let demoId: string;
let second: Awaited<ReturnType<typeof createIsolatedDatabase>>;

beforeAll(async () => {
  demoId = (await seedDemo()).organizationId;
  second = await createIsolatedDatabase({ prefix: "gapmap_roundtrip" });
});

afterAll(async () => {
  await second?.drop();
});

describe("export and import between installations", () => {
  it("imports the demo organisation into another database with every API figure identical", async () => {
    const { archive, manifest } = await buildArchive(demoId);
    expect(manifest.tables.memberships!.rows).toBeGreaterThanOrEqual(40);
    expect(manifest.tables.cycles!.rows).toBe(4);
    expect(manifest.tables.ratings!.rows).toBeGreaterThan(10_000);

    // The admin who imports has an account on the other installation, with the same email.
    const admin = await db
      .selectFrom("users")
      .select(["email", "display_name"])
      .where("email", "=", "admin@demo.gapmap.test")
      .executeTakeFirstOrThrow();
    const importer = await second.db
      .insertInto("users")
      .values({ email: admin.email, display_name: admin.display_name })
      .returning("id")
      .executeTakeFirstOrThrow();
    const started = Date.now();
    const imported = await importArchive(archive, { userId: importer.id }, { db: second.db });
    console.log(
      `demo archive ${(archive.length / 1024).toFixed(0)} kB imported in ${Date.now() - started} ms`,
    );

    const copied = Object.entries(manifest.tables).filter(([, t]) => t.kind === "copy");
    expect(imported.counts).toEqual(Object.fromEntries(copied.map(([name, t]) => [name, t.rows])));
    expect(imported.organizationId).not.toBe(demoId);
    expect(imported.name).toBe(manifest.organization.name);

    let t = Date.now();
    const original = await apiFigures(demoId);
    console.log(`figures here: ${Date.now() - t} ms`);
    t = Date.now();
    const copy = apiFiguresIn(second.url, imported.organizationId);
    console.log(`figures there: ${Date.now() - t} ms`);
    expect(Object.keys(copy).sort()).toEqual(Object.keys(original).sort());
    for (const key of Object.keys(original)) expect(copy[key], key).toEqual(original[key]);
    // Not vacuous: the figures hold the organisation's people, gaps and reports.
    expect((original.members as unknown[]).length).toBeGreaterThanOrEqual(40);
    expect((original.reports as unknown[]).length).toBeGreaterThan(0);
    // A year of a forty-person organisation, read through every endpoint twice, on a shared
    // 2-core machine: minutes, not seconds.
  }, 480_000);
});
