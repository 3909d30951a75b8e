import { db } from "#db/database";
import type { TokenScope } from "#db/schema";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import * as apiRoute from "~/routes/api.v1.$";
import { testContext } from "./remix";

// Calls the REST API through its Remix route, with a bearer token, and keeps the raw
// Response (status, headers, a 304's empty body) for the tests to inspect.

/** A token for the organisation, created in the name of one of its admins. */
export async function apiToken(
  organizationId: string,
  adminUserId: string,
  options: { scope?: TokenScope; expiresAt?: Date; revoked?: boolean } = {},
) {
  const secret = `gapmap_${generateToken()}`;
  const row = await db
    .insertInto("api_tokens")
    .values({
      organization_id: organizationId,
      name: `test ${secret.slice(-6)}`,
      token_hash: hashToken(secret),
      scope: options.scope ?? "read_write",
      created_by_user_id: adminUserId,
      expires_at: options.expiresAt ?? null,
      revoked_at: options.revoked ? new Date() : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON for JSON bodies, the text otherwise ("" for none). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read varied shapes
}

export async function api(
  token: string | null,
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers = new Headers(options.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const request = new Request(`http://localhost:3000/api/v1${path}`, { method, headers, body });
  const args = { request, params: {}, context: testContext() };
  const response =
    method === "GET" || method === "HEAD"
      ? await apiRoute.loader(args)
      : await apiRoute.action(args);
  const text = await response.text();
  const type = response.headers.get("Content-Type") ?? "";
  return {
    status: response.status,
    headers: response.headers,
    body: text && type.includes("json") ? JSON.parse(text) : text,
  };
}
