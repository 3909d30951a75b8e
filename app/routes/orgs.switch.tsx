import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { z } from "zod";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { requireUser } from "~/modules/accounts/auth.server";
import { switchOrganization } from "~/modules/accounts/organizations.server";

export const loader = () => redirect("/orgs");

export async function action({ request }: ActionFunctionArgs) {
  const { user, session } = await requireUser(request);
  return handleFormErrors(async () => {
    const { organizationId } = await parseForm(request, z.object({ organizationId: z.uuid("Choose an organisation") }));
    await switchOrganization(session.id, user.id, organizationId);
    return redirect("/dashboard");
  });
}
