// Turns a skills list written in Markdown (headings = categories, list items = topics) into
// an outline, for the default framework seed and the Markdown import preview.
//
// Pure and line-based. It never throws, and it must stay linear on hostile input (a 10 MB
// paste): every regex below is anchored or uses character classes that cannot overlap, and
// anything that could backtrack (trailing trims, closing hashes) is a plain loop.

import {
  MAX_RESOURCES_PER_TOPIC,
  readResourceItem,
  type LearningResource,
} from "./learning-resources";

export interface OutlineTopic {
  name: string;
  description?: string;
  /** Links listed under the topic (an indented item that is only a link). */
  resources?: LearningResource[];
}

export interface OutlineCategory {
  name: string;
  kind: "skills" | "role_expectations";
  topics: OutlineTopic[];
}

export interface IgnoredLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
  reason: string;
}

export interface FrameworkOutline {
  categories: OutlineCategory[];
  ignored: IgnoredLine[];
}

export const ROLE_EXPECTATIONS = "Role expectations";
export const GENERAL = "General";

/** Longest excerpt of an ignored line that is echoed back. */
const MAX_ECHO = 200;
/** A preview lists this many ignored lines at most, then one summary entry. */
const MAX_IGNORED = 1000;
/** Only the end of a line is searched for "…expected to be:". */
const INTRO_TAIL = 160;

// Emoji and their parts (skin tones, flags, keycaps, tags, variation selectors), zero-width marks.
const STRIPPED_CHARS =
  /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u20E3|\p{Variation_Selector}|[\u{E0020}-\u{E007F}\u200B-\u200D\u2060\uFEFF]/gu;
// Decorative lead-ins (•, ★, →, "=> ", …). Kept: letters, digits, opening brackets and
// quotes, "<" (<T>, tags stay text), "/" (paths), "$", "@" (@nestjs) and "." before a letter (.NET).
const LEADING_DECORATION = /^(?:[^\p{L}\p{N}([{"'“‘«¿¡</$@.]|\.(?![\p{L}\p{N}]))+/u;
const HEADING_NUMBER = /^\d{1,3}[.)]\s+/;
const TRAILING_PUNCTUATION = new Set([":", ";", ",", ".", "-", "–", "—", "|", "•", "·"]);
const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&nbsp;": " ",
};

function isSpace(ch: string | undefined) {
  return ch === " " || ch === "\t";
}

function trimTrailingPunctuation(text: string): string {
  let end = text.length;
  while (end > 0) {
    const ch = text[end - 1] as string;
    if (ch === " " || TRAILING_PUNCTUATION.has(ch)) end--;
    else break;
  }
  return text.slice(0, end);
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** Inline Markdown reduced to the words a person reads; trailing punctuation kept. */
function inlineText(markdown: string): string {
  // Each pass runs only when its marker occurs: most lines are plain words, and a 10 MB
  // paste of one-word items must not pay for nine regex passes per line.
  let text = markdown;
  if (text.includes("[")) {
    // [text](url), ![alt](src), [text][ref]: the classes exclude brackets, so no overlap.
    text = text
      .replace(/!?\[([^[\]\n]*)\]\([^()\n]*\)/g, "$1")
      .replace(/\[([^[\]\n]*)\]\[[^[\]\n]*\]/g, "$1");
  }
  if (text.includes("<")) text = text.replace(/<((?:https?|mailto):[^<>\s]*)>/gi, "$1");
  if (text.includes("`") || text.includes("*") || text.includes("~")) {
    text = text.replace(/[`*]+|~~/g, "");
  }
  if (text.includes("_")) {
    // _emphasis_ goes, snake_case stays: a run is kept only between two word characters.
    text = text.replace(/_+/g, (run: string, at: number, whole: string) =>
      isWordChar(whole[at - 1]) && isWordChar(whole[at + run.length]) ? run : "",
    );
  }
  if (text.includes("&")) {
    text = text.replace(/&(?:amp|lt|gt|quot|#39|nbsp);/g, (entity) => ENTITIES[entity] ?? entity);
  }
  if (/[^\s!-~]/.test(text)) text = text.replace(STRIPPED_CHARS, "");
  if (/[^\S ]| {2}/.test(text)) text = text.replace(/\s+/g, " ");
  text = text.trim();
  return /^[A-Za-z0-9]/.test(text) ? text : text.replace(LEADING_DECORATION, "");
}

/** A heading, topic or description as stored: plain text without trailing ":" and the like. */
export function plainText(markdown: string): string {
  return trimTrailingPunctuation(inlineText(markdown));
}

/** "…interviewers expect you to be:", "Seniors are expected to:", emphasis already removed. */
function isRoleExpectationsIntro(inline: string): boolean {
  if (!inline.endsWith(":")) return false;
  const tail = (inline.length > INTRO_TAIL ? inline.slice(-INTRO_TAIL) : inline).toLowerCase();
  return /\bto(?: be)?\s*:$/.test(tail) && /\bexpect/.test(tail);
}

function echo(text: string): string {
  if (text.length <= MAX_ECHO) return text;
  let cut = MAX_ECHO;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--; // do not split a surrogate pair
  return `${text.slice(0, cut)}…`;
}

/** Leading whitespace width, a tab counting as 4 columns, and the index of the content. */
function measureIndent(line: string): { indent: number; start: number } {
  let indent = 0;
  let start = 0;
  while (start < line.length) {
    const ch = line[start];
    if (ch === " ") indent++;
    else if (ch === "\t") indent += 4 - (indent % 4);
    else break;
    start++;
  }
  return { indent, start };
}

/** The text after a list marker (`-`, `*`, `+`, `1.`, `1)`), or null when not a list item. */
function listItemText(content: string): string | null {
  let i = 0;
  const first = content[0];
  if (first === "-" || first === "*" || first === "+") {
    i = 1;
  } else {
    while (
      i < content.length &&
      i < 10 &&
      content.charCodeAt(i) >= 48 &&
      content.charCodeAt(i) <= 57
    )
      i++;
    if (i === 0 || i > 9 || (content[i] !== "." && content[i] !== ")")) return null;
    i++;
  }
  if (i < content.length && !isSpace(content[i])) return null;
  // A task-list box ("- [x] Docker") is not part of the name.
  return content
    .slice(i)
    .trimStart()
    .replace(/^\[[ xX]\](?=[ \t]|$)/, "");
}

/** `---`, `***`, `___` (spaces allowed between the characters). */
function isThematicBreak(content: string): boolean {
  const mark = content[0];
  if (mark !== "-" && mark !== "*" && mark !== "_") return false;
  let count = 0;
  for (const ch of content) {
    if (ch === mark) count++;
    else if (!isSpace(ch)) return false;
  }
  return count >= 3;
}

/** A setext underline: `===` (one or more) or `---` (two or more), nothing else. */
function isSetextUnderline(line: string | undefined): boolean {
  if (line === undefined) return false;
  const { indent, start } = measureIndent(line);
  if (indent > 3) return false;
  const content = line.slice(start).trimEnd();
  const mark = content[0];
  if (mark !== "=" && mark !== "-") return false;
  for (const ch of content) if (ch !== mark) return false;
  return mark === "=" || content.length >= 2;
}

/** The text of an ATX heading (`## Name ##`), or null when the line is not one. */
function atxHeadingText(content: string): string | null {
  let level = 0;
  while (level < content.length && content[level] === "#") level++;
  if (level === 0 || level > 6) return null;
  if (level < content.length && !isSpace(content[level])) return null;
  let text = content.slice(level).trim();
  // Optional closing sequence: "## Name ##".
  let end = text.length;
  while (end > 0 && text[end - 1] === "#") end--;
  if (end === 0) text = "";
  else if (end < text.length && isSpace(text[end - 1])) text = text.slice(0, end).trim();
  return text;
}

/** An opening or closing code fence: its character and length. */
function fenceOf(content: string): { char: string; length: number; rest: string } | null {
  const char = content[0];
  if (char !== "`" && char !== "~") return null;
  let length = 0;
  while (length < content.length && content[length] === char) length++;
  if (length < 3) return null;
  const rest = content.slice(length).trim();
  // "```code```" on one line is inline code, not a fence.
  return char === "`" && rest.includes("`") ? null : { char, length, rest };
}

/** The text of a line that is bold and nothing else ("**Databases**", "__Databases:__"). */
function boldLineText(content: string): string | null {
  const match = /^(?:\*\*([^*]+)\*\*|__([^_]+)__):?$/.exec(content);
  return match ? ((match[1] ?? match[2]) as string) : null;
}

/** Whether the next non-blank line after `from` is a list item. */
function listFollows(lines: string[], from: number): boolean {
  for (let j = from; j < lines.length; j++) {
    const content = (lines[j] as string).trim();
    if (content) return listItemText(content) !== null && !isThematicBreak(content);
  }
  return false;
}

interface TopicDraft {
  line: number;
  /** Raw Markdown of the item and its wrapped lines; reduced to text once, at the end. */
  name: string;
  description: string;
  resources: LearningResource[];
}

interface CategoryDraft {
  name: string;
  kind: OutlineCategory["kind"];
  line: number;
  topics: TopicDraft[];
}

interface ParseState {
  categories: CategoryDraft[];
  /** The heading section list items belong to (null before any heading). */
  section: CategoryDraft | null;
  /** The implicit "Role expectations" list opened by "…expected to be:", until the list ends. */
  roleBlock: CategoryDraft | null;
  general: CategoryDraft | null;
  roles: CategoryDraft | null;
  /** The item that indented lines continue: its wrapped name, or after a blank line its description. */
  openTopic: TopicDraft | null;
  continues: "name" | "description";
}

function startCategory(
  state: ParseState,
  name: string,
  kind: OutlineCategory["kind"],
  line: number,
) {
  const category: CategoryDraft = { name, kind, line, topics: [] };
  state.categories.push(category);
  return category;
}

// One role-expectations category per outline, however many places introduce it.
function roleCategory(state: ParseState, line: number) {
  return (state.roles ??= startCategory(state, ROLE_EXPECTATIONS, "role_expectations", line));
}

function endBlock(state: ParseState) {
  state.roleBlock = null;
  state.openTopic = null;
}

/** Starts the section of a heading; false when the heading has no name left. */
function openHeading(state: ParseState, markdown: string, line: number): boolean {
  endBlock(state);
  const inline = inlineText(markdown);
  const name = plainText(inline).replace(HEADING_NUMBER, "");
  if (!name) {
    // Items under a nameless heading go to "General", not to the section above it.
    state.section = null;
    return false;
  }
  state.section =
    isRoleExpectationsIntro(inline) || name.toLowerCase() === ROLE_EXPECTATIONS.toLowerCase()
      ? roleCategory(state, line)
      : startCategory(state, name, "skills", line);
  return true;
}

export function parseMarkdownOutline(markdown: string): FrameworkOutline {
  const source = typeof markdown === "string" ? markdown : "";
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = (text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text).split("\n");

  const ignored: IgnoredLine[] = [];
  let omitted = 0;
  let firstOmitted = 0;
  const ignore = (line: number, text: string, reason: string) => {
    if (ignored.length < MAX_IGNORED) ignored.push({ line, text: echo(text), reason });
    else if (omitted++ === 0) firstOmitted = line;
  };

  const state: ParseState = {
    categories: [],
    section: null,
    roleBlock: null,
    general: null,
    roles: null,
    openTopic: null,
    continues: "name",
  };
  let previousBlank = true;
  let fence: { char: string; length: number } | null = null;
  let inComment = false;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const lineNo = i + 1;
    const { indent, start } = measureIndent(raw);
    const content = raw.slice(start).trimEnd();
    const wasBlank = previousBlank;
    previousBlank = content.length === 0;

    if (fence) {
      const close = fenceOf(content);
      if (close && close.char === fence.char && close.length >= fence.length && !close.rest) {
        fence = null;
      }
      continue; // reported once, at the opening fence
    }
    if (inComment) {
      if (content.includes("-->")) inComment = false;
      continue;
    }
    if (!content) {
      state.continues = "description";
      continue;
    }

    const opening = indent < 4 || state.openTopic ? fenceOf(content) : null;
    if (opening) {
      fence = opening;
      ignore(lineNo, content, "code block");
      continue;
    }
    if (content.startsWith("<!--")) {
      inComment = !content.includes("-->", 4);
      ignore(lineNo, content, "comment");
      continue;
    }

    const headingText = indent < 4 ? atxHeadingText(content) : null;
    if (headingText !== null) {
      if (!openHeading(state, headingText, lineNo)) ignore(lineNo, content, "empty heading");
      continue;
    }
    if (indent < 4 && isThematicBreak(content)) {
      endBlock(state);
      ignore(lineNo, content, "horizontal rule");
      continue;
    }

    const itemText = listItemText(content);
    // A link alone, indented under a topic, is a learning link of that topic.
    const resource =
      itemText !== null && indent >= 2 && state.openTopic ? readResourceItem(itemText) : null;
    if (resource && state.openTopic) {
      if (state.openTopic.resources.length < MAX_RESOURCES_PER_TOPIC)
        state.openTopic.resources.push(resource);
      continue;
    }
    if (itemText !== null) {
      const category =
        state.roleBlock ??
        state.section ??
        (state.general ??= startCategory(state, GENERAL, "skills", lineNo));
      state.openTopic = { line: lineNo, name: itemText, description: "", resources: [] };
      state.continues = "name";
      category.topics.push(state.openTopic);
      continue;
    }

    if (content.startsWith(">")) {
      endBlock(state);
      ignore(lineNo, content, "block quote");
      continue;
    }
    if (content.startsWith("|")) {
      endBlock(state);
      ignore(lineNo, content, "table");
      continue;
    }
    // Indented text belongs to the item above. Unindented text ends the list: generated
    // lists often close with a remark on the very next line.
    if (state.openTopic && indent >= 2) {
      state.openTopic[state.continues] += ` ${content}`;
      continue;
    }
    if (wasBlank && isSetextUnderline(lines[i + 1])) {
      if (!openHeading(state, content, lineNo)) ignore(lineNo, content, "empty heading");
      i++;
      previousBlank = false;
      continue;
    }

    // A bold line right above a list is a heading in all but name (a common generated shape).
    const bold = indent < 4 ? boldLineText(content) : null;
    if (bold !== null && listFollows(lines, i + 1)) {
      if (!openHeading(state, bold, lineNo)) ignore(lineNo, content, "empty heading");
      continue;
    }

    endBlock(state);
    // Prose is only read for an introduction (it ends with ":") or to say why it is ignored.
    const inline =
      content.includes(":") || ignored.length < MAX_IGNORED ? inlineText(content) : null;
    if (inline !== null && isRoleExpectationsIntro(inline)) {
      state.roleBlock = roleCategory(state, lineNo);
      continue;
    }
    const question = inline !== null && trimTrailingPunctuation(inline).endsWith("?");
    ignore(lineNo, content, question ? "question" : "prose");
  }

  const categories: OutlineCategory[] = [];
  for (const category of state.categories) {
    const topics: OutlineTopic[] = [];
    for (const draft of category.topics) {
      const name = plainText(draft.name);
      if (!name) {
        ignore(draft.line, draft.name, "empty list item");
        continue;
      }
      const description = draft.description && plainText(draft.description);
      const topic: OutlineTopic = description ? { name, description } : { name };
      if (draft.resources.length) topic.resources = draft.resources;
      topics.push(topic);
    }
    if (topics.length) categories.push({ name: category.name, kind: category.kind, topics });
    else ignore(category.line, category.name, "heading without topics");
  }
  if (omitted) {
    ignored.push({
      line: firstOmitted,
      text: `${omitted} more ignored line${omitted === 1 ? "" : "s"} not listed`,
      reason: "too many ignored lines",
    });
  }
  ignored.sort((a, b) => a.line - b.line);
  return { categories, ignored };
}
