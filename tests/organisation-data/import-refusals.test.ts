import { Readable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import tar from "tar-stream";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { migrations } from "#db/migrations";
import {
  ARCHIVE_LIMITS,
  packArchive,
  unpackArchive,
} from "~/modules/organisation-data/archive.server";
import { buildArchive } from "~/modules/organisation-data/export.server";
import { ArchiveRefused, importArchive } from "~/modules/organisation-data/import.server";
import * as page from "~/routes/_app.admin.organisation-data";
import { createOrgWithAdmin } from "../support/factories";
import { call } from "../support/remix";
import { buildTenant } from "../support/tenant-fixture";

// A bad or tampered archive is refused with its reason, and leaves nothing behind: no
// organisation, no person, no row.

let archive: Buffer;
let files: Map<string, Buffer>;
let importer: Awaited<ReturnType<typeof createOrgWithAdmin>>;

beforeAll(async () => {
  const t = await buildTenant();
  archive = (await buildArchive(t.organizationId)).archive;
  files = await unpackArchive(archive);
  importer = await createOrgWithAdmin();
});

/** The archive with some of its files changed. */
async function tampered(change: (files: Map<string, Buffer>) => void) {
  const copy = new Map(files);
  change(copy);
  return packArchive([...copy].map(([name, body]) => ({ name, body })));
}

const manifestOf = (f: Map<string, Buffer>) => JSON.parse(f.get("manifest.json")!.toString());

async function tableCounts() {
  const [users, ratings] = await Promise.all(
    (["users", "ratings"] as const).map((table) =>
      db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow(),
    ),
  );
  // Organisations this file's imports made: each makes the importer a member of it (the other
  // test files create organisations of their own meanwhile).
  const orgs = await db
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", importer.admin.id)
    .executeTakeFirstOrThrow();
  return { orgs: Number(orgs.n), users: Number(users!.n), ratings: Number(ratings!.n) };
}

async function refusal(bad: Buffer, limits = ARCHIVE_LIMITS) {
  const before = await tableCounts();
  const error = await importArchive(bad, { userId: importer.admin.id }, { limits }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveRefused);
  // Nothing half-imported (other test files write alongside: compare what this one could add).
  const after = await tableCounts();
  expect(after.orgs - before.orgs).toBeLessThanOrEqual(0);
  return (error as Error).message;
}

describe("a bad archive is refused with the reason", () => {
  it("written with another schema version", async () => {
    const bad = await tampered((f) => {
      const m = manifestOf(f);
      m.schemaVersion = "2026-11-25T0001_initial_schema";
      f.set("manifest.json", Buffer.from(JSON.stringify(m)));
    });
    const latest = Object.keys(migrations).at(-1)!;
    expect(await refusal(bad)).toContain(
      `schema version 2026-11-25T0001_initial_schema; this installation has ${latest}.`,
    );
  });

  it("a rating pointing at a topic that is not in the archive", async () => {
    const bad = await tampered((f) => {
      const lines = f.get("data/ratings.jsonl")!.toString().trim().split("\n");
      const rating = JSON.parse(lines[0]!);
      rating.topic_id = "00000000-0000-4000-8000-000000000001";
      lines[0] = JSON.stringify(rating);
      f.set("data/ratings.jsonl", Buffer.from(lines.join("\n") + "\n"));
    });
    expect(await refusal(bad)).toBe(
      "ratings row 1: topic_id points at a row of topics that is not in the archive (" +
        `${JSON.parse(files.get("data/ratings.jsonl")!.toString().split("\n")[0]!).organization_id}, 00000000-0000-4000-8000-000000000001).`,
    );
  });

  it("rows removed behind the manifest's back", async () => {
    const bad = await tampered((f) => {
      const lines = f.get("data/check_ins.jsonl")!.toString().trim().split("\n");
      f.set("data/check_ins.jsonl", Buffer.from(lines.slice(1).join("\n")));
    });
    expect(await refusal(bad)).toMatch(
      /data\/check_ins.jsonl holds \d+ rows; the manifest says \d+/,
    );
  });

  it("a level the schema does not allow: the database refuses it and the whole import is rolled back", async () => {
    // The archive's people under new addresses, so the import would create them.
    const fresh = `refused-${Date.now()}-`;
    const bad = await tampered((f) => {
      const lines = f.get("data/ratings.jsonl")!.toString().trim().split("\n");
      const last = JSON.parse(lines.at(-1)!);
      last.level = 7;
      lines[lines.length - 1] = JSON.stringify(last);
      f.set("data/ratings.jsonl", Buffer.from(lines.join("\n")));
      const users = f
        .get("data/users.jsonl")!
        .toString()
        .trim()
        .split("\n")
        .map((line) => {
          const user = JSON.parse(line) as { email: string };
          return JSON.stringify({ ...user, email: `${fresh}${user.email}` });
        });
      f.set("data/users.jsonl", Buffer.from(users.join("\n")));
    });
    expect(await refusal(bad)).toMatch(/does not fit this installation \(ratings\)/);
    // The people it would have created were rolled back with the rest.
    const created = await db
      .selectFrom("users")
      .select("email")
      .where("email", "like", `${fresh}%`)
      .execute();
    expect(created).toEqual([]);
    expect(
      await db
        .selectFrom("organizations")
        .select("id")
        .where("name", "=", manifestOf(files).organization.name)
        .execute(),
    ).toHaveLength(1);
  });

  it("a file over the size limit, before reading it", async () => {
    const big = Buffer.alloc(ARCHIVE_LIMITS.maxArchiveBytes + 1);
    expect(await refusal(big)).toBe("The archive is 50 MB; at most 50 MB is accepted.");
  });

  it("a zip bomb: decompression stops at the limit", async () => {
    // 1 GB of zeros in one tar entry: about 1 MB compressed.
    const size = 1024 * 1024 * 1024;
    const pack = tar.pack();
    const entry = pack.entry({ name: "data/ratings.jsonl", size });
    const zeros = Buffer.alloc(1024 * 1024);
    const writing = (async () => {
      for (let written = 0; written < size; written += zeros.length)
        if (!entry.write(zeros))
          await new Promise<void>((resolve) => entry.once("drain", () => resolve()));
      entry.end(() => undefined);
      pack.finalize();
    })();
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.from(pack).pipe(createGzip({ level: 1 })))
      chunks.push(chunk as Buffer);
    await writing;
    const bomb = Buffer.concat(chunks);
    expect(bomb.length).toBeLessThan(ARCHIVE_LIMITS.maxArchiveBytes);
    const started = process.memoryUsage().rss;
    expect(await refusal(bomb)).toBe(
      "The archive unpacks to more than 400 MB; it was not read further.",
    );
    // The web process held at most the limit, never the gigabyte.
    expect(process.memoryUsage().rss - started).toBeLessThan(700 * 1024 * 1024);
  });

  it("a file that is no archive at all", async () => {
    const otherTarball = await packArchive([{ name: "notes.txt", body: Buffer.from("hello") }]);
    expect(await refusal(otherTarball)).toBe(
      "The archive has no manifest.json: it is not a Gapmap organisation export.",
    );
    expect(await refusal(gzipSync(Buffer.from("hello")))).toMatch(
      /not a Gapmap export archive \(a .tar.gz\) or it is damaged/,
    );
    expect(await refusal(Buffer.from("PK\u0003\u0004 not a tarball"))).toMatch(
      /not a Gapmap export archive/,
    );
  });
});

describe("the import form", () => {
  it("shows the reason beside the file field and creates nothing", async () => {
    const bad = await tampered((f) => {
      const m = manifestOf(f);
      m.schemaVersion = "1999-01-01T0000_old";
      f.set("manifest.json", Buffer.from(JSON.stringify(m)));
    });
    const form = new FormData();
    form.set(
      "archive",
      new Blob([new Uint8Array(bad)], { type: "application/gzip" }),
      "old.tar.gz",
    );
    const request = new Request("http://localhost:3000/admin/organisation-data", {
      method: "POST",
      body: form,
      headers: { Cookie: importer.admin.cookie },
    });
    const before = await tableCounts();
    const result = await call<{ fieldErrors: Record<string, string> }>(page.action, request);
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors.archive).toMatch(/schema version 1999-01-01T0000_old/);
    expect((await tableCounts()).orgs - before.orgs).toBeLessThanOrEqual(0);
  });

  it("imports a good archive and offers to open the new organisation", async () => {
    const form = new FormData();
    form.set(
      "archive",
      new Blob([new Uint8Array(archive)], { type: "application/gzip" }),
      "good.tar.gz",
    );
    const request = new Request("http://localhost:3000/admin/organisation-data", {
      method: "POST",
      body: form,
      headers: { Cookie: importer.admin.cookie },
    });
    const result = await call<{ imported: { organizationId: string; name: string } }>(
      page.action,
      request,
    );
    expect(result.status).toBe(200);
    expect(result.data.imported.name).toBe(manifestOf(files).organization.name);
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "actor_user_id"])
      .where("organization_id", "=", result.data.imported.organizationId)
      .where("action", "=", "organization.imported")
      .execute();
    expect(audit).toEqual([{ action: "organization.imported", actor_user_id: importer.admin.id }]);
  });
});
