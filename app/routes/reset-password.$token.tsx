import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { findPasswordReset, resetPassword } from "~/modules/accounts/credentials.server";
import { ResetPasswordSchema } from "~/modules/accounts/schemas";

export const meta: MetaFunction = () => [{ title: "Choose a new password · Gapmap" }];

export async function loader({ params }: LoaderFunctionArgs) {
  return { valid: Boolean(await findPasswordReset(params.token ?? "")) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  return handleFormErrors(async () => {
    const { password } = await parseForm(request, ResetPasswordSchema);
    await resetPassword(params.token ?? "", password, clientIp(context));
    return redirect("/login?reset=1");
  });
}

export default function ResetPassword() {
  const { valid } = useLoaderData<typeof loader>();
  const failure = failureOf(useActionData<typeof action>());
  if (!valid) {
    return (
      <AuthCard title="This link cannot be used">
        <p>This link has expired or was already used.</p>
        <Link to="/forgot-password">Ask for a new link</Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password">
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 10 characters. You will be signed out everywhere else."
          error={failure?.fieldErrors.password}
        />
        <Field
          label="Repeat it"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          error={failure?.fieldErrors.confirm}
        />
        <button type="submit">Set new password</button>
      </Form>
    </AuthCard>
  );
}
