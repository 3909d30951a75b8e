import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadOrRespond } from "~/lib/errors.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { downloadExport } from "~/modules/organisation-data/export.server";

// GET /admin/organisation-data/<id>.tar.gz: a finished export's archive (audited).
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const file = await downloadExport(ctx, params.exportId ?? "", clientIp(context));
    return new Response(new Uint8Array(file.body), {
      headers: {
        "Content-Type": "application/gzip",
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
