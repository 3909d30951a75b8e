import { createCookie, redirect } from "@remix-run/node";
import { env } from "./env.server";

// A form whose action redirects (to the thing it made, or back to a list) confirms through
// this: the message rides in a short-lived signed cookie to the next page, where the root
// loader reads it once and clears it. Actions that stay on their page return their message
// as action data instead; both are shown by the same FormSuccess.

function flashCookie() {
  return createCookie("gapmap_flash", {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: env().APP_URL.startsWith("https://"),
    maxAge: 60,
    secrets: [env().SESSION_SECRET],
  });
}

/** A redirect to `url` whose page then says `message`. */
export async function redirectWithFlash(url: string, message: string) {
  return redirect(url, {
    headers: { "Set-Cookie": await flashCookie().serialize(message) },
  });
}

/**
 * A form's success on an index page (the page stays put): its message as action data when a
 * script posted it (the page shows it in place). A browser posting without JavaScript lands
 * on "…?index" (how Remix tells the index route from its layout), so that post — a top-level
 * navigation — is answered with a redirect to the page itself (Remix has already taken
 * "index" off the URL it gives actions), carrying the message as a flash.
 */
export async function formSucceeded(request: Request, message: string) {
  await redirectNavigationWithFlash(request, message);
  return { ok: true as const, message };
}

/** formSucceeded's redirect alone, for a success whose script-side answer carries more. */
export async function redirectNavigationWithFlash(request: Request, message: string) {
  if (request.headers.get("Sec-Fetch-Mode") !== "navigate") return;
  const url = new URL(request.url);
  throw await redirectWithFlash(`${url.pathname}${url.search}`, message);
}

/** The message waiting for this request, and the header that clears it; null when none. */
export async function takeFlash(request: Request) {
  const cookie = flashCookie();
  const value: unknown = await cookie.parse(request.headers.get("Cookie"));
  if (typeof value !== "string" || !value) return null;
  return { message: value, clear: await cookie.serialize("", { maxAge: 0 }) };
}
