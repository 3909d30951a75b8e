import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { AuthCard } from "~/components/auth-card";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors, invalid } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { getUser } from "~/modules/accounts/auth.server";
import { emailField } from "~/modules/accounts/schemas";
import { beginSsoLogin, findSsoForEmail } from "~/modules/accounts/single-sign-on.server";

export const meta: MetaFunction = () => [{ title: "Continue with SSO · Gapmap" }];

const ContinueWithSsoSchema = z.object({ email: emailField, redirectTo: z.string().optional() });

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/dashboard");
  return null;
}

/** The login page's "Continue with SSO" posts here: the email's domain finds the organisation. */
export async function action({ request }: ActionFunctionArgs) {
  return handleFormErrors(async () => {
    const input = await parseForm(request, ContinueWithSsoSchema);
    const organization = await findSsoForEmail(input.email);
    if (!organization) {
      throw invalid("Please correct the highlighted fields.", {
        email: `No organisation signs in with SSO for ${input.email.split("@")[1]}. Log in with your password instead.`,
      });
    }
    const { url, cookie } = await beginSsoLogin({
      organizationId: organization.id,
      redirectTo: input.redirectTo,
      loginHint: input.email,
    });
    return redirect(url, { headers: { "Set-Cookie": cookie } });
  });
}

export default function ContinueWithSso() {
  const failure = failureOf(useActionData<typeof action>());
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <AuthCard title="Continue with SSO">
      <p className="muted">
        Enter your work email: Gapmap sends you to your organisation&rsquo;s identity provider.
      </p>
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <Field
          label="Work email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={failure?.fieldErrors.email}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Redirecting…" : "Continue with SSO"}
        </button>
      </Form>
      <p className="muted" style={{ marginTop: "1rem" }}>
        <Link to="/login">Log in with a password</Link>
      </p>
    </AuthCard>
  );
}
