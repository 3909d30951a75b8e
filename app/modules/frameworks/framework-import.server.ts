// Importing a framework from pasted Markdown or an uploaded Markdown/CSV file: read the form
// within size limits, decode and vet the text, parse it, preview it, and on save parse it
// again (the server never trusts a structure the browser sends back) and create it.
import {
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { z } from "zod";
import { db } from "#db/database";
import { invalid } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { createFramework, type TargetSpec } from "./create-framework.server";
import { readFrameworkCsv, type TargetedCategory, type TargetedOutline } from "./framework-csv";
import { parseMarkdownOutline, plainText, type IgnoredLine } from "./markdown-outline";

/** Every import limit, for Markdown and CSV alike. */
export const IMPORT_LIMITS = {
  /** Of UTF-8 text, after line endings are normalised. */
  maxBytes: 1024 * 1024,
  maxCategories: 50,
  maxTopics: 500,
  maxNameLength: 200,
  maxDescriptionLength: 2000,
  maxProfiles: 20,
} as const;

// A browser sends a textarea's line breaks as CRLF, so a 1 MB paste may arrive twice as big;
// the exact limit is checked once the text is normalised.
const MAX_PART_BYTES = 2 * IMPORT_LIMITS.maxBytes;
// URL-encoding triples non-ASCII bytes and line breaks; nothing legitimate is larger.
const MAX_REQUEST_BYTES = 8 * IMPORT_LIMITS.maxBytes;

/** Markdown has no targets: its topics all get this one, in a profile of this name. */
export const DEFAULT_IMPORT_PROFILE = "Default";
export const DEFAULT_IMPORT_TARGET: TargetSpec = { level: 2, priority: "good_to_have" };

export type ImportFormat = "markdown" | "csv";

export interface ImportSource {
  text?: string;
  file?: { name: string; bytes: Uint8Array };
}

export interface ImportPreview {
  format: ImportFormat;
  fileName: string | null;
  /** The decoded source: Save posts it back and it is parsed again. */
  text: string;
  suggestedName: string;
  /** "11 categories, 56 topics, 4 role expectations" */
  summary: string;
  profiles: string[];
  categories: TargetedCategory[];
  ignored: IgnoredLine[];
  /** True when the source had no targets and every topic gets DEFAULT_IMPORT_TARGET. */
  usesDefaultTargets: boolean;
}

/** Shaped like ActionFailure, so forms show it beside the fields. */
export interface ImportFailure {
  ok: false;
  status: 409 | 422;
  formError?: string;
  fieldErrors: Record<string, string>;
  /** The pasted text, to show again (empty for files and oversized text). */
  text: string;
  /** Kept on the page when only the save step failed. */
  preview?: ImportPreview;
}

export type PreviewResult = { ok: true; preview: ImportPreview } | ImportFailure;
export type SaveResult = { ok: true; frameworkId: string } | ImportFailure;

const MB = `${IMPORT_LIMITS.maxBytes / (1024 * 1024)} MB`;
const tooLarge = (what: "file" | "text") => `The ${what} is larger than the ${MB} limit.`;
const NOT_UTF8 = "The file is not UTF-8 text. Save it as UTF-8 (plain text or CSV) and try again.";
const HTML_REFUSED = "HTML is not accepted; paste Markdown or plain text.";
const FORMATS = new Map<string, ImportFormat>([
  ["md", "markdown"],
  ["markdown", "markdown"],
  ["txt", "markdown"],
  ["csv", "csv"],
]);

/**
 * Reads the import form, multipart (with a file) or URL-encoded, holding at most a few MB in
 * memory whatever the client sends. Too much → an "invalid" AppError beside the field.
 */
export async function readImportForm(request: Request): Promise<FormData> {
  const multipart = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  const field = multipart ? "file" : "text";
  const refuse = (part: "file" | "text" = field) =>
    invalid("Too large", { [part]: tooLarge(part) });
  if (Number(request.headers.get("Content-Length")) > MAX_REQUEST_BYTES) throw refuse();
  const body = request.body ? boundedBody(request.body, MAX_REQUEST_BYTES) : null;
  try {
    if (multipart) {
      const bounded = new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body,
        duplex: "half",
      } as RequestInit);
      return await unstable_parseMultipartFormData(
        bounded,
        unstable_createMemoryUploadHandler({ maxPartSize: MAX_PART_BYTES }),
      );
    }
    const form = new FormData();
    for (const [key, value] of new URLSearchParams(await new Response(body).text())) {
      form.append(key, value);
    }
    return form;
  } catch (error) {
    if (error instanceof BodyTooLarge) throw refuse();
    if (error instanceof MaxPartSizeExceededError) {
      throw refuse(error.field === "file" ? "file" : "text");
    }
    throw invalid("The form could not be read. Please try again.");
  }
}

class BodyTooLarge extends Error {}

// The multipart parser spreads the line breaks of a chunk into one call, so chunks are kept
// small whatever size the body arrives in.
const CHUNK_BYTES = 16 * 1024;

/** The body re-chunked and read on demand, failing with BodyTooLarge past `limit` bytes. */
function boundedBody(body: ReadableStream<Uint8Array>, limit: number) {
  const reader = body.getReader();
  let pending: Uint8Array = new Uint8Array();
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!pending.byteLength) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        pending = value;
      }
      const chunk = pending.subarray(0, CHUNK_BYTES);
      pending = pending.subarray(CHUNK_BYTES);
      size += chunk.byteLength;
      if (size > limit) {
        await reader.cancel();
        controller.error(new BodyTooLarge());
      } else {
        controller.enqueue(chunk);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * What the form asks to import: the uploaded file when one was chosen, else the text. Save
 * posts a file's decoded text back with its `fileName`, so it is read as that file again.
 */
export async function importSourceFrom(form: FormData): Promise<ImportSource> {
  const file = form.get("file");
  if (file !== null && typeof file === "object" && (file.name || file.size)) {
    return { file: { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) } };
  }
  const text = form.get("text");
  const fileName = form.get("fileName");
  if (typeof fileName === "string" && fileName) {
    return { file: { name: fileName, bytes: new TextEncoder().encode(String(text ?? "")) } };
  }
  return { text: typeof text === "string" ? text : "" };
}

/** Strict UTF-8 (the BOM dropped), or null for other encodings and binary files. */
function decodeUtf8(bytes: Uint8Array): string | null {
  // UTF-16 and binary files carry NUL bytes, which no text file has.
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

// Elements that run or embed something, a doctype, an attribute (`<div onclick=`) or a
// closing tag: HTML, not Markdown that mentions `<T>` or `a < b`.
const HTML_PATTERN =
  /<(?:!doctype|\/?(?:script|iframe|frame|frameset|object|embed|style|svg|math|link|meta|base|form|img|html|body|head)\b|[a-z][a-z0-9-]*\s+[a-z-]+\s*=|\/[a-z][a-z0-9]*\s*>)/i;

function formatOf(fileName: string): ImportFormat | null {
  const extension = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  return (extension && FORMATS.get(extension)) || null;
}

function baseName(fileName: string): string {
  return fileName.split(/[/\\]/).pop() ?? fileName;
}

function count(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

function summarise(categories: TargetedCategory[]): string {
  const skills = categories.filter((c) => c.kind === "skills");
  const skillTopics = skills.reduce((n, c) => n + c.topics.length, 0);
  const roleTopics = categories
    .filter((c) => c.kind === "role_expectations")
    .reduce((n, c) => n + c.topics.length, 0);
  const parts = [count(skills.length, "category", "categories"), count(skillTopics, "topic")];
  if (roleTopics) parts.push(count(roleTopics, "role expectation"));
  return parts.join(", ");
}

function excerpt(name: string) {
  return name.length > 60 ? `${name.slice(0, 60)}…` : name;
}

/** What breaks the limits or the naming rules; empty when the outline can be saved. */
function outlineProblems(outline: TargetedOutline, format: ImportFormat): string[] {
  const { categories, profiles } = outline;
  const topics = categories.flatMap((c) => c.topics);
  if (!topics.length) {
    return [
      format === "csv"
        ? "No topics found: add one row per topic below the header row."
        : "No categories or topics found: use headings for categories and list items (- or 1.) for topics.",
    ];
  }
  const problems: string[] = [];
  const limit = (n: number, what: string, max: number, plural?: string) => {
    if (n > max) {
      problems.push(
        `${count(n, what, plural)} found; the limit is ${max.toLocaleString("en-US")}.`,
      );
    }
  };
  limit(categories.length, "category", IMPORT_LIMITS.maxCategories, "categories");
  limit(topics.length, "topic", IMPORT_LIMITS.maxTopics);
  limit(profiles.length, "target profile", IMPORT_LIMITS.maxProfiles);
  if (problems.length) return problems;

  const names = [...profiles, ...categories.map((c) => c.name), ...topics.map((t) => t.name)];
  const long = names.find((name) => name.length > IMPORT_LIMITS.maxNameLength);
  if (long) {
    problems.push(
      `Names must be at most ${IMPORT_LIMITS.maxNameLength} characters; "${excerpt(long)}" has ${long.length}.`,
    );
  }
  const longDescription = topics.find(
    (t) => (t.description?.length ?? 0) > IMPORT_LIMITS.maxDescriptionLength,
  );
  if (longDescription) {
    problems.push(
      `Descriptions must be at most ${IMPORT_LIMITS.maxDescriptionLength} characters; the one of "${excerpt(longDescription.name)}" is longer.`,
    );
  }
  const repeatedCategories = repeated(categories.map((c) => c.name));
  if (repeatedCategories.length) {
    problems.push(`Category names must differ; repeated: ${quoteList(repeatedCategories)}.`);
  }
  const repeatedTopics = categories.flatMap((c) =>
    repeated(c.topics.map((t) => t.name)).map(
      (name) => `"${excerpt(name)}" in "${excerpt(c.name)}"`,
    ),
  );
  if (repeatedTopics.length) {
    problems.push(
      `Topic names must differ within a category; repeated: ${repeatedTopics.join(", ")}.`,
    );
  }
  return problems;
}

/** Names that occur more than once, ignoring case, each listed once. */
function repeated(names: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Map<string, string>();
  for (const name of names) {
    const key = name.toLowerCase();
    if (seen.has(key) && !twice.has(key)) twice.set(key, name);
    seen.add(key);
  }
  return [...twice.values()];
}

function quoteList(names: string[]) {
  return names.map((name) => `"${excerpt(name)}"`).join(", ");
}

/** The first level-1 heading (`# Title` or `Title` over `===`) unless it is a category. */
function markdownTitle(text: string, categories: TargetedCategory[]): string | null {
  const heading = /^ {0,3}# +(.+)$|^(\S.*)\n {0,3}=+[ \t]*$/m.exec(text.slice(0, 100_000));
  const title = heading ? plainText((heading[1] ?? heading[2]) as string) : "";
  if (!title || categories.some((c) => c.name === title)) return null;
  return title;
}

function suggestName(
  format: ImportFormat,
  text: string,
  fileName: string | null,
  categories: TargetedCategory[],
) {
  const fromFile = fileName
    ?.replace(/\.[a-z]+$/i, "")
    .replace(/[-_\s]+/g, " ")
    .trim();
  const name =
    (format === "markdown" ? markdownTitle(text, categories) : null) ||
    fromFile ||
    "Imported framework";
  return name.slice(0, IMPORT_LIMITS.maxNameLength);
}

/**
 * Decodes, vets and parses an import: a preview of what Save would create, or messages for
 * the field the source came from (`text` or `file`).
 */
export function previewImport(source: ImportSource): PreviewResult {
  const field = source.file ? "file" : "text";
  const pasted = source.file ? "" : (source.text ?? "");
  const fail = (message: string): ImportFailure => ({
    ok: false,
    status: 422,
    fieldErrors: { [field]: message },
    text: pasted.length <= IMPORT_LIMITS.maxBytes ? pasted : "",
  });

  let text: string;
  let format: ImportFormat = "markdown";
  let fileName: string | null = null;
  if (source.file) {
    fileName = baseName(source.file.name);
    const fileFormat = formatOf(fileName);
    if (!fileFormat) return fail("Upload a .md, .txt (Markdown) or .csv file.");
    format = fileFormat;
    if (!source.file.bytes.length) return fail("The file is empty.");
    if (source.file.bytes.length > MAX_PART_BYTES) return fail(tooLarge("file"));
    const decoded = decodeUtf8(source.file.bytes);
    if (decoded === null) return fail(NOT_UTF8);
    text = decoded;
  } else {
    if (pasted.length > MAX_PART_BYTES) return fail(tooLarge("text"));
    // Text a browser could not decode as UTF-8 arrives with U+FFFD in it.
    if (/[\0\uFFFD]|\p{Cs}/u.test(pasted)) {
      return fail("The text is not UTF-8 text: it contains binary or undecodable characters.");
    }
    text = pasted.charCodeAt(0) === 0xfeff ? pasted.slice(1) : pasted;
  }
  if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
  if (Buffer.byteLength(text, "utf8") > IMPORT_LIMITS.maxBytes) return fail(tooLarge(field));
  if (!text.trim()) {
    return fail(source.file ? "The file is empty." : "Paste a Markdown list, or upload a file.");
  }
  if (HTML_PATTERN.test(text)) return fail(HTML_REFUSED);

  let outline: TargetedOutline;
  let ignored: IgnoredLine[] = [];
  if (format === "csv") {
    const read = readFrameworkCsv(text);
    if (!read.ok) return fail(read.errors.join("\n"));
    outline = read.outline;
  } else {
    const parsed = parseMarkdownOutline(text);
    ignored = parsed.ignored;
    outline = {
      profiles: [],
      categories: parsed.categories.map((c) => ({
        ...c,
        topics: c.topics.map((t) => ({ ...t, targets: [] })),
      })),
    };
  }
  const usesDefaultTargets = outline.profiles.length === 0;
  if (usesDefaultTargets) {
    outline = {
      profiles: [DEFAULT_IMPORT_PROFILE],
      categories: outline.categories.map((c) => ({
        ...c,
        topics: c.topics.map((t) => ({ ...t, targets: [DEFAULT_IMPORT_TARGET] })),
      })),
    };
  }
  const problems = outlineProblems(outline, format);
  if (problems.length) return fail(problems.join("\n"));

  return {
    ok: true,
    preview: {
      format,
      fileName,
      text,
      suggestedName: suggestName(format, text, fileName, outline.categories),
      summary: summarise(outline.categories),
      profiles: outline.profiles,
      categories: outline.categories,
      ignored,
      usesDefaultTargets,
    },
  };
}

export const FrameworkNameSchema = z
  .string({ error: "Give the framework a name." })
  .trim()
  .min(1, "Give the framework a name.")
  .max(
    IMPORT_LIMITS.maxNameLength,
    `The name must be at most ${IMPORT_LIMITS.maxNameLength} characters.`,
  );

/**
 * Parses the source again and creates it as a new framework (version 1, not the default)
 * with its target profiles, audited. Nothing is saved when anything is wrong.
 */
export async function saveImport(
  ctx: MemberContext,
  input: { source: ImportSource; name: unknown },
  ip: string | null = null,
): Promise<SaveResult> {
  const result = previewImport(input.source);
  if (!result.ok) return result;
  const { preview } = result;
  const nameFailure = (message: string, status: 409 | 422): ImportFailure => ({
    ok: false,
    status,
    fieldErrors: { name: message },
    text: preview.fileName ? "" : preview.text,
    preview,
  });
  const name = FrameworkNameSchema.safeParse(input.name);
  if (!name.success) return nameFailure(name.error.issues[0]?.message ?? "Invalid name", 422);
  const organizationId = ctx.organization.id;
  const taken = await db
    .selectFrom("frameworks")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("archived_at", "is", null)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.data.toLowerCase()))
    .executeTakeFirst();
  if (taken) return nameFailure("Another framework already has this name.", 409);

  const targets = new Map<string, TargetSpec[]>();
  for (const category of preview.categories) {
    for (const topic of category.topics)
      targets.set(`${category.name}\n${topic.name}`, topic.targets);
  }
  const frameworkId = await db.transaction().execute(async (trx) => {
    const created = await createFramework(trx, {
      organizationId,
      name: name.data,
      outline: { categories: preview.categories, ignored: [] },
      profiles: preview.profiles.map((profileName, index) => ({
        name: profileName,
        targetFor: (topic) => {
          const target = targets.get(`${topic.category}\n${topic.name}`)?.[index];
          if (!target) throw new Error(`No target for "${topic.name}" (${profileName})`);
          return target;
        },
      })),
      createdByUserId: ctx.user.id,
      versionNote: `Imported from ${preview.fileName ?? "pasted Markdown"}`,
    });
    await recordAudit(
      {
        organizationId,
        actorUserId: ctx.user.id,
        action: "framework.import",
        objectType: "framework",
        objectId: created.frameworkId,
        details: {
          name: name.data,
          format: preview.format,
          fileName: preview.fileName,
          summary: preview.summary,
          profiles: preview.profiles,
        },
        ip,
      },
      trx,
    );
    return created.frameworkId;
  });
  return { ok: true, frameworkId };
}
