import type { LoaderFunctionArgs } from "@remix-run/node";
import { renderCalendarFeed } from "~/modules/calendar/calendar-feed.server";

// GET /feeds/:token.ics: a member's private calendar feed. The token is the credential
// (calendar apps send no cookie); an unknown or revoked one answers 404.
export async function loader({ params }: LoaderFunctionArgs) {
  const body = await renderCalendarFeed(params.token ?? "");
  if (body === null) return new Response("Not found", { status: 404 });
  return new Response(body, {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": 'inline; filename="gapmap.ics"',
      "Cache-Control": "private, no-store",
    },
  });
}
