import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { gapMatrixCsv } from "~/modules/gaps/gap-matrix-csv.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";

// GET /gaps.csv?team=…&category=…&compare=…: the gap view's matrix, as filtered and measured,
// as a CSV download.
export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const { scope, options } = await resolveGapScope(ctx, new URL(request.url).searchParams);
    const viewName = scope.teamId
      ? (options.teams.find((t) => t.id === scope.teamId)?.name ?? "team")
      : ctx.organization.name;
    const yardstick = options.profiles.find((p) => p.id === scope.compareProfileId)?.name;
    const file = await gapMatrixCsv(scope, viewName, yardstick ?? null);
    return new Response(file.body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
