import { API_BASE, MAX_BODY_BYTES } from "./api-base";

// The API's one error format (RFC 9457 problem details): each kind with its status, title
// and what it means, for the responses, the OpenAPI document and the docs page alike.

export const PROBLEMS = {
  bad_request: {
    status: 400,
    title: "Bad request",
    meaning:
      "The request is malformed: the body is not JSON, or a query parameter or cursor is not valid.",
  },
  unauthorized: {
    status: 401,
    title: "Unauthorized",
    meaning:
      "The token is missing, unknown, revoked or expired, or the admin who created it no longer is one.",
  },
  forbidden: {
    status: 403,
    title: "Forbidden",
    meaning:
      "The token may not do this: a read-only token writing, or a rule such as validating your own assessment.",
  },
  not_found: {
    status: 404,
    title: "Not found",
    meaning:
      "No such object in the token's organisation (objects of other organisations are never found), or no such endpoint.",
  },
  method_not_allowed: {
    status: 405,
    title: "Method not allowed",
    meaning: "The path exists, with other methods (see `Allow`).",
  },
  conflict: {
    status: 409,
    title: "Conflict",
    meaning:
      "The request conflicts with the current state: no open cycle, an assessment already submitted, a name taken.",
  },
  too_large: {
    status: 413,
    title: "Payload too large",
    meaning: `The body is over ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
  },
  unsupported: {
    status: 415,
    title: "Unsupported media type",
    meaning: "Bodies must be `application/json`.",
  },
  invalid: {
    status: 422,
    title: "Unprocessable content",
    meaning: "The body does not pass validation; `errors` holds one message per field path.",
  },
  rate_limited: {
    status: 429,
    title: "Too many requests",
    meaning: "The token's requests for this minute are used up; retry after `Retry-After` seconds.",
  },
  internal: {
    status: 500,
    title: "Internal server error",
    meaning: "Our fault. The detail carries a reference to quote when you report it.",
  },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

export function problem(
  kind: ProblemKind,
  detail: string,
  options: { errors?: Record<string, string>; headers?: Record<string, string> } = {},
) {
  const { status, title } = PROBLEMS[kind];
  const body = {
    type: `${API_BASE}/docs#problem-${kind}`,
    title,
    status,
    detail,
    ...(options.errors && Object.keys(options.errors).length ? { errors: options.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "Content-Type": "application/problem+json",
      "Cache-Control": "no-store",
      ...options.headers,
    },
  });
}
