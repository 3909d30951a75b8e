import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { exportFrameworkCsv } from "~/modules/frameworks/framework-csv.server";

// GET /admin/frameworks/<id>.csv: the framework's current version as a CSV download.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const file = await exportFrameworkCsv(ctx.organization.id, params.frameworkId ?? "");
    return new Response(file.body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
