// A framework as a spreadsheet, one row per topic: `category`, `kind`, `topic`, `description`,
// then for each target profile a `<Profile> target` (0–4) and `<Profile> priority` column, and
// optionally `resources` (learning links, one "Title | https://… | level" per line in the cell).
// Read by the CSV import, written by the CSV export; the two round-trip.
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import type { CategoryKind, TargetPriority } from "#db/schema";
import { guardCell, readCell } from "~/lib/csv-cells";
import type { TargetSpec } from "./create-framework.server";
import {
  MAX_RESOURCES_PER_TOPIC,
  readResourceLine,
  writeResourceLine,
  type LearningResource,
} from "./learning-resources";
import type { OutlineTopic } from "./markdown-outline";

export interface TargetedTopic extends OutlineTopic {
  /** One per target profile, in profile order; a hole where a profile has no target. */
  targets: TargetSpec[];
}

export interface TargetedCategory {
  name: string;
  kind: CategoryKind;
  topics: TargetedTopic[];
}

/** Categories and topics in order, with each target profile's level and priority per topic. */
export interface TargetedOutline {
  profiles: string[];
  categories: TargetedCategory[];
}

export type CsvReadResult =
  { ok: true; outline: TargetedOutline } | { ok: false; errors: string[] };

const PRIORITY_LABELS: Record<TargetPriority, string> = {
  must_have: "must-have",
  good_to_have: "good-to-have",
  advanced: "advanced",
};
const PRIORITY_BY_LABEL = new Map(
  Object.entries(PRIORITY_LABELS).map(([priority, label]) => [label, priority as TargetPriority]),
);
const KIND_LABELS: Record<CategoryKind, string> = {
  skills: "skills",
  role_expectations: "role expectations",
};
/** Beyond this many, the rest of a file's problems are summarised in one line. */
const MAX_REPORTED_ERRORS = 20;

function readName(value: string | undefined): string {
  return readCell(value).replace(/\s+/g, " ");
}

function readKind(value: string): CategoryKind | null {
  const label = value.toLowerCase().replace(/[\s_-]+/g, " ");
  if (label === "" || label === "skills" || label === "skill") return "skills";
  if (label === "role expectations" || label === "role expectation") return "role_expectations";
  return null;
}

function readPriority(value: string): TargetPriority | null {
  return PRIORITY_BY_LABEL.get(value.toLowerCase().replace(/[\s_]+/g, "-")) ?? null;
}

interface Columns {
  category: number;
  topic: number;
  kind: number | null;
  description: number | null;
  resources: number | null;
  profiles: { name: string; target: number; priority: number }[];
}

const FIXED_COLUMNS = ["category", "kind", "topic", "description", "resources"];

function readHeader(header: string[], errors: string[]): Columns | null {
  const named = new Map<string, number>();
  const profiles = new Map<string, { name: string; target?: number; priority?: number }>();
  header.forEach((raw, index) => {
    const cell = readName(raw);
    const key = cell.toLowerCase();
    if (!cell) return;
    if (named.has(key)) {
      errors.push(`Row 1: column "${cell}" appears twice`);
      return;
    }
    named.set(key, index);
    const pair = /^(.+?)\s+(target|priority)$/i.exec(cell);
    if (pair && !FIXED_COLUMNS.includes(key)) {
      const name = (pair[1] as string).trim();
      const profile = profiles.get(name.toLowerCase()) ?? { name };
      profile[(pair[2] as string).toLowerCase() as "target" | "priority"] = index;
      profiles.set(name.toLowerCase(), profile);
    } else if (!FIXED_COLUMNS.includes(key)) {
      errors.push(
        `Row 1: unknown column "${cell}" (expected category, kind, topic, description, resources and "<profile> target", "<profile> priority" pairs)`,
      );
    }
  });
  const category = named.get("category");
  const topic = named.get("topic");
  if (category === undefined || topic === undefined) {
    errors.unshift(
      'Row 1 must be the header, with at least the columns category and topic (then kind, description and "<profile> target", "<profile> priority" pairs)',
    );
    return null;
  }
  const complete: Columns["profiles"] = [];
  for (const profile of profiles.values()) {
    if (profile.target === undefined || profile.priority === undefined) {
      const missing = profile.target === undefined ? "target" : "priority";
      errors.push(`Row 1: profile "${profile.name}" has no "${profile.name} ${missing}" column`);
    } else {
      complete.push({ name: profile.name, target: profile.target, priority: profile.priority });
    }
  }
  return {
    category,
    topic,
    kind: named.get("kind") ?? null,
    description: named.get("description") ?? null,
    resources: named.get("resources") ?? null,
    profiles: complete,
  };
}

function parseRecords(text: string): { records: string[][] } | { error: string } {
  // Spreadsheets set to a comma-decimal locale save with semicolons.
  const lineEnd = text.indexOf("\n");
  const firstLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const delimiter = !firstLine.includes(",") && firstLine.includes(";") ? ";" : ",";
  try {
    const records = parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
    }) as string[][];
    return { records };
  } catch (error) {
    const records = (error as { records?: number }).records ?? 0;
    const code = (error as { code?: string }).code;
    const problem =
      code === "CSV_QUOTE_NOT_CLOSED"
        ? 'a quoted cell is never closed (inside quotes, write a quote as "")'
        : "this row is not valid CSV";
    return { error: `Row ${records + 1}: ${problem}` };
  }
}

/**
 * Reads a framework CSV (header row first, case-insensitive). Problems come back as
 * messages naming their row ("Row 14: target must be 0–4"), row 1 being the header.
 * A file without profile columns has no profiles: the caller supplies defaults.
 */
export function readFrameworkCsv(text: string): CsvReadResult {
  const parsed = parseRecords(text);
  if ("error" in parsed) return { ok: false, errors: [parsed.error] };
  const [header, ...rows] = parsed.records;
  const errors: string[] = [];
  const columns = header ? readHeader(header, errors) : null;
  if (!columns)
    return { ok: false, errors: errors.length ? errors : ["The file has no header row"] };

  const categories: TargetedCategory[] = [];
  const byName = new Map<string, TargetedCategory>();
  rows.forEach((cells, index) => {
    const row = index + 2;
    if (cells.every((cell) => !cell.trim())) return;
    const problems: string[] = [];
    if (cells.slice(header?.length).some((cell) => cell.trim())) {
      problems.push("has more cells than the header has columns");
    }
    const categoryName = readName(cells[columns.category]);
    const topicName = readName(cells[columns.topic]);
    const kindCell = columns.kind === null ? "" : readCell(cells[columns.kind]);
    const kind = readKind(kindCell);
    const description = columns.description === null ? "" : readCell(cells[columns.description]);
    const resources: LearningResource[] = [];
    const resourceLines = (columns.resources === null ? "" : readCell(cells[columns.resources]))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    for (const line of resourceLines) {
      const resource = readResourceLine(line);
      if (resource) resources.push(resource);
      else
        problems.push(
          `resource "${line.slice(0, 80)}" must be "Title | https://…" with an optional "| level 0–4"`,
        );
    }
    if (resources.length > MAX_RESOURCES_PER_TOPIC)
      problems.push(`at most ${MAX_RESOURCES_PER_TOPIC} resources per topic`);
    if (!categoryName) problems.push("category is empty");
    if (!topicName) problems.push("topic is empty");
    if (!kind) problems.push(`kind must be "skills" or "role expectations" (not "${kindCell}")`);
    const targets: TargetSpec[] = [];
    for (const profile of columns.profiles) {
      const levelCell = readCell(cells[profile.target]);
      const priorityCell = readCell(cells[profile.priority]);
      const priority = readPriority(priorityCell);
      if (!/^[0-4]$/.test(levelCell)) {
        problems.push(`target must be 0–4 (${profile.name} target is "${levelCell}")`);
      }
      if (!priority) {
        problems.push(
          `priority must be must-have, good-to-have or advanced (${profile.name} priority is "${priorityCell}")`,
        );
      }
      if (priority) targets.push({ level: Number(levelCell), priority });
    }
    let category = byName.get(categoryName);
    if (kind && category && category.kind !== kind) {
      problems.push(
        `category "${categoryName}" is "${KIND_LABELS[category.kind]}" on an earlier row`,
      );
    }
    if (problems.length || !kind) {
      errors.push(...problems.map((problem) => `Row ${row}: ${problem}`));
      return;
    }
    if (!category) {
      category = { name: categoryName, kind, topics: [] };
      byName.set(categoryName, category);
      categories.push(category);
    }
    const topic: TargetedTopic = description
      ? { name: topicName, description, targets }
      : { name: topicName, targets };
    if (resources.length) topic.resources = resources;
    category.topics.push(topic);
  });

  if (errors.length) {
    const shown = errors.slice(0, MAX_REPORTED_ERRORS);
    if (errors.length > shown.length)
      shown.push(`…and ${errors.length - shown.length} more problems`);
    return { ok: false, errors: shown };
  }
  return { ok: true, outline: { profiles: columns.profiles.map((p) => p.name), categories } };
}

/** The outline as CSV text, formula-guarded, with a BOM so spreadsheets read it as UTF-8. */
export function writeFrameworkCsv(outline: TargetedOutline): string {
  // The resources column only when a topic has one, so a plain framework's file stays plain.
  const withResources = outline.categories.some((c) => c.topics.some((t) => t.resources?.length));
  const header = [
    "category",
    "kind",
    "topic",
    "description",
    ...outline.profiles.flatMap((name) => [`${name} target`, `${name} priority`]),
    ...(withResources ? ["resources"] : []),
  ];
  const rows = outline.categories.flatMap((category) =>
    category.topics.map((topic) => [
      category.name,
      KIND_LABELS[category.kind],
      topic.name,
      topic.description ?? "",
      ...outline.profiles.flatMap((_, i) => {
        const target = topic.targets[i];
        return target ? [String(target.level), PRIORITY_LABELS[target.priority]] : ["", ""];
      }),
      ...(withResources ? [(topic.resources ?? []).map(writeResourceLine).join("\n")] : []),
    ]),
  );
  return `\uFEFF${stringify([header, ...rows].map((row) => row.map(guardCell)))}`;
}
