import type { AppLoadContext } from "@remix-run/node";

/** The client's IP as the HTTP server saw it (null when unknown, e.g. in tests). */
export function clientIp(context: AppLoadContext | undefined): string | null {
  return context?.clientIp ?? null;
}
