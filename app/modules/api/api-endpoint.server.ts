import { z } from "zod";
import type { MemberContext } from "~/modules/accounts/auth.server";
import type { ApiPrincipal } from "./api-tokens.server";

// One description per endpoint: the dispatcher validates requests with its zod schemas and
// the OpenAPI document is generated from the same schemas, so the two cannot drift.

type AnyObject = z.ZodObject;

export interface ApiCall<P, Q, B> {
  principal: ApiPrincipal;
  /**
   * The organisation's admin rights, in the name of the admin who created the token: domain
   * modules take a member context, and a token may do what its creator may do as an admin.
   */
  actor: MemberContext;
  params: P;
  query: Q;
  body: B;
  ip: string | null;
}

/** A handler's answer: JSON by default, or a file. */
export type ApiResult =
  | { status?: 200 | 201; json: unknown; auditObjectId?: string | null }
  | { status?: 200; file: { body: string | Uint8Array; contentType: string; filename: string } };

export interface Endpoint {
  operationId: string;
  method: "GET" | "POST";
  /** OpenAPI path under /api/v1, with `{name}` parameters. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Writes need a read-write token and are recorded in the audit log with the token. */
  write: boolean;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  /** The success status and body: a zod schema for JSON, or a media type for files. */
  success: { status: 200 | 201; schema: z.ZodType } | { status: 200; mediaType: string };
  handle(call: ApiCall<unknown, unknown, unknown>): Promise<ApiResult>;
}

/** Declares an endpoint with its handler typed by its own schemas. */
export function endpoint<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodUndefined,
>(
  def: Omit<Endpoint, "params" | "query" | "body" | "handle"> & {
    params?: P;
    query?: Q;
    body?: B;
    handle(call: ApiCall<z.output<P>, z.output<Q>, z.output<B>>): Promise<ApiResult>;
  },
): Endpoint {
  return def as unknown as Endpoint;
}

// ------------------------------------------------------------------ shared schemas

export const id = z.uuid();
export const isoTime = z.iso.datetime();
export const isoDate = z.iso.date();
/** 0–4, or null for "not applicable". */
export const level = z.number().int().min(0).max(4).nullable();

const MAX_PAGE = 200;

/**
 * An opaque page cursor: the client sends back the `nextCursor` it was given, and the handler
 * reads the key of the last row it served. Anything else is a 400, before the handler runs.
 */
export function cursor(key: RegExp = /^[0-9a-f-]{36}$/) {
  return z
    .string()
    .max(200)
    .transform((value, ctx) => {
      const decoded = Buffer.from(value, "base64url").toString("utf8");
      if (cursorFor(decoded) !== value || !key.test(decoded)) {
        ctx.addIssue({
          code: "custom",
          message: "Unknown cursor: pass the nextCursor of the previous page.",
        });
        return z.NEVER;
      }
      return decoded;
    })
    .optional()
    .describe("The `nextCursor` of the previous page.");
}

export const cursorFor = (key: string) => Buffer.from(key, "utf8").toString("base64url");

/** `limit` and `cursor` for keyset pagination by id. */
export const pageQuery = {
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int()
    .min(1)
    .max(MAX_PAGE, `limit is at most ${MAX_PAGE}`)
    .default(50)
    .describe(`Items per page, 1–${MAX_PAGE}.`),
  cursor: cursor(),
};

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe("Pass as `cursor` for the next page; null on the last page."),
  });
}

/** Rows were fetched with `limit + 1`: the extra row says there is a next page. */
export function pageFrom<T>(rows: T[], limit: number, keyOf: (row: T) => string) {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data,
    nextCursor: rows.length > limit && last ? cursorFor(keyOf(last)) : null,
  };
}

/** The one error format (RFC 9457), as `application/problem+json`. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z
    .record(z.string(), z.string())
    .optional()
    .describe("Per-field messages, keyed by the field's path, e.g. `ratings.0.level`."),
});
