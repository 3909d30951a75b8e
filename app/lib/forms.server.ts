import type { z } from "zod";
import { invalid } from "./errors.server";

/** Reads a form body; a body that is not a form (JSON, garbage) is an "invalid" AppError, not a 500. */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    throw invalid("The form could not be read. Please try again.");
  }
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
