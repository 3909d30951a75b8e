import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { reportCsv } from "~/modules/reports/report-views.server";

// GET /reports/:id.csv: the report's rows in long format, one per member × topic.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const file = await reportCsv(ctx, params.reportId ?? "");
    return new Response(file.body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
