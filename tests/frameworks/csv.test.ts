import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import {
  readFrameworkCsv,
  writeFrameworkCsv,
  type TargetedOutline,
} from "~/modules/frameworks/framework-csv";
import { previewImport, type ImportPreview } from "~/modules/frameworks/framework-import.server";
import * as exportRoute from "~/routes/admin.frameworks.$frameworkId[.csv]";
import * as importRoute from "~/routes/_app.admin.frameworks.import";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call, testContext } from "../support/remix";

const fixture = (name: string) => readFileSync(path.resolve("tests/fixtures/frameworks", name));

function uploadAndSave(
  cookie: string,
  fileName: string,
  content: string | Uint8Array,
  name: string,
) {
  const body = new FormData();
  body.append("intent", "save");
  body.append("name", name);
  body.append(
    "file",
    new File([typeof content === "string" ? content : new Uint8Array(content)], fileName),
  );
  const request = new Request("http://localhost:3000/admin/frameworks/import", {
    method: "POST",
    headers: { Cookie: cookie },
    body,
  });
  return call<{ fieldErrors?: Record<string, string> }>(importRoute.action, request);
}

function exportCsv(cookie: string, frameworkId: string) {
  return call<string>(
    exportRoute.loader,
    buildRequest(`/admin/frameworks/${frameworkId}.csv`, { cookie }),
    { frameworkId },
  );
}

async function defaultFrameworkId(organizationId: string) {
  const org = await db
    .selectFrom("organizations")
    .select("default_framework_id")
    .where("id", "=", organizationId)
    .executeTakeFirstOrThrow();
  return org.default_framework_id as string;
}

/** A framework's current version as the outline the CSV describes, read from the tables. */
async function storedOutline(frameworkId: string): Promise<TargetedOutline> {
  const profiles = await db
    .selectFrom("target_profiles")
    .select(["id", "name"])
    .where("framework_id", "=", frameworkId)
    .orderBy("position")
    .execute();
  const rows = await db
    .selectFrom("frameworks as f")
    .innerJoin("topic_revisions as t", "t.framework_version_id", "f.current_version_id")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .select([
      "c.name as category",
      "c.kind",
      "t.topic_id",
      "t.name",
      "t.description",
      "t.framework_version_id",
    ])
    .where("f.id", "=", frameworkId)
    .where("t.retired", "=", false)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
  const targets = await db
    .selectFrom("topic_targets")
    .select(["topic_id", "target_profile_id", "target_level", "priority"])
    .where("framework_version_id", "=", rows[0]?.framework_version_id ?? "")
    .execute();
  const outline: TargetedOutline = { profiles: profiles.map((p) => p.name), categories: [] };
  for (const row of rows) {
    let category = outline.categories.at(-1);
    if (category?.name !== row.category) {
      category = { name: row.category, kind: row.kind, topics: [] };
      outline.categories.push(category);
    }
    category.topics.push({
      name: row.name,
      ...(row.description ? { description: row.description } : {}),
      targets: profiles.map((p) => {
        const t = targets.find((x) => x.topic_id === row.topic_id && x.target_profile_id === p.id);
        return { level: t?.target_level as number, priority: t?.priority as "must_have" };
      }),
    });
  }
  return outline;
}

function csvPreview(content: string | Uint8Array, name = "skills.csv"): ImportPreview {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const result = previewImport({ file: { name, bytes } });
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return result.preview;
}

function csvErrors(content: string): string[] {
  const result = previewImport({
    file: { name: "bad.csv", bytes: new TextEncoder().encode(content) },
  });
  if (result.ok) throw new Error("expected errors");
  return (result.fieldErrors.file ?? "").split("\n");
}

describe("CSV import", () => {
  it("reads two target profiles, kinds, quoted descriptions and loose priority spellings", () => {
    const p = csvPreview(fixture("backend-two-profiles.csv"), "backend-two-profiles.csv");
    expect(p.format).toBe("csv");
    expect(p.usesDefaultTargets).toBe(false);
    expect(p.suggestedName).toBe("backend two profiles");
    expect(p.profiles).toEqual(["Mid", "Senior"]);
    expect(p.summary).toBe("2 categories, 5 topics, 1 role expectation");
    expect(p.categories).toEqual([
      {
        name: "APIs",
        kind: "skills",
        topics: [
          {
            name: "REST design",
            description: "Resources, verbs and status codes",
            targets: [
              { level: 2, priority: "must_have" },
              { level: 4, priority: "must_have" },
            ],
          },
          {
            name: "GraphQL",
            targets: [
              { level: 1, priority: "good_to_have" },
              { level: 3, priority: "good_to_have" },
            ],
          },
          {
            name: "gRPC",
            targets: [
              { level: 0, priority: "advanced" },
              { level: 2, priority: "advanced" },
            ],
          },
        ],
      },
      {
        name: "Data",
        kind: "skills",
        topics: [
          {
            name: "SQL",
            description: "Schema design\nand query plans",
            targets: [
              { level: 3, priority: "must_have" },
              { level: 4, priority: "must_have" },
            ],
          },
          {
            name: "Caching",
            targets: [
              { level: 2, priority: "advanced" },
              { level: 3, priority: "advanced" },
            ],
          },
        ],
      },
      {
        name: "Leadership",
        kind: "role_expectations",
        topics: [
          {
            name: "Mentoring juniors",
            targets: [
              { level: 1, priority: "good_to_have" },
              { level: 3, priority: "must_have" },
            ],
          },
        ],
      },
    ]);
  });

  it("saves the profiles and targets from the file", async () => {
    const { admin } = await createOrgWithAdmin();
    const saved = await uploadAndSave(
      admin.cookie,
      "backend.csv",
      fixture("backend-two-profiles.csv"),
      "Backend",
    );
    expect(saved.status).toBe(302);
    const id = saved.headers.get("Location")?.split("/").pop() as string;
    const stored = await storedOutline(id);
    expect(stored).toEqual({
      profiles: ["Mid", "Senior"],
      categories: csvPreview(fixture("backend-two-profiles.csv")).categories,
    });
  });

  it("uses the Default profile when the file has no target columns, and accepts semicolons", () => {
    const p = csvPreview("Topic;Category\nDocker;DevOps\nKubernetes;DevOps\n");
    expect(p.usesDefaultTargets).toBe(true);
    expect(p.profiles).toEqual(["Default"]);
    expect(p.categories).toEqual([
      {
        name: "DevOps",
        kind: "skills",
        topics: [
          { name: "Docker", targets: [{ level: 2, priority: "good_to_have" }] },
          { name: "Kubernetes", targets: [{ level: 2, priority: "good_to_have" }] },
        ],
      },
    ]);
  });

  it("reports bad rows by their row number, the header being row 1", () => {
    expect(csvErrors(fixture("bad-rows.csv").toString("utf8"))).toEqual([
      'Row 3: target must be 0–4 (Senior target is "5")',
      "Row 4: category is empty",
      'Row 5: priority must be must-have, good-to-have or advanced (Senior priority is "sometimes")',
    ]);
  });

  it("counts rows as a spreadsheet does, blank and multi-line ones included", () => {
    const errors = csvErrors(
      'category,topic,description,X target,X priority\nA,One,"two\nlines",1,advanced\n\nA,Two,,9,advanced\nA,,,,',
    );
    expect(errors).toEqual([
      'Row 4: target must be 0–4 (X target is "9")',
      "Row 5: topic is empty",
      'Row 5: target must be 0–4 (X target is "")',
      'Row 5: priority must be must-have, good-to-have or advanced (X priority is "")',
    ]);
  });

  it.each([
    ["no header", "Core,Event loop\nCore,Streams", /^Row 1 must be the header/],
    ["an unknown column", "category,topic,owner\nA,B,me", /^Row 1: unknown column "owner"/],
    [
      "a target without its priority",
      "category,topic,Senior target\nA,B,3",
      /^Row 1: profile "Senior" has no "Senior priority" column/,
    ],
    ["a repeated column", "category,topic,Topic\nA,B,C", /^Row 1: column "Topic" appears twice/],
    [
      "an unclosed quote",
      'category,topic\nA,B\nA,"C\nA,D',
      /^Row 3: a quoted cell is never closed/,
    ],
    [
      "too many cells",
      "category,topic\nA,B,C",
      /^Row 2: has more cells than the header has columns/,
    ],
    [
      "an unknown kind",
      "category,kind,topic\nA,hobbies,B",
      /^Row 2: kind must be "skills" or "role expectations" \(not "hobbies"\)/,
    ],
    [
      "a category of two kinds",
      "category,kind,topic\nA,skills,B\nA,role expectations,C",
      /^Row 3: category "A" is "skills" on an earlier row/,
    ],
    [
      "a long profile name",
      `category,topic,${"P".repeat(201)} target,${"P".repeat(201)} priority\nA,B,1,advanced`,
      /at most 200 characters/,
    ],
  ])("refuses %s", (_label, content, message) => {
    expect(csvErrors(content).join("\n")).toMatch(message);
  });

  it("lists at most 20 row errors, then how many more", () => {
    const rows = Array.from({ length: 30 }, (_, i) => `A,T${i},7,advanced`).join("\n");
    const errors = csvErrors(`category,topic,S target,S priority\n${rows}`);
    expect(errors).toHaveLength(21);
    expect(errors.at(-1)).toBe("…and 10 more problems");
  });
});

describe("CSV export", () => {
  it("downloads the current version with a CSV content type and a versioned file name", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const id = await defaultFrameworkId(organizationId);
    const result = await exportCsv(admin.cookie, id);
    expect(result.status).toBe(200);
    expect(result.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(result.headers.get("Content-Disposition")).toBe(
      'attachment; filename="node-js-senior-expectations-v1.csv"',
    );
    const lines = result.data.split("\n");
    expect(lines[0]).toBe(
      "category,kind,topic,description,Mid (3–5 yrs) target,Mid (3–5 yrs) priority,Senior (7–8 yrs) target,Senior (7–8 yrs) priority",
    );
    expect(lines[1]).toBe(
      'Core Node.js Fundamentals,skills,"Event loop, call stack, and microtask queue",,3,must-have,4,must-have',
    );
    expect(lines.filter(Boolean)).toHaveLength(61);
    // A byte order mark, so spreadsheets read the en dashes as UTF-8.
    const response = (await exportRoute.loader({
      request: buildRequest(`/admin/frameworks/${id}.csv`, { cookie: admin.cookie }),
      params: { frameworkId: id },
      context: testContext(),
    })) as Response;
    expect([...new Uint8Array(await response.arrayBuffer()).slice(0, 3)]).toEqual([
      0xef, 0xbb, 0xbf,
    ]);
  });

  it("round-trips: exporting then importing gives the same categories, topics, descriptions and targets", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const id = await defaultFrameworkId(organizationId);
    // A description, so the round trip covers it too.
    await db
      .updateTable("topic_revisions")
      .set({ description: 'Phases, "ticks" and\nstarvation, with commas' })
      .where("organization_id", "=", organizationId)
      .where("name", "=", "Event loop, call stack, and microtask queue")
      .execute();
    const exported = (await exportRoute.loader({
      request: buildRequest(`/admin/frameworks/${id}.csv`, { cookie: admin.cookie }),
      params: { frameworkId: id },
      context: testContext(),
    })) as Response;
    const bytes = new Uint8Array(await exported.arrayBuffer());
    const saved = await uploadAndSave(admin.cookie, "export.csv", bytes, "Round trip");
    expect(saved.status).toBe(302);
    const copyId = saved.headers.get("Location")?.split("/").pop() as string;
    const original = await storedOutline(id);
    expect(original.categories).toHaveLength(12);
    expect(await storedOutline(copyId)).toEqual(original);
  });

  it("leaves retired topics out", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const id = await defaultFrameworkId(organizationId);
    await db
      .updateTable("topic_revisions")
      .set({ retired: true })
      .where("organization_id", "=", organizationId)
      .where("name", "=", "gRPC and RPC patterns")
      .execute();
    const result = await exportCsv(admin.cookie, id);
    expect(result.data).not.toContain("gRPC and RPC patterns");
    expect(result.data.split("\n").filter(Boolean)).toHaveLength(60);
  });

  it("prefixes cells that a spreadsheet would run as formulas, and the import removes the prefix", async () => {
    const outline: TargetedOutline = {
      profiles: ["=Leads"],
      categories: [
        {
          name: "+Ops",
          kind: "skills",
          topics: [
            {
              name: '=HYPERLINK("http://evil","x")',
              targets: [{ level: 1, priority: "advanced" }],
            },
            {
              name: "-Negative",
              description: "@SUM(A1)",
              targets: [{ level: 2, priority: "must_have" }],
            },
            {
              name: "Plain",
              description: "\tTabbed",
              targets: [{ level: 3, priority: "good_to_have" }],
            },
          ],
        },
      ],
    };
    const csv = writeFrameworkCsv(outline);
    expect(csv).toContain("'=Leads target,'=Leads priority");
    expect(csv).toContain('\'+Ops,skills,"\'=HYPERLINK(""http://evil"",""x"")",,1,advanced');
    expect(csv).toContain("'+Ops,skills,'-Negative,'@SUM(A1),2,must-have");
    expect(csv).toContain("'\tTabbed");
    for (const line of csv
      .replace(/^\uFEFF/, "")
      .split("\n")
      .filter(Boolean)) {
      for (const cell of line.split(",")) expect(cell).not.toMatch(/^"?[=+\-@\t\r]/);
    }
    const read = readFrameworkCsv(csv.replace(/^\uFEFF/, ""));
    expect(read).toEqual({
      ok: true,
      outline: {
        ...outline,
        categories: [
          {
            ...outline.categories[0],
            // Cells are trimmed on import, so the tab does not come back.
            topics: outline.categories[0]?.topics.map((t) =>
              t.description === "\tTabbed" ? { ...t, description: "Tabbed" } : t,
            ),
          },
        ],
      },
    });
  });

  it("is for admins only, and another organisation's framework is not found", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const id = await defaultFrameworkId(organizationId);
    for (const role of ["engineer", "lead"] as const) {
      const member = await addMember(organizationId, role);
      expect((await exportCsv(member.cookie, id)).status).toBe(403);
    }
    const other = await createOrgWithAdmin();
    const foreign = await exportCsv(other.admin.cookie, id);
    expect(foreign.status).toBe(404);
    expect(foreign.data).not.toContain("Event loop");
    expect((await exportCsv(admin.cookie, "not-a-uuid")).status).toBe(404);
    expect((await exportCsv(admin.cookie, "00000000-0000-4000-8000-000000000000")).status).toBe(
      404,
    );
  });
});
