import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { Field, FormError, failureOf } from "~/components/forms";
import { AuthCard } from "~/components/auth-card";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { getUser, signInAndRedirect } from "~/modules/accounts/auth.server";
import { signUp } from "~/modules/accounts/credentials.server";
import { SignUpSchema } from "~/modules/accounts/schemas";

export const meta: MetaFunction = () => [{ title: "Sign up · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/dashboard");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleFormErrors(async () => {
    const input = await parseForm(request, SignUpSchema);
    const { userId, organizationId } = await signUp(input, clientIp(context));
    return signInAndRedirect(request, userId, organizationId, "/dashboard");
  });
}

export default function SignUp() {
  const failure = failureOf(useActionData<typeof action>());
  const busy = useNavigation().state !== "idle";
  const errors = failure?.fieldErrors ?? {};
  return (
    <AuthCard title="Create your organisation">
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        <Field
          label="Your name"
          name="displayName"
          autoComplete="name"
          required
          error={errors.displayName}
        />
        <Field
          label="Work email"
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
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters."
          error={errors.password}
        />
        <Field
          label="Organisation name"
          name="organizationName"
          required
          hint="Your company or engineering department. You can invite people next."
          error={errors.organizationName}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create organisation"}
        </button>
      </Form>
      <p className="muted" style={{ marginTop: "1rem" }}>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </AuthCard>
  );
}
