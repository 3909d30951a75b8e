import { describe, expect, it } from "vitest";
import {
  readFrameworkCsv,
  writeFrameworkCsv,
  type TargetedOutline,
} from "~/modules/frameworks/framework-csv";

// The framework CSV format itself, read and written without a database: what a file means,
// and each problem named by its row as a spreadsheet numbers it. csv.test.ts covers the
// import and export pages built on it.

function outlineOf(text: string): TargetedOutline {
  const result = readFrameworkCsv(text);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.outline;
}

function errorsOf(text: string): string[] {
  const result = readFrameworkCsv(text);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("reading a framework CSV", () => {
  it("reads categories in order, topics under them, and each profile's target and priority", () => {
    const outline = outlineOf(
      [
        "Category,Kind,Topic,Description,Mid target,Mid priority,Senior Target,Senior PRIORITY",
        "Runtime,skills,Event loop,How it turns,2,good-to-have,3,must-have",
        "Delivery,Role expectations,Owns releases,,1,Advanced,2,good_to_have",
        "Runtime,skill,Streams,,2,must have,4,Good To_Have",
      ].join("\n"),
    );
    expect(outline).toEqual({
      profiles: ["Mid", "Senior"],
      categories: [
        {
          name: "Runtime",
          kind: "skills",
          topics: [
            {
              name: "Event loop",
              description: "How it turns",
              targets: [
                { level: 2, priority: "good_to_have" },
                { level: 3, priority: "must_have" },
              ],
            },
            {
              name: "Streams",
              targets: [
                { level: 2, priority: "must_have" },
                { level: 4, priority: "good_to_have" },
              ],
            },
          ],
        },
        {
          name: "Delivery",
          kind: "role_expectations",
          topics: [
            {
              name: "Owns releases",
              targets: [
                { level: 1, priority: "advanced" },
                { level: 2, priority: "good_to_have" },
              ],
            },
          ],
        },
      ],
    });
  });

  it("tidies names: spaces collapsed, formula guards undone; an empty kind is skills", () => {
    const outline = outlineOf(
      'topic,category,kind\n"  Event   loop ",\'=Runtime,\n"Error\thandling",Runtime, ROLE-expectation \n',
    );
    expect(outline.profiles).toEqual([]);
    expect(outline.categories.map((c) => [c.name, c.kind, c.topics.map((t) => t.name)])).toEqual([
      ["=Runtime", "skills", ["Event loop"]],
      ["Runtime", "role_expectations", ["Error handling"]],
    ]);
    expect(errorsOf("topic,category,kind\nA,B,skills\nC,B,role-expectation")).toEqual([
      'Row 3: category "B" is "skills" on an earlier row',
    ]);
  });

  it("reads semicolon files only when the header has no comma", () => {
    expect(outlineOf("topic;category\nDocker;DevOps").categories[0]?.topics).toEqual([
      { name: "Docker", targets: [] },
    ]);
    // A comma in the header: commas separate, the semicolon is part of the name.
    expect(outlineOf("topic,category\nA;B,C").categories[0]?.topics[0]?.name).toBe("A;B");
    expect(outlineOf("\uFEFFtopic,category\nA,C").categories[0]?.name).toBe("C");
  });

  it("reads spellings with repeated separators, and ignores empty header cells and blank extra cells", () => {
    const outline = outlineOf(
      "category,kind,topic,S target,S priority,\nA,Role__Expectations,B,3,Must  have, \n",
    );
    expect(outline.profiles).toEqual(["S"]);
    expect(outline.categories).toEqual([
      {
        name: "A",
        kind: "role_expectations",
        topics: [{ name: "B", targets: [{ level: 3, priority: "must_have" }] }],
      },
    ]);
  });

  it("takes only a whole level 0–4 as a target", () => {
    const header = "category,topic,S target,S priority";
    for (const level of ["34", "3.5", "3x", " "])
      expect(errorsOf(`${header}\nA,B,${level},advanced`)).toEqual([
        `Row 2: target must be 0–4 (S target is "${level.trim()}")`,
      ]);
  });

  it("decides on semicolons from the header alone, a file of one line included", () => {
    expect(outlineOf("topic;category\nA,1;B").categories[0]).toMatchObject({
      name: "B",
      topics: [{ name: "A,1" }],
    });
    expect(outlineOf("topic;category").categories).toEqual([]);
  });

  it("skips blank rows but still counts them", () => {
    expect(errorsOf("category,topic\nA,B\n , \n\nA,")).toEqual(["Row 5: topic is empty"]);
  });

  it("names every problem of a row, and every bad row", () => {
    expect(
      errorsOf(
        [
          "category,kind,topic,S target,S priority",
          ",hobby,,5,sometimes",
          "A,skills,B,-1,advanced",
          "A,skills,C,4,must-have,extra",
          "A,skills,D,0,advanced,,",
        ].join("\n"),
      ),
    ).toEqual([
      "Row 2: category is empty",
      "Row 2: topic is empty",
      'Row 2: kind must be "skills" or "role expectations" (not "hobby")',
      'Row 2: target must be 0–4 (S target is "5")',
      'Row 2: priority must be must-have, good-to-have or advanced (S priority is "sometimes")',
      'Row 3: target must be 0–4 (S target is "-1")',
      "Row 4: has more cells than the header has columns",
    ]);
  });

  it("explains a bad header: missing columns, unknown or repeated ones, half a profile", () => {
    expect(errorsOf("name,description\nA,B")[0]).toMatch(
      /^Row 1 must be the header, with at least the columns category and topic/,
    );
    expect(errorsOf("")).toEqual(["The file has no header row"]);
    for (const header of ["category,description", "topic,kind"])
      expect(errorsOf(`${header}\nA,B`)[0]).toMatch(/^Row 1 must be the header/);
    expect(errorsOf("category,topic,Mid target date\nA,B,1")).toEqual([
      'Row 1: unknown column "Mid target date" (expected category, kind, topic, description, resources and "<profile> target", "<profile> priority" pairs)',
    ]);
    expect(errorsOf("category,topic,owner,Topic,Mid target\nA,B,C,D,1")).toEqual([
      'Row 1: unknown column "owner" (expected category, kind, topic, description, resources and "<profile> target", "<profile> priority" pairs)',
      'Row 1: column "Topic" appears twice',
      'Row 1: profile "Mid" has no "Mid priority" column',
    ]);
    expect(errorsOf("category,topic,Mid priority\nA,B,advanced")).toEqual([
      'Row 1: profile "Mid" has no "Mid target" column',
    ]);
  });

  it("reports an unclosed quote by the row it starts on", () => {
    expect(errorsOf('category,topic\nA,B\nA,"C\nA,D')).toEqual([
      'Row 3: a quoted cell is never closed (inside quotes, write a quote as "")',
    ]);
  });

  it("lists 20 problems at most, then how many more", () => {
    const rows = Array.from({ length: 21 }, (_, i) => `A,T${i},9,advanced`).join("\n");
    const errors = errorsOf(`category,topic,S target,S priority\n${rows}`);
    expect(errors).toHaveLength(21);
    expect(errors[19]).toBe('Row 21: target must be 0–4 (S target is "9")');
    expect(errors[20]).toBe("…and 1 more problems");
    const exactly20 = Array.from({ length: 20 }, (_, i) => `A,T${i},9,advanced`).join("\n");
    expect(errorsOf(`category,topic,S target,S priority\n${exactly20}`)).toHaveLength(20);
  });
});

describe("writing a framework CSV", () => {
  const outline: TargetedOutline = {
    profiles: ["Mid", "Senior"],
    categories: [
      {
        name: "Runtime",
        kind: "skills",
        topics: [
          {
            name: "Event loop",
            description: 'Phases, "ticks"',
            targets: [
              { level: 2, priority: "good_to_have" },
              { level: 3, priority: "must_have" },
            ],
          },
          // No Mid target: a hole, written as two empty cells.
          { name: "=SUM(A1)", targets: [undefined as never, { level: 4, priority: "advanced" }] },
        ],
      },
      { name: "Delivery", kind: "role_expectations", topics: [{ name: "Releases", targets: [] }] },
    ],
  };

  it("writes a header and one guarded row per topic, with a BOM for spreadsheets", () => {
    expect(writeFrameworkCsv(outline)).toBe(
      "\uFEFF" +
        [
          "category,kind,topic,description,Mid target,Mid priority,Senior target,Senior priority",
          'Runtime,skills,Event loop,"Phases, ""ticks""",2,good-to-have,3,must-have',
          "Runtime,skills,'=SUM(A1),,,,4,advanced",
          "Delivery,role expectations,Releases,,,,,",
          "",
        ].join("\n"),
    );
  });

  it("reads back what it wrote", () => {
    const complete: TargetedOutline = {
      ...outline,
      categories: [
        outline.categories[0]!,
        {
          name: "Delivery",
          kind: "role_expectations",
          topics: [
            {
              name: "Releases",
              targets: [
                { level: 0, priority: "advanced" },
                { level: 1, priority: "must_have" },
              ],
            },
          ],
        },
      ],
    };
    complete.categories[0] = {
      ...outline.categories[0]!,
      topics: [outline.categories[0]!.topics[0]!],
    };
    expect(outlineOf(writeFrameworkCsv(complete))).toEqual(complete);
  });
});
