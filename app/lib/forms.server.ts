import type { z } from "zod";
import { AppError, invalid } from "./errors.server";
import { UNSTORABLE_TEXT_MESSAGE, isStorableText } from "./storable-text";

/**
 * Far above any of our forms (a self-assessment category with every note and link filled is
 * under 100 kB), and small enough that a few anonymous posts cannot fill the web process's
 * memory. Framework imports (multipart, with a file) read their body themselves, under their
 * own limit.
 */
export const MAX_FORM_BYTES = 1024 * 1024;

function tooLarge() {
  return new AppError(
    "too_large",
    `This form is larger than ${MAX_FORM_BYTES / 1024 / 1024} MB and was not read. Shorten what you entered and try again.`,
  );
}

/**
 * The body's bytes, refused (413) as soon as it is known to be over the limit: before reading
 * when declared, else mid-stream.
 */
async function readBodyWithin(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(request.headers.get("content-length") ?? 0) > max) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Left unread rather than cancelled: cancelling destroys the connection before the 413
    // is written. Node discards the rest once the answer is sent.
    if (size > max) throw tooLarge();
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Reads a form body (at most MAX_FORM_BYTES); a body that is not a form (JSON, garbage) is an
 * "invalid" AppError, not a 500, and so is a field holding text PostgreSQL cannot store,
 * reported on that field.
 */
export async function readForm(request: Request): Promise<FormData> {
  const body = await readBodyWithin(request, MAX_FORM_BYTES);
  let form: FormData;
  try {
    const type = request.headers.get("content-type") ?? "";
    form = await new Response(body, { headers: { "Content-Type": type } }).formData();
  } catch {
    throw invalid("The form could not be read. Please try again.");
  }
  const fieldErrors: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === "string" && !isStorableText(value))
      fieldErrors[key] ??= UNSTORABLE_TEXT_MESSAGE;
  }
  if (Object.keys(fieldErrors).length)
    throw invalid("Please correct the highlighted fields.", fieldErrors);
  return form;
}

/** Reads a form body and validates it; throws an "invalid" AppError with per-field messages. */
export async function parseForm<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<z.infer<S>> {
  return parseFormData(await readForm(request), schema);
}

export function parseFormData<S extends z.ZodType>(form: FormData, schema: S): z.infer<S> {
  const values: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") values[key] = value;
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of result.error.issues) {
      const key = issue.path.join(".") || "form";
      fieldErrors[key] ??= issue.message;
    }
    throw invalid("Please correct the highlighted fields.", fieldErrors);
  }
  return result.data;
}

/** Far above any framework's size: a post naming more topics did not come from our forms. */
export const MAX_TOPICS_PER_POST = 1000;
