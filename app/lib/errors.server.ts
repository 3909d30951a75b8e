import { data } from "@remix-run/node";

// One error type for expected failures, mapped to HTTP in one place. Another
// organisation's object is always "not_found", never "forbidden".

export type AppErrorKind =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limited";

const STATUS: Record<AppErrorKind, number> = {
  invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
};

export class AppError extends Error {
  constructor(
    public readonly kind: AppErrorKind,
    /** Safe to show to the user. */
    public readonly publicMessage: string,
    public readonly fieldErrors: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(publicMessage, options);
    this.name = "AppError";
  }

  get status() {
    return STATUS[this.kind];
  }
}

export const notFound = (what = "Page") => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "You do not have access to this page") =>
  new AppError("forbidden", message);
export const conflict = (message: string, fieldErrors?: Record<string, string>) =>
  new AppError("conflict", message, fieldErrors);
export const invalid = (message: string, fieldErrors?: Record<string, string>) =>
  new AppError("invalid", message, fieldErrors);

/** The body an action returns when it fails in an expected way; forms show it beside fields. */
export interface ActionFailure {
  ok: false;
  formError?: string;
  fieldErrors: Record<string, string>;
}

/**
 * An id in a URL or form that is not even a UUID names nothing: Postgres refuses to compare
 * it with a uuid column (22P02), and that is a 404, not a server error.
 */
function asAppError(error: unknown): unknown {
  const pg = error as { code?: string; message?: string } | null;
  if (pg?.code === "22P02" && pg.message?.includes("type uuid")) return notFound();
  // Nor does one holding a NUL byte, which PostgreSQL cannot even read (22021). Text typed
  // into forms and the API is checked before it gets here (storable-text.ts).
  if (pg?.code === "22021") return notFound();
  return error;
}

const FORM_FAILURES = new Set<AppErrorKind>(["invalid", "conflict", "too_large", "rate_limited"]);

/**
 * Runs an action body; an AppError of kind invalid/conflict/too_large/rate_limited becomes a
 * form failure (rendered beside the fields), other AppErrors become error responses.
 */
export async function handleFormErrors<T>(work: () => Promise<T>) {
  try {
    return await work();
  } catch (thrown) {
    const error = asAppError(thrown);
    if (error instanceof AppError) {
      if (FORM_FAILURES.has(error.kind)) {
        const failure: ActionFailure = {
          ok: false,
          formError: Object.keys(error.fieldErrors).length ? undefined : error.publicMessage,
          fieldErrors: error.fieldErrors,
        };
        return data(failure, { status: error.status });
      }
      throw toResponse(error);
    }
    throw error;
  }
}

/** Runs a loader body; an AppError becomes its HTTP error response (404, 403, …). */
export async function loadOrRespond<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (thrown) {
    const error = asAppError(thrown);
    if (error instanceof AppError) throw toResponse(error);
    throw error;
  }
}

export function toResponse(error: AppError): Response {
  return new Response(error.publicMessage, {
    status: error.status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}
