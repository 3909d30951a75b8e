import { describe, expect, it } from "vitest";
import { parseMarkdownOutline } from "~/modules/frameworks/markdown-outline";

// Hostile input to the Markdown outline parser: large and pathological files parse in
// linear time. Apart from markdown-outline.test.ts so that mutation testing (which runs that
// file for every mutant of the parser) is not spent on these multi-second inputs.

/** Deterministic pseudo-random text (mulberry32), so a failure can be replayed. */
function junk(length: number, seed: number) {
  const alphabet = [
    ..."abcXYZ019 \t\n\r#*-+_`~[]()<>!|:.=&;\\/",
    "🔹",
    "✅",
    "\u200d",
    "\ufe0f",
    "\ud800",
    "\udfff",
    "1. ",
    "## ",
    "```",
    "expected to be:",
    "**",
    "](",
  ];
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const part = alphabet[Math.floor(random() * alphabet.length)] as string;
    parts.push(part);
    size += part.length;
  }
  return parts.join("");
}

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
}

describe("parseMarkdownOutline on hostile input", () => {
  it("parses 5 MB of random junk quickly without throwing", () => {
    const input = junk(5_000_000, 20261125);
    const { result, ms } = timed(() => parseMarkdownOutline(input));
    expect(Array.isArray(result.categories)).toBe(true);
    for (const category of result.categories) {
      expect(category.name).not.toBe("");
      for (const topic of category.topics) expect(topic.name).not.toBe("");
    }
    expect(result.ignored.length).toBeLessThanOrEqual(1001);
    expect(ms).toBeLessThan(5000);
  });

  it.each([
    ["brackets", "- " + "[".repeat(2_000_000)],
    ["link starts", "- " + "[a](".repeat(500_000)],
    ["underscores", "- a" + "_".repeat(2_000_000) + "b"],
    ["colons", "- a" + ":".repeat(2_000_000) + "b"],
    ["spaces", "- a" + " ".repeat(2_000_000) + "b"],
    ["hashes", "# a " + "#".repeat(2_000_000) + "x"],
    ["heading tail", "## " + "a #".repeat(700_000)],
    ["intro", "expect to ".repeat(200_000) + ":"],
    ["bold line", "**" + "a".repeat(2_000_000) + "*"],
    ["decorations", "- " + "•".repeat(2_000_000)],
    ["emoji", "- " + "👩🏽‍💻".repeat(300_000)],
    ["one-line items", "- x\n".repeat(500_000)],
    ["many blanks before a bold line", "**a**\n" + "\n".repeat(2_000_000) + "x"],
    ["many bold lines", "**a**\n\n".repeat(300_000)],
    ["fence openers", "```a`\n".repeat(500_000)],
  ])("stays linear on %s", (_name, input) => {
    const { ms } = timed(() => parseMarkdownOutline(input));
    // Millions of characters: a quadratic pass would take hours, a linear one well under a
    // second alone; the margin is for a loaded CI machine, not a speed goal.
    expect(ms).toBeLessThan(15_000);
  });
});
