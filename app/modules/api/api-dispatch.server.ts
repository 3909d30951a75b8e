import { createHash } from "node:crypto";
import type { AppLoadContext } from "@remix-run/node";
import type { z } from "zod";
import { db } from "#db/database";
import { AppError } from "~/lib/errors.server";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { takeHit } from "~/lib/rate-limit.server";
import { clientIp } from "~/lib/request.server";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from "~/lib/storable-text";
import { activeMembership, type MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import type { ApiResult, Endpoint } from "./api-endpoint.server";
import { authenticateApiToken, type ApiPrincipal } from "./api-tokens.server";
import { API_ENDPOINTS } from "./endpoints.server";
import { openApiDocument } from "./openapi.server";
import { problem } from "./problems.server";
import { API_BASE, MAX_BODY_BYTES } from "./api-base";

// Every /api/v1 request: find the endpoint, authenticate the token, count it against the
// token's rate limit, validate path, query and body with the endpoint's schemas, run it,
// and answer JSON (with an ETag on GETs) or one problem+json error format.

class ProblemError extends Error {
  constructor(public readonly response: Response) {
    super("problem");
  }
}

function fieldErrors(error: z.ZodError) {
  const errors: Record<string, string> = {};
  const keyOf = (path: PropertyKey[]) => path.map(String).join(".") || "body";
  for (const issue of error.issues) {
    // An unknown field is reported on itself, not on the object holding it.
    if (issue.code === "unrecognized_keys")
      for (const key of issue.keys) errors[keyOf([...issue.path, key])] ??= "Unknown field.";
    else errors[keyOf(issue.path)] ??= issue.message;
  }
  return errors;
}

function unstorableErrors(paths: string[]) {
  return Object.fromEntries(paths.map((path) => [path, UNSTORABLE_TEXT_MESSAGE]));
}

interface Route {
  endpoint: Endpoint;
  pattern: RegExp;
  names: string[];
}

const ROUTES: Route[] = API_ENDPOINTS.map((endpoint) => {
  const names: string[] = [];
  const source = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { endpoint, names, pattern: new RegExp(`^${source}$`) };
});

/** A path segment as sent, decoded; a malformed escape cannot name anything. */
function decodeSegment(segment: string) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

function match(method: string, path: string) {
  const candidates = ROUTES.flatMap((route) => {
    const found = route.pattern.exec(path);
    if (!found) return [];
    const params = Object.fromEntries(
      route.names.map((name, i) => [name, decodeSegment(found[i + 1] ?? "")]),
    );
    return [{ route, params }];
  });
  const hit = candidates.find((c) => c.route.endpoint.method === method);
  return { hit, allowed: [...new Set(candidates.map((c) => c.route.endpoint.method))] };
}

/** The token's creator, as an active admin of the token's organisation; else the token is dead. */
async function actorFor(principal: ApiPrincipal): Promise<MemberContext | null> {
  if (!principal.createdByUserId) return null;
  const [member, user] = await Promise.all([
    activeMembership(principal.organizationId, principal.createdByUserId),
    db
      .selectFrom("users")
      .select(["id", "email", "display_name"])
      .where("id", "=", principal.createdByUserId)
      .executeTakeFirst(),
  ]);
  if (!member || member.membership.role !== "admin" || !user) return null;
  return {
    session: {
      id: `api-token:${principal.tokenId}`,
      userId: user.id,
      organizationId: principal.organizationId,
      ssoOrganizationId: null,
      expiresAt: new Date(8.64e15),
    },
    user: { id: user.id, email: user.email, displayName: user.display_name },
    ...member,
  };
}

async function readBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type))
    throw new ProblemError(
      problem("unsupported", "Send the body as JSON with Content-Type: application/json."),
    );
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new ProblemError(
      problem("too_large", `The body may be at most ${MAX_BODY_BYTES / 1024 / 1024} MB.`),
    );
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new ProblemError(
      problem("too_large", `The body may be at most ${MAX_BODY_BYTES / 1024 / 1024} MB.`),
    );
  try {
    return JSON.parse(text);
  } catch {
    throw new ProblemError(problem("bad_request", "The body is not valid JSON."));
  }
}

function queryObject(url: URL) {
  const values: Record<string, string> = {};
  for (const [key, value] of url.searchParams) values[key] ??= value;
  return values;
}

function etagOf(body: string | Uint8Array) {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** A GET's answer, or 304 when the client already holds this version of it. */
function conditional(request: Request, body: string | Uint8Array, headers: Record<string, string>) {
  const etag = etagOf(body);
  const wanted = request.headers.get("if-none-match");
  const all = { ...headers, ETag: etag };
  if (wanted && wanted.split(",").some((t) => t.trim().replace(/^W\//, "") === etag))
    return new Response(null, { status: 304, headers: all });
  return new Response(typeof body === "string" ? body : new Uint8Array(body), { headers: all });
}

function respond(result: ApiResult, request: Request, rateHeaders: Record<string, string>) {
  // Private: the body is one organisation's data. no-cache: reuse only after revalidating.
  const cache = { "Cache-Control": "private, no-cache" };
  if ("file" in result)
    return conditional(request, result.file.body, {
      ...rateHeaders,
      ...cache,
      "Content-Type": result.file.contentType,
      "Content-Disposition": `attachment; filename="${result.file.filename}"`,
    });
  const body = JSON.stringify(result.json);
  const headers = { ...rateHeaders, "Content-Type": "application/json" };
  if (request.method === "POST")
    return new Response(body, {
      status: result.status ?? 200,
      headers: { ...headers, "Cache-Control": "no-store" },
    });
  return conditional(request, body, { ...headers, ...cache });
}

export async function handleApiRequest(request: Request, context: AppLoadContext | undefined) {
  const url = new URL(request.url);
  const path = url.pathname.replace(/\/+$/, "").slice(API_BASE.length) || "/";
  const method = request.method.toUpperCase() === "HEAD" ? "GET" : request.method.toUpperCase();

  // The description of the API is public: clients read it before they hold a token.
  if (path === "/openapi.json" && method === "GET") {
    return conditional(request, JSON.stringify(openApiDocument(url.origin)), {
      "Content-Type": "application/json",
      "Cache-Control": "public, no-cache",
    });
  }

  const { hit, allowed } = match(method, path);
  if (!hit) {
    if (allowed.length)
      return problem("method_not_allowed", `${method} is not supported here.`, {
        headers: { Allow: allowed.join(", ") },
      });
    return problem("not_found", `There is no endpoint ${method} ${API_BASE}${path}.`);
  }
  const { endpoint } = hit.route;

  try {
    const principal = await authenticateApiToken(request.headers.get("authorization"));
    const actor = principal && (await actorFor(principal));
    if (!principal || !actor)
      return problem(
        "unauthorized",
        "Send a valid API token as `Authorization: Bearer <token>`; this one is missing, unknown, revoked, expired, or its creator is no longer an admin.",
        { headers: { "WWW-Authenticate": 'Bearer realm="gapmap"' } },
      );

    const limit = env().GAPMAP_API_RATE_LIMIT;
    const hitCount = await takeHit({
      key: `api:${principal.tokenId}`,
      max: limit,
      windowSeconds: 60,
    });
    const rateHeaders = {
      "RateLimit-Limit": String(limit),
      "RateLimit-Remaining": String(hitCount.remaining),
      "RateLimit-Reset": String(hitCount.resetSeconds),
    };
    if (!hitCount.allowed)
      return problem(
        "rate_limited",
        `This token may make ${limit} requests a minute; wait and retry.`,
        {
          headers: { ...rateHeaders, "Retry-After": String(hitCount.resetSeconds) },
        },
      );

    if (endpoint.write && principal.scope !== "read_write")
      return problem("forbidden", "This token is read-only; writing needs a read-write token.");

    // A path id that is not even well-formed names nothing: the same 404 as another org's id.
    const params = endpoint.params?.safeParse(hit.params);
    if (params && !params.success)
      return problem("not_found", "No such object in this organisation.");

    const queryValues = queryObject(url);
    const unstorableQuery = unstorableTextPaths(queryValues);
    if (unstorableQuery.length)
      return problem("bad_request", "Some query parameters are not valid.", {
        errors: unstorableErrors(unstorableQuery),
      });
    const query = endpoint.query?.safeParse(queryValues);
    if (query && !query.success)
      return problem("bad_request", "Some query parameters are not valid.", {
        errors: fieldErrors(query.error),
      });

    let body: unknown;
    if (endpoint.body) {
      const raw = await readBody(request);
      const unstorable = unstorableTextPaths(raw);
      if (unstorable.length)
        return problem("invalid", "The body holds text that cannot be saved.", {
          errors: unstorableErrors(unstorable),
        });
      const parsed = endpoint.body.safeParse(raw);
      if (!parsed.success)
        return problem("invalid", "The body does not match this endpoint's schema.", {
          errors: fieldErrors(parsed.error),
        });
      body = parsed.data;
    }

    const ip = clientIp(context);
    const result = await endpoint.handle({
      principal,
      actor,
      params: params?.data ?? {},
      query: query?.data ?? {},
      body,
      ip,
    });
    if (endpoint.write) {
      await recordAudit({
        organizationId: principal.organizationId,
        actorUserId: actor.user.id,
        actorTokenId: principal.tokenId,
        action: `api.${endpoint.operationId}`,
        objectType: endpoint.tag.toLowerCase(),
        objectId: "json" in result ? (result.auditObjectId ?? null) : null,
        details: { method, path: `${API_BASE}${path}` },
        ip,
      });
    }
    return respond(result, request, rateHeaders);
  } catch (error) {
    if (error instanceof ProblemError) return error.response;
    if (error instanceof AppError) {
      return problem(error.kind, error.publicMessage, { errors: error.fieldErrors });
    }
    const requestId = context?.requestId ?? null;
    logger.error(
      { err: error, requestId, operationId: endpoint.operationId },
      "API request failed",
    );
    return problem(
      "internal",
      `Something went wrong on our side. Reference: ${requestId ?? "none"}.`,
    );
  }
}
