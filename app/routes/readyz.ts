import { checkReadiness } from "~/lib/readiness.server";

// Readiness: 200 when Postgres (and Redis when configured) answer, else 503.
export async function loader() {
  const readiness = await checkReadiness();
  return Response.json(readiness, {
    status: readiness.ready ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
