import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseMarkdownOutline } from "~/modules/frameworks/markdown-outline";

const expectations = readFileSync(
  path.resolve("seeds/frameworks/nodejs-senior-7-8-years.md"),
  "utf8",
);

const names = (markdown: string) =>
  parseMarkdownOutline(markdown).categories.map((c) => [c.name, c.topics.map((t) => t.name)]);

describe("parseMarkdownOutline on the default expectations list", () => {
  const outline = parseMarkdownOutline(expectations);
  const skills = outline.categories.filter((c) => c.kind === "skills");
  const roles = outline.categories.filter((c) => c.kind === "role_expectations");

  it("finds the 11 skill categories in file order, then the role expectations", () => {
    expect(outline.categories.map((c) => c.name)).toEqual([
      "Core Node.js Fundamentals",
      "Backend & API Development",
      "Database Expertise",
      "System Design & Architecture",
      "Performance & Optimization",
      "Security & Best Practices",
      "Testing & Quality",
      "DevOps & CI/CD",
      "Advanced JavaScript & TypeScript",
      "Messaging & Distributed Systems",
      "Other Must-Know Areas",
      "Role expectations",
    ]);
    expect(skills).toHaveLength(11);
    expect(roles).toHaveLength(1);
    expect(outline.categories.at(-1)?.kind).toBe("role_expectations");
  });

  it("finds the 56 topics in file order, with their full text as names", () => {
    expect(skills.map((c) => c.topics.length)).toEqual([6, 5, 4, 6, 5, 5, 5, 6, 5, 4, 5]);
    const topics = skills.flatMap((c) => c.topics.map((t) => t.name));
    expect(topics).toHaveLength(56);
    expect(topics[0]).toBe("Event loop, call stack, and microtask queue");
    expect(topics[5]).toBe("File system operations and OS module");
    expect(topics[6]).toBe("Building RESTful APIs (Express.js, Fastify, Koa, NestJS)");
    expect(skills[2]?.topics[0]?.name).toBe(
      "SQL (PostgreSQL, MySQL, MSSQL) – schema design, query optimization, transactions",
    );
    expect(skills[7]?.topics[4]?.name).toBe(
      "Cloud platforms: AWS (Lambda, ECS, S3, DynamoDB), GCP, Azure",
    );
    expect(topics.at(-1)).toBe("Experience with monorepos (Nx, Turborepo, Lerna)");
    expect(new Set(topics).size).toBe(56);
    for (const topic of topics) expect(topic).not.toMatch(/[*_`#]|^\s|\s$|\s{2}/);
    expect(skills.flatMap((c) => c.topics).every((t) => t.description === undefined)).toBe(true);
  });

  it("reads the closing block as four role expectations, emphasis removed", () => {
    expect(roles[0]?.name).toBe("Role expectations");
    expect(roles[0]?.topics).toEqual([
      { name: "Architecting scalable solutions (not just coding APIs)" },
      { name: "Leading teams & mentoring juniors" },
      { name: "Ensuring performance, reliability, and security in production" },
      { name: "Bridging between development and DevOps/infra" },
    ]);
  });

  it("reports the prose, the rules and the closing question as ignored", () => {
    const byReason = (reason: string) => outline.ignored.filter((i) => i.reason === reason);
    expect(byReason("prose").map((i) => i.line)).toEqual([1]);
    expect(byReason("prose")[0]?.text).toMatch(/^For \*\*7–8 years/);
    expect(byReason("horizontal rule")).toHaveLength(13);
    expect(byReason("horizontal rule").every((i) => i.text === "---")).toBe(true);
    expect(byReason("question")).toHaveLength(1);
    expect(byReason("question")[0]?.text).toMatch(/^Do you want me to create a \*\*roadmap/);
    // Blank lines are not reported, and nothing is reported twice.
    expect(outline.ignored.every((i) => i.text.trim() !== "")).toBe(true);
    expect(new Set(outline.ignored.map((i) => i.line)).size).toBe(outline.ignored.length);
    expect(outline.ignored).toHaveLength(15);
  });
});

describe("parseMarkdownOutline on other shapes", () => {
  it("takes headings of any level and -, *, +, 1. and 1) items", () => {
    const markdown = [
      "# Languages",
      "* TypeScript",
      "+ Go",
      "###### Data",
      "1. PostgreSQL",
      "2) Redis",
      "10. Kafka",
      "## Closing hashes ##",
      "- Item",
    ].join("\n");
    expect(names(markdown)).toEqual([
      ["Languages", ["TypeScript", "Go"]],
      ["Data", ["PostgreSQL", "Redis", "Kafka"]],
      ["Closing hashes", ["Item"]],
    ]);
  });

  it("keeps nested items as topics of the same category, whatever the indentation", () => {
    const markdown = "## Ops\n- Docker\n  - Compose\n    * Swarm\n\t- Podman\n- Kubernetes\n";
    expect(names(markdown)).toEqual([
      ["Ops", ["Docker", "Compose", "Swarm", "Podman", "Kubernetes"]],
    ]);
  });

  it("reduces links, bold, italics, strikethrough and inline code to their text", () => {
    const markdown = [
      "## **Web** _frameworks_",
      "- [Express](https://expressjs.com) and ![logo](x.png) [Koa][koa]",
      "- **Bold** and __also bold__ and *italic* and _italic_ and ~~struck~~",
      "- `npm ci` vs ``npm install``",
      "- snake_case_names and 2 * 3 stay",
      "- See <https://nodejs.org>",
      "- Tom &amp; Jerry",
    ].join("\n");
    expect(names(markdown)).toEqual([
      [
        "Web frameworks",
        [
          "Express and logo Koa",
          "Bold and also bold and italic and italic and struck",
          "npm ci vs npm install",
          "snake_case_names and 2 3 stay",
          "See https://nodejs.org",
          "Tom & Jerry",
        ],
      ],
    ]);
  });

  it("strips emoji and decorative markers from headings and items", () => {
    const markdown = [
      "## 🔹 Core",
      "- ✅ Event loop",
      "- • Streams",
      "## ★ 🚀 Scale ⚡️",
      "- → Sharding",
      "## 1️⃣ 👩🏽‍💻 People 🇬🇧",
      "- 👍🏻 Mentoring",
      "### 2. Numbered heading",
      "- .NET interop",
      "- @nestjs/core",
    ].join("\n");
    expect(names(markdown)).toEqual([
      ["Core", ["Event loop", "Streams"]],
      ["Scale", ["Sharding"]],
      ["1 People", ["Mentoring"]],
      ["Numbered heading", [".NET interop", "@nestjs/core"]],
    ]);
  });

  it("puts items before any heading into General", () => {
    const markdown = "Intro line.\n\n- Git\n- Code review\n\n## Testing\n- Jest\n";
    const outline = parseMarkdownOutline(markdown);
    expect(outline.categories).toEqual([
      { name: "General", kind: "skills", topics: [{ name: "Git" }, { name: "Code review" }] },
      { name: "Testing", kind: "skills", topics: [{ name: "Jest" }] },
    ]);
    expect(outline.ignored).toEqual([{ line: 1, text: "Intro line.", reason: "prose" }]);
  });

  it("handles CRLF, a byte order mark, lone CR and tabs", () => {
    const markdown = "\uFEFF## Core\r\n-\tEvent   loop\t\r\n- Streams\r\r\n## \tNext\t\r- Item";
    expect(names(markdown)).toEqual([
      ["Core", ["Event loop", "Streams"]],
      ["Next", ["Item"]],
    ]);
  });

  it("returns nothing for empty or blank input", () => {
    expect(parseMarkdownOutline("")).toEqual({ categories: [], ignored: [] });
    expect(parseMarkdownOutline(" \n\t\r\n\n")).toEqual({ categories: [], ignored: [] });
    expect(parseMarkdownOutline("\uFEFF")).toEqual({ categories: [], ignored: [] });
  });

  it("does not throw on input that is not a string", () => {
    for (const value of [undefined, null, 42, {}, []]) {
      expect(parseMarkdownOutline(value as unknown as string)).toEqual({
        categories: [],
        ignored: [],
      });
    }
  });

  it("keeps HTML as text: it does not sanitize, it only returns strings", () => {
    const outline = parseMarkdownOutline(
      "## XSS\n- <script>alert(1)</script>\n- <b>bold</b> tag\n",
    );
    expect(outline.categories[0]?.topics).toEqual([
      { name: "<script>alert(1)</script>" },
      { name: "<b>bold</b> tag" },
    ]);
  });

  it("keeps 'Name – description' and 'Name: description' items whole", () => {
    expect(
      names("## DB\n- SQL – schema design, transactions\n- Redis: caching, pub/sub\n"),
    ).toEqual([["DB", ["SQL – schema design, transactions", "Redis: caching, pub/sub"]]]);
  });

  it("collapses whitespace and drops trailing ':' and similar punctuation", () => {
    expect(
      names("## Skills:\n-   Event    loop :\n- Testing;\n- Docker.\n- C++\n- Why?\n"),
    ).toEqual([["Skills", ["Event loop", "Testing", "Docker", "C++", "Why?"]]]);
  });

  it("drops headings without topics and reports them", () => {
    const outline = parseMarkdownOutline(
      "# Title\n\nSome prose.\n\n## Empty\n\n## Real\n- Topic\n#\n",
    );
    expect(outline.categories).toEqual([
      { name: "Real", kind: "skills", topics: [{ name: "Topic" }] },
    ]);
    expect(outline.ignored).toEqual([
      { line: 1, text: "Title", reason: "heading without topics" },
      { line: 3, text: "Some prose.", reason: "prose" },
      { line: 5, text: "Empty", reason: "heading without topics" },
      { line: 9, text: "#", reason: "empty heading" },
    ]);
  });

  it("reads setext headings", () => {
    const markdown = "Backend\n=======\n- APIs\n\nFrontend\n--------\n- React\n";
    expect(names(markdown)).toEqual([
      ["Backend", ["APIs"]],
      ["Frontend", ["React"]],
    ]);
  });

  it("ignores code fences, block quotes, tables, comments and the items inside them", () => {
    const markdown = [
      "## Real",
      "- Kept",
      "```md",
      "## Not a heading",
      "- not a topic",
      "```",
      "> - quoted item",
      "| a | b |",
      "<!-- - commented",
      "- still commented -->",
      "~~~~",
      "- fenced",
      "~~~",
      "- fenced too",
      "~~~~",
      "- Also kept",
    ].join("\n");
    const outline = parseMarkdownOutline(markdown);
    expect(names(markdown)).toEqual([["Real", ["Kept", "Also kept"]]]);
    expect(outline.ignored.map((i) => [i.line, i.reason])).toEqual([
      [3, "code block"],
      [7, "block quote"],
      [8, "table"],
      [9, "comment"],
      [11, "code block"],
    ]);
  });

  it("an unclosed fence swallows the rest, as in Markdown", () => {
    expect(names("## A\n- One\n```\n- Two\n## B\n- Three")).toEqual([["A", ["One"]]]);
  });

  it("starts role expectations at 'expected to be:' / 'expected to:' and ends them with the list", () => {
    const markdown = [
      "## Skills",
      "- Node.js",
      "",
      "_At **5 years**, engineers are expected to:_",
      "",
      "- Own features end to end",
      "- Review code",
      "",
      "---",
      "- Back in Skills",
      "",
      "Seniors are EXPECTED TO BE:",
      "1. Mentors",
    ].join("\n");
    const outline = parseMarkdownOutline(markdown);
    expect(outline.categories).toEqual([
      { name: "Skills", kind: "skills", topics: [{ name: "Node.js" }, { name: "Back in Skills" }] },
      {
        name: "Role expectations",
        kind: "role_expectations",
        topics: [{ name: "Own features end to end" }, { name: "Review code" }, { name: "Mentors" }],
      },
    ]);
    // "expected to go beyond" is prose, not an introduction.
    expect(names("You are expected to go beyond:\n- Basics")).toEqual([["General", ["Basics"]]]);
  });

  it("treats a 'Role expectations' heading as role expectations", () => {
    const outline = parseMarkdownOutline("## Skills\n- A\n## 🎯 Role Expectations\n- Lead\n");
    expect(outline.categories.map((c) => [c.name, c.kind])).toEqual([
      ["Skills", "skills"],
      ["Role expectations", "role_expectations"],
    ]);
  });

  it("treats a bold line right above a list as a heading", () => {
    const markdown = "**1. Core concepts:**\n\n- Closures\n\n**Just emphasis**\n\nSome prose.\n";
    const outline = parseMarkdownOutline(markdown);
    expect(names(markdown)).toEqual([["Core concepts", ["Closures"]]]);
    expect(outline.ignored.map((i) => i.reason)).toEqual(["prose", "prose"]);
  });

  it("joins wrapped item lines, and reads an indented paragraph under an item as its description", () => {
    const markdown = [
      "## Runtime",
      "- Event loop, call stack,",
      "  and microtask queue",
      "",
      "  Phases, **timers** and",
      "  process.nextTick.",
      "- Streams",
      "Closing remark, not part of Streams.",
    ].join("\n");
    const outline = parseMarkdownOutline(markdown);
    expect(outline.categories[0]?.topics).toEqual([
      {
        name: "Event loop, call stack, and microtask queue",
        description: "Phases, timers and process.nextTick",
      },
      { name: "Streams" },
    ]);
    expect(outline.ignored).toEqual([
      { line: 8, text: "Closing remark, not part of Streams.", reason: "prose" },
    ]);
  });

  it("skips task-list boxes and reports empty items", () => {
    const outline = parseMarkdownOutline(
      "## Todo\n- [x] Done thing\n- [ ] Open thing\n-\n- **  **\n",
    );
    expect(outline.categories[0]?.topics).toEqual([{ name: "Done thing" }, { name: "Open thing" }]);
    expect(outline.ignored.map((i) => [i.line, i.reason])).toEqual([
      [4, "empty list item"],
      [5, "empty list item"],
    ]);
  });

  it("lists at most 1000 ignored lines, then says how many more there were", () => {
    const outline = parseMarkdownOutline("Prose line.\n".repeat(5000));
    expect(outline.ignored).toHaveLength(1001);
    expect(outline.ignored.at(-1)).toEqual({
      line: 1001,
      text: "4000 more ignored lines not listed",
      reason: "too many ignored lines",
    });
  });
});

describe("parseMarkdownOutline: rules, headings and list markers at their edges", () => {
  const ignoredOf = (markdown: string) =>
    parseMarkdownOutline(markdown).ignored.map(({ line, reason }) => [line, reason]);

  it("reads ---, * * * and ___ as rules between items, and shorter runs or other text as not", () => {
    const markdown = "# Backend\n- APIs\n---\n- Queues\n * * *\n- Caches\n___\n";
    expect(names(markdown)).toEqual([["Backend", ["APIs", "Queues", "Caches"]]]);
    expect(ignoredOf(markdown)).toEqual([
      [3, "horizontal rule"],
      [5, "horizontal rule"],
      [7, "horizontal rule"],
    ]);
    // Mixed characters make no rule but a list item (of nothing but marks); two dashes, prose.
    expect(ignoredOf("# Backend\n- APIs\n* * -\n")).toEqual([[3, "empty list item"]]);
    expect(ignoredOf("# Backend\n- APIs\n--\n")).toEqual([[3, "prose"]]);
  });

  it("takes numbered items of up to nine digits, with a space after the marker", () => {
    expect(names("# Steps\n1. One\n123456789) Nine\n1234567890. Ten\n2.Two\n")).toEqual([
      ["Steps", ["One", "Nine"]],
    ]);
  });

  it("takes ATX headings of one to six #, with a space, an optional closing run kept apart", () => {
    const markdown = [
      "###### Six",
      "- a",
      "####### Seven",
      "#NoSpace",
      "## C# ##",
      "- b",
      "## Sharp#",
      "- c",
    ].join("\n");
    expect(names(markdown)).toEqual([
      ["Six", ["a"]],
      ["C#", ["b"]],
      ["Sharp#", ["c"]],
    ]);
  });

  it("reads a single = as a setext underline, but not a single -", () => {
    expect(names("Backend\n=\n- APIs\n")).toEqual([["Backend", ["APIs"]]]);
    expect(names("Backend\n-\n- APIs\n").map(([name]) => name)).not.toContain("Backend");
  });

  it("keeps links listed under a topic as its learning resources, at most 20", () => {
    const links = Array.from(
      { length: 22 },
      (_, i) => `  - [Guide ${i + 1}](https://example.com/${i + 1})`,
    );
    const markdown = [
      "# Node.js",
      "- Streams",
      "  - [Stream guide](https://nodejs.org/api/stream.html) (level 2)",
      "- Events",
      ...links,
      "- [Not indented](https://example.com/top)",
    ].join("\n");
    const topics = parseMarkdownOutline(markdown).categories[0]!.topics;
    expect(topics[0]!.resources).toEqual([
      { title: "Stream guide", url: "https://nodejs.org/api/stream.html", level: 2 },
    ]);
    expect(topics[1]!.resources).toHaveLength(20);
    expect(topics[1]!.resources![19]!.title).toBe("Guide 20");
    // Not indented under a topic, a link is a topic of its own, with no resources.
    expect(topics[2]).toEqual({ name: "Not indented" });
  });
});
