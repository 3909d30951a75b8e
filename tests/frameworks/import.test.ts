import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { previewImport, type ImportPreview } from "~/modules/frameworks/framework-import.server";
import * as importRoute from "~/routes/_app.admin.frameworks.import";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

const EXPECTATIONS = readFileSync(
  path.resolve("seeds/frameworks/nodejs-senior-7-8-years.md"),
  "utf8",
);
const fixture = (name: string) => readFileSync(path.resolve("tests/fixtures/frameworks", name));

interface ActionBody {
  ok: boolean;
  preview?: ImportPreview;
  fieldErrors?: Record<string, string>;
  formError?: string;
  text?: string;
}

function postForm(cookie: string, form: Record<string, string>) {
  return call<ActionBody>(
    importRoute.action,
    buildRequest("/admin/frameworks/import", { cookie, form }),
  );
}

/** A multipart post, as the page's form sends it (files as uploads). */
function postMultipart(cookie: string, fields: Record<string, string | File>) {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  const request = new Request("http://localhost:3000/admin/frameworks/import", {
    method: "POST",
    headers: { Cookie: cookie },
    body,
  });
  return call<ActionBody>(importRoute.action, request);
}

const file = (name: string, content: string | Uint8Array) =>
  new File([typeof content === "string" ? content : new Uint8Array(content)], name);

async function frameworkCount(organizationId: string) {
  const row = await db
    .selectFrom("frameworks")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("organization_id", "=", organizationId)
    .executeTakeFirstOrThrow();
  return row.n;
}

function preview(source: Parameters<typeof previewImport>[0]): ImportPreview {
  const result = previewImport(source);
  if (!result.ok) throw new Error(`expected a preview, got ${JSON.stringify(result.fieldErrors)}`);
  return result.preview;
}

const outlineOf = (p: ImportPreview) =>
  p.categories.map((c) => [c.name, c.topics.map((t) => t.name)]);

describe("importing the expectations file", () => {
  it("previews 11 categories, 56 topics and 4 role expectations with the ignored lines", async () => {
    const { admin } = await createOrgWithAdmin();
    const result = await postForm(admin.cookie, { intent: "preview", text: EXPECTATIONS });
    expect(result.status).toBe(200);
    const p = result.data.preview as ImportPreview;
    expect(p.summary).toBe("11 categories, 56 topics, 4 role expectations");
    const skills = p.categories.filter((c) => c.kind === "skills");
    expect(skills).toHaveLength(11);
    expect(skills.reduce((n, c) => n + c.topics.length, 0)).toBe(56);
    expect(p.categories.at(-1)).toMatchObject({
      name: "Role expectations",
      kind: "role_expectations",
    });
    expect(p.categories.at(-1)?.topics).toHaveLength(4);
    expect(p.ignored.length).toBeGreaterThan(0);
    expect(p.ignored[0]).toMatchObject({ line: 1, reason: "prose" });
    expect(p.usesDefaultTargets).toBe(true);
    expect(p.profiles).toEqual(["Default"]);
    expect(p.text).toBe(EXPECTATIONS);
  });

  it("saves it as a new, non-default framework with a Default profile at level 2 good-to-have, audited", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const before = await db
      .selectFrom("organizations")
      .select("default_framework_id")
      .where("id", "=", organizationId)
      .executeTakeFirstOrThrow();
    const result = await postForm(admin.cookie, {
      intent: "save",
      text: EXPECTATIONS,
      name: "  Node.js (imported)  ",
    });
    expect(result.status).toBe(302);
    const id = result.headers.get("Location")?.replace("/admin/frameworks/", "") ?? "";
    const framework = await db
      .selectFrom("frameworks")
      .select(["name", "current_version_id"])
      .where("id", "=", id)
      .where("organization_id", "=", organizationId)
      .executeTakeFirstOrThrow();
    expect(framework.name).toBe("Node.js (imported)");
    const versionId = framework.current_version_id as string;

    const categories = await db
      .selectFrom("category_revisions")
      .select(["kind", (eb) => eb.fn.countAll<number>().as("n")])
      .where("framework_version_id", "=", versionId)
      .groupBy("kind")
      .orderBy("kind")
      .execute();
    expect(categories).toEqual([
      { kind: "skills", n: 11 },
      { kind: "role_expectations", n: 1 },
    ]);
    const topics = await db
      .selectFrom("topic_revisions as t")
      .innerJoin("category_revisions as c", (join) =>
        join
          .onRef("c.framework_version_id", "=", "t.framework_version_id")
          .onRef("c.category_id", "=", "t.category_id"),
      )
      .select(["c.kind", (eb) => eb.fn.countAll<number>().as("n")])
      .where("t.framework_version_id", "=", versionId)
      .groupBy("c.kind")
      .orderBy("c.kind")
      .execute();
    expect(topics).toEqual([
      { kind: "skills", n: 56 },
      { kind: "role_expectations", n: 4 },
    ]);
    const profiles = await db
      .selectFrom("target_profiles")
      .select("name")
      .where("framework_id", "=", id)
      .execute();
    expect(profiles).toEqual([{ name: "Default" }]);
    const targets = await db
      .selectFrom("topic_targets")
      .select(["target_level", "priority", (eb) => eb.fn.countAll<number>().as("n")])
      .where("framework_version_id", "=", versionId)
      .groupBy(["target_level", "priority"])
      .execute();
    expect(targets).toEqual([{ target_level: 2, priority: "good_to_have", n: 60 }]);

    const after = await db
      .selectFrom("organizations")
      .select("default_framework_id")
      .where("id", "=", organizationId)
      .executeTakeFirstOrThrow();
    expect(after.default_framework_id).toBe(before.default_framework_id);
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "actor_user_id", "ip"])
      .where("organization_id", "=", organizationId)
      .where("object_id", "=", id)
      .execute();
    expect(audit).toEqual([
      { action: "framework.import", actor_user_id: admin.id, ip: "198.51.100.7" },
    ]);
  });

  it("takes an uploaded .md file, names the framework after it, and saves what Save re-posts", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const shown = await postMultipart(admin.cookie, {
      intent: "preview",
      text: "",
      file: file("nodejs-senior-7-8-years.md", EXPECTATIONS),
    });
    expect(shown.status).toBe(200);
    const p = shown.data.preview as ImportPreview;
    expect(p).toMatchObject({ fileName: "nodejs-senior-7-8-years.md", format: "markdown" });
    expect(p.suggestedName).toBe("nodejs senior 7 8 years");

    // The page posts the decoded text back with the file name; the server parses it again.
    const saved = await postMultipart(admin.cookie, {
      intent: "save",
      text: p.text.replace(/\n/g, "\r\n"),
      fileName: p.fileName as string,
      name: p.suggestedName,
    });
    expect(saved.status).toBe(302);
    const version = await db
      .selectFrom("frameworks as f")
      .innerJoin("framework_versions as v", "v.id", "f.current_version_id")
      .select("v.note")
      .where("f.organization_id", "=", organizationId)
      .where("f.name", "=", "nodejs senior 7 8 years")
      .executeTakeFirstOrThrow();
    expect(version.note).toBe("Imported from nodejs-senior-7-8-years.md");
  });

  it("re-parses on save: a tampered source is refused there too, and nothing is saved", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const before = await frameworkCount(organizationId);
    const result = await postForm(admin.cookie, {
      intent: "save",
      text: "## A\n- <iframe src=x>",
      name: "Tampered",
    });
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors?.text).toMatch(/HTML is not accepted/);
    expect(await frameworkCount(organizationId)).toBe(before);
  });

  it("keeps the preview and asks for a name when the name is blank or already used", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const blank = await postForm(admin.cookie, { intent: "save", text: "## A\n- One", name: "  " });
    expect(blank.status).toBe(422);
    expect(blank.data.fieldErrors?.name).toBe("Give the framework a name.");
    expect(blank.data.preview?.summary).toBe("1 category, 1 topic");
    expect(blank.data.text).toBe("## A\n- One");

    const taken = await postForm(admin.cookie, {
      intent: "save",
      text: "## A\n- One",
      name: "node.js SENIOR expectations",
    });
    expect(taken.status).toBe(409);
    expect(taken.data.fieldErrors?.name).toBe("Another framework already has this name.");
    expect(await frameworkCount(organizationId)).toBe(1);
  });
});

describe("other Markdown shapes", () => {
  it("reads H3 headings with numbers and emoji over numbered items, and takes the H1 as the name", () => {
    const p = preview({
      file: { name: "frontend.md", bytes: fixture("frontend-numbered-emoji.md") },
    });
    expect(p.suggestedName).toBe("Frontend Engineer Expectations");
    expect(p.summary).toBe("3 categories, 12 topics");
    expect(outlineOf(p)).toEqual([
      [
        "HTML & Accessibility",
        [
          "Semantic HTML and document outline",
          "ARIA roles, states and properties",
          "Keyboard navigation and focus management",
          "Colour contrast and reduced motion",
        ],
      ],
      [
        "CSS & Layout",
        [
          "Flexbox and Grid",
          "Responsive design with container queries",
          "CSS custom properties and cascade layers",
        ],
      ],
      [
        "React",
        [
          "Hooks: useState, useEffect, useMemo",
          "Server rendering and hydration",
          "State management (Redux, Zustand, context)",
          "Performance profiling with the React DevTools",
          "Testing components (Testing Library)",
        ],
      ],
    ]);
    expect(p.ignored.map((l) => [l.line, l.reason])).toEqual([
      [1, "heading without topics"],
      [3, "prose"],
      [4, "prose"],
      [27, "horizontal rule"],
      [29, "prose"],
    ]);
  });

  it("reads bold lines as headings over * bullets with bold and links, ignoring the prose between", () => {
    const p = preview({ file: { name: "data.md", bytes: fixture("data-star-bullets.md") } });
    expect(p.suggestedName).toBe("Data platform skills");
    expect(p.summary).toBe("3 categories, 9 topics");
    expect(outlineOf(p)).toEqual([
      [
        "Databases",
        [
          "PostgreSQL – indexing, query plans, partitioning",
          "Redis data structures and eviction",
          "Columnar stores (ClickHouse, BigQuery)",
        ],
      ],
      [
        "Pipelines",
        [
          "Batch processing with Apache Spark",
          "Stream processing (Kafka Streams, Flink)",
          "Orchestration: Airflow, Dagster",
          "Data quality checks and contracts",
        ],
      ],
      ["Governance", ["Lineage and cataloguing", "PII handling and retention policies"]],
    ]);
    expect(p.ignored.map((l) => l.line)).toEqual([1, 4, 5, 13, 27]);
  });

  it("reads a plain-text outline: underlined headings, nested and + bullets, an indented description", () => {
    const p = preview({
      file: { name: "platform-outline.txt", bytes: fixture("platform-outline.txt") },
    });
    expect(p.format).toBe("markdown");
    expect(p.suggestedName).toBe("platform outline");
    expect(p.summary).toBe("3 categories, 9 topics");
    expect(outlineOf(p)).toEqual([
      [
        "Infrastructure",
        ["Networking", "DNS and load balancers", "Service mesh", "Terraform modules"],
      ],
      [
        "Observability",
        ["Metrics and alerting", "Distributed tracing", "OpenTelemetry instrumentation"],
      ],
      ["On call", ["Incident response", "Writing postmortems"]],
    ]);
    expect(p.categories[0]?.topics[3]?.description).toBe(
      "Reusable modules that every service team consumes",
    );
  });
});

describe("hostile input: a message beside the field, 422, nothing saved", () => {
  const topics = (n: number) => Array.from({ length: n }, (_, i) => `- Topic ${i + 1}`).join("\n");
  const textCases: [string, string, RegExp][] = [
    ["empty input", "", /Paste a Markdown list/],
    ["whitespace only", "  \n\t\n   ", /Paste a Markdown list/],
    [
      "a <script> tag",
      "## A\n- One\n<script>alert(1)</script>",
      /^HTML is not accepted; paste Markdown or plain text/,
    ],
    ["an event handler", '## A\n- <div onclick="steal()">One</div>', /^HTML is not accepted/],
    ["an iframe", "## A\n- One <iframe src=//evil>", /^HTML is not accepted/],
    ["10,000 topics", `## Big\n${topics(10_000)}`, /^10,000 topics found; the limit is 500\.$/],
    [
      "51 categories",
      Array.from({ length: 51 }, (_, i) => `## C${i}\n- T`).join("\n"),
      /^51 categories found; the limit is 50\.$/,
    ],
    [
      "repeated topics",
      "## Testing\n- Unit tests\n- unit TESTS\n## Other\n- Unit tests",
      /repeated: "unit TESTS" in "Testing"/,
    ],
    [
      "repeated categories",
      "## Testing\n- A\n## DevOps\n- B\n## testing\n- C",
      /Category names must differ; repeated: "testing"/,
    ],
    [
      "no category or topic",
      "Just a paragraph of prose.\n\nAnd another one.",
      /No categories or topics found/,
    ],
    ["a long topic name", `## A\n- ${"x".repeat(201)}`, /at most 200 characters; "x{60}…" has 201/],
    [
      "a long category name",
      `## ${"Y".repeat(250)}\n- One`,
      /at most 200 characters; "Y{60}…" has 250/,
    ],
    ["NUL characters", "## A\n- One\u0000Two", /not UTF-8 text/],
    ["undecodable bytes (U+FFFD)", "## A\n- Caf\uFFFD", /not UTF-8 text/],
    [
      "over 1 MB of text",
      `## A\n- One\n${"word ".repeat(210_000)}`,
      /^The text is larger than the 1 MB limit\.$/,
    ],
  ];

  it.each(textCases)("pasted %s", async (_label, text, message) => {
    const { organizationId, admin } = await createOrgWithAdmin();
    for (const intent of ["preview", "save"]) {
      const result = await postForm(admin.cookie, { intent, text, name: "Hostile" });
      expect(result.status).toBe(422);
      expect(result.data.fieldErrors?.text).toMatch(message);
    }
    expect(await frameworkCount(organizationId)).toBe(1);
  });

  it("refuses a 10 MB paste, URL-encoded or multipart, without reading it all", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const huge = `## A\n${"- topic\n".repeat(1_300_000)}`;
    const encoded = await postForm(admin.cookie, { intent: "preview", text: huge });
    expect(encoded.status).toBe(422);
    expect(encoded.data.fieldErrors?.text).toBe("The text is larger than the 1 MB limit.");
    const multipart = await postMultipart(admin.cookie, {
      intent: "save",
      text: huge,
      name: "Huge",
    });
    expect(multipart.status).toBe(422);
    expect(multipart.data.fieldErrors?.text).toBe("The text is larger than the 1 MB limit.");
    expect(await frameworkCount(organizationId)).toBe(1);
  });

  it("refuses a 10 MB upload with a message beside the file field", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    const result = await postMultipart(admin.cookie, {
      intent: "preview",
      text: "",
      file: file("big.md", big),
    });
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors?.file).toBe("The file is larger than the 1 MB limit.");
    const declared = new Request("http://localhost:3000/admin/frameworks/import", {
      method: "POST",
      headers: {
        Cookie: admin.cookie,
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": String(50 * 1024 * 1024),
      },
      body: "--x--",
    });
    const refused = await call<ActionBody>(importRoute.action, declared);
    expect(refused.status).toBe(422);
    expect(refused.data.fieldErrors?.file).toMatch(/larger than the 1 MB limit/);
    // Many parts, each under the part limit, still add up to too much.
    const parts = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`extra${i}`, "x".repeat(1024 * 1024)]),
    );
    const spread = await postMultipart(admin.cookie, { intent: "preview", ...parts });
    expect(spread.status).toBe(422);
    expect(spread.data.fieldErrors?.file).toMatch(/larger than the 1 MB limit/);
    expect(await frameworkCount(organizationId)).toBe(1);
  });

  const utf16 = (text: string) => {
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) bytes[2 + i * 2] = text.charCodeAt(i);
    return bytes;
  };
  const fileCases: [string, string, Uint8Array | string, RegExp][] = [
    [
      "invalid UTF-8 bytes",
      "latin1.md",
      new Uint8Array([0x23, 0x23, 0x20, 0x43, 0x61, 0x66, 0xe9, 0x0a, 0x2d, 0x20, 0x41]),
      /^The file is not UTF-8 text/,
    ],
    ["UTF-16", "utf16.md", utf16("## A\n- One\n"), /^The file is not UTF-8 text/],
    ["UTF-16 CSV", "utf16.csv", utf16("category,topic\nA,One\n"), /^The file is not UTF-8 text/],
    [
      "binary with NUL bytes",
      "image.txt",
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a]),
      /^The file is not UTF-8 text/,
    ],
    ["an empty file", "empty.md", "", /^The file is empty\.$/],
    [
      "another format",
      "skills.docx",
      "## A\n- One",
      /^Upload a \.md, \.txt \(Markdown\) or \.csv file\.$/,
    ],
    [
      "HTML in a file",
      "page.md",
      "<html><body><h2>A</h2><ul><li>One</li></ul></body></html>",
      /^HTML is not accepted/,
    ],
    [
      "HTML in a CSV",
      "evil.csv",
      'category,topic\nA,"<img src=x onerror=alert(1)>"',
      /^HTML is not accepted/,
    ],
    ["a CSV with no rows", "empty-rows.csv", "category,topic\n\n", /^No topics found/],
    [
      "1,000 CSV topics",
      "big.csv",
      `category,topic\n${Array.from({ length: 1000 }, (_, i) => `A,T${i}`).join("\n")}`,
      /^1,000 topics found; the limit is 500\.$/,
    ],
    ["repeated CSV topics", "dup.csv", "category,topic\nA,One\nA,one", /repeated: "one" in "A"/],
  ];

  it.each(fileCases)("uploaded %s", async (_label, name, content, message) => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const result = await postMultipart(admin.cookie, {
      intent: "save",
      text: "",
      file: file(name, content),
      name: "X",
    });
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors?.file).toMatch(message);
    expect(await frameworkCount(organizationId)).toBe(1);
  });

  it("accepts a paste just under 1 MB although the browser sends its line breaks as CRLF", async () => {
    const { admin } = await createOrgWithAdmin();
    const items = Array.from(
      { length: 400 },
      (_, i) => `- Topic ${i}\n${"\n".repeat(1200)}${"word ".repeat(200)}\n`,
    );
    const text = `## Big\n${items.join("")}`.replace(/\n/g, "\r\n");
    expect(text.length).toBeGreaterThan(1.2 * 1024 * 1024);
    expect(text.replace(/\r/g, "").length).toBeLessThan(1024 * 1024);
    const result = await postMultipart(admin.cookie, { intent: "preview", text });
    expect(result.status).toBe(200);
    expect(result.data.preview?.summary).toBe("1 category, 400 topics");
  });

  it("accepts and strips a UTF-8 byte order mark, in a file or pasted", () => {
    const withBom = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode("# Title\n## A\n- One"),
    ]);
    const fromFile = preview({ file: { name: "bom.md", bytes: withBom } });
    expect(fromFile.text).toBe("# Title\n## A\n- One");
    expect(fromFile.suggestedName).toBe("Title");
    const pasted = preview({ text: "\uFEFF## A\n- One" });
    expect(pasted.text).toBe("## A\n- One");
    expect(outlineOf(pasted)).toEqual([["A", ["One"]]]);
  });

  it("keeps Markdown that merely mentions angle brackets", () => {
    const p = preview({
      text: "## TypeScript\n- Generics like Array<T> and Map<K, V>\n- a < b && c > d",
    });
    expect(p.summary).toBe("1 category, 2 topics");
  });

  it("gives the pasted text back on failure, so it can be fixed", async () => {
    const { admin } = await createOrgWithAdmin();
    const result = await postForm(admin.cookie, {
      intent: "preview",
      text: "## A\n- <script>x</script>",
    });
    expect(result.data.text).toBe("## A\n- <script>x</script>");
  });
});

describe("who may import", () => {
  it("refuses engineers and leads", async () => {
    const { organizationId } = await createOrgWithAdmin();
    for (const role of ["engineer", "lead"] as const) {
      const member = await addMember(organizationId, role);
      const page = await call(
        importRoute.loader,
        buildRequest("/admin/frameworks/import", { cookie: member.cookie }),
      );
      expect(page.status).toBe(403);
      const post = await postForm(member.cookie, {
        intent: "save",
        text: "## A\n- One",
        name: "Mine",
      });
      expect(post.status).toBe(403);
    }
    expect(await frameworkCount(organizationId)).toBe(1);
  });

  it("sends a signed-out visitor to the login page", async () => {
    const page = await call(importRoute.loader, buildRequest("/admin/frameworks/import"));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toMatch(/^\/login/);
  });
});
