import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { z } from "zod";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { requireUser, signOut } from "~/modules/accounts/auth.server";
import { switchOrganization } from "~/modules/accounts/organizations.server";
import { beginSsoLogin } from "~/modules/accounts/single-sign-on.server";

export const loader = () => redirect("/orgs");

export async function action({ request }: ActionFunctionArgs) {
  const { user, session } = await requireUser(request);
  return handleFormErrors(async () => {
    const { organizationId } = await parseForm(
      request,
      z.object({ organizationId: z.uuid("Choose an organisation") }),
    );
    const outcome = await switchOrganization(session, user.id, organizationId);
    if (outcome === "sso") {
      // That organisation vouches for its people through its own identity provider.
      const { url, cookie } = await beginSsoLogin({ organizationId, loginHint: user.email });
      return redirect(url, { headers: { "Set-Cookie": cookie } });
    }
    // A session from another organisation's SSO proves nothing here: a password sign-in does.
    if (outcome === "password")
      return signOut(request, `/login?switch=1&redirectTo=${encodeURIComponent("/orgs")}`);
    return redirect("/dashboard");
  });
}
