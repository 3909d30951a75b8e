import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requestPasswordReset } from "~/modules/accounts/credentials.server";
import { RequestResetSchema } from "~/modules/accounts/schemas";

export const meta: MetaFunction = () => [{ title: "Reset your password · Gapmap" }];

export async function action({ request, context }: ActionFunctionArgs) {
  return handleFormErrors(async () => {
    const { email } = await parseForm(request, RequestResetSchema);
    await requestPasswordReset(email, clientIp(context));
    return { ok: true as const, email };
  });
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const busy = useNavigation().state !== "idle";
  if (result && "email" in result) {
    return (
      <AuthCard title="Check your email">
        <p role="status">
          If an account exists for <strong>{result.email}</strong>, we sent it a link to choose a
          new password. The link works once, for one hour.
        </p>
        <Link to="/login">Back to log in</Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Reset your password">
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={failure?.fieldErrors.email}
        />
        <button type="submit" disabled={busy}>
          Send me a reset link
        </button>
      </Form>
      <p className="muted" style={{ marginTop: "1rem" }}>
        <Link to="/login">Back to log in</Link>
      </p>
    </AuthCard>
  );
}
