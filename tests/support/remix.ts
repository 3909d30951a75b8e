import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { logger } from "~/lib/logger.server";

// Calls route loaders and actions the way Remix does, and normalises what comes back
// (a Response, a data() wrapper or a plain object, returned or thrown).

export interface RouteResult<T = unknown> {
  status: number;
  headers: Headers;
  data: T;
}

type RouteFn = (args: LoaderFunctionArgs & ActionFunctionArgs) => unknown;

export function testContext(ip = "198.51.100.7"): AppLoadContext {
  return { clientIp: ip, cspNonce: "", requestId: "test", logger: logger.child({ requestId: "test" }) };
}

export function buildRequest(
  path: string,
  options: { method?: string; form?: Record<string, string>; cookie?: string | null } = {},
): Request {
  const headers = new Headers();
  if (options.cookie) headers.set("Cookie", options.cookie);
  const init: RequestInit = { method: options.method ?? (options.form ? "POST" : "GET"), headers };
  if (options.form) init.body = new URLSearchParams(options.form);
  return new Request(`http://localhost:3000${path}`, init);
}

async function normalise(value: unknown): Promise<RouteResult> {
  if (value instanceof Response) {
    const type = value.headers.get("Content-Type") ?? "";
    const body = type.includes("json") ? await value.json() : await value.text();
    return { status: value.status, headers: value.headers, data: body };
  }
  if (value && typeof value === "object" && (value as { type?: string }).type === "DataWithResponseInit") {
    const wrapped = value as { data: unknown; init: ResponseInit | null };
    return { status: wrapped.init?.status ?? 200, headers: new Headers(wrapped.init?.headers), data: wrapped.data };
  }
  return { status: 200, headers: new Headers(), data: value };
}

export async function call<T = unknown>(
  fn: RouteFn | undefined,
  request: Request,
  params: Record<string, string> = {},
  context: AppLoadContext = testContext(),
): Promise<RouteResult<T>> {
  if (!fn) throw new Error("route has no such export");
  try {
    return (await normalise(await fn({ request, params, context }))) as RouteResult<T>;
  } catch (thrown) {
    if (thrown instanceof Response || (thrown && typeof thrown === "object" && "type" in thrown)) {
      return (await normalise(thrown)) as RouteResult<T>;
    }
    throw thrown;
  }
}

/** The session cookie a response sets, ready to send back. */
export function cookieFrom(result: RouteResult): string | null {
  const header = result.headers.get("Set-Cookie");
  const match = header?.match(/gapmap_session=([^;]*)/);
  return match?.[1] ? `gapmap_session=${match[1]}` : null;
}
