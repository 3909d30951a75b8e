import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Field, FormError, failureOf, FormSuccess } from "~/components/forms";
import { env } from "~/lib/env.server";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { getUser, signInAndRedirect } from "~/modules/accounts/auth.server";
import { logIn } from "~/modules/accounts/credentials.server";
import { LoginSchema, safeRedirect } from "~/modules/accounts/schemas";
import { organizationForPasswordSignIn } from "~/modules/accounts/single-sign-on.server";

export const meta: MetaFunction = () => [{ title: "Log in · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/dashboard");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleFormErrors(async () => {
    const input = await parseForm(request, LoginSchema);
    const { userId } = await logIn(input, clientIp(context));
    const organizationId = await organizationForPasswordSignIn(userId, clientIp(context));
    return signInAndRedirect(
      request,
      userId,
      organizationId,
      safeRedirect(input.redirectTo, env().APP_URL),
    );
  });
}

export default function Login() {
  const failure = failureOf(useActionData<typeof action>());
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  const errors = failure?.fieldErrors ?? {};
  return (
    <AuthCard title="Log in">
      {params.get("reset") === "1" ? (
        <FormSuccess>Your password was changed. Log in with the new one.</FormSuccess>
      ) : null}
      {params.get("switch") === "1" ? (
        <div className="alert" role="status">
          That organisation does not take your single sign-on. Log in with your password to open it.
        </div>
      ) : null}
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={errors.email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.password}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        {/* The same email, sent to the SSO route: its domain finds the organisation's provider. */}
        <button
          type="submit"
          className="secondary"
          formAction="/sso"
          formNoValidate
          disabled={busy}
        >
          Continue with SSO
        </button>
      </Form>
      <p className="muted" style={{ marginTop: "1rem" }}>
        <Link to="/forgot-password">Forgot your password?</Link> ·{" "}
        <Link to="/signup">Create an organisation</Link>
      </p>
    </AuthCard>
  );
}
