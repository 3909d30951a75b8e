import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import { AuthCard } from "~/components/auth-card";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { getUser, signInAndRedirect } from "~/modules/accounts/auth.server";
import { acceptInvitation, findInvitation } from "~/modules/accounts/invitations.server";
import { AcceptInvitationSchema } from "~/modules/accounts/schemas";

export const meta: MetaFunction = () => [{ title: "Join your team · Gapmap" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const invitation = await findInvitation(params.token ?? "");
  if (!invitation) return { invitation: null, signedInAs: null };
  const session = await getUser(request);
  return {
    invitation: {
      email: invitation.email,
      role: invitation.role,
      organizationName: invitation.organization_name,
      hasAccount: Boolean(invitation.existingUser),
    },
    signedInAs: session?.user.email ?? null,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  return handleFormErrors(async () => {
    const token = params.token ?? "";
    const session = await getUser(request);
    const invitation = await findInvitation(token);
    const needsAccount = invitation ? !invitation.existingUser : false;
    const input = needsAccount
      ? await parseForm(request, AcceptInvitationSchema)
      : await parseForm(request, z.object({}));
    const accepted = await acceptInvitation(token, {
      signedInUserId: session?.user.id ?? null,
      ...input,
    });
    return signInAndRedirect(request, accepted.userId, accepted.organizationId, "/dashboard");
  });
}

export default function AcceptInvitation() {
  const { invitation, signedInAs } = useLoaderData<typeof loader>();
  const failure = failureOf(useActionData<typeof action>());
  const location = useLocation();
  if (!invitation) {
    return (
      <AuthCard title="This invitation cannot be used">
        <p>
          It has expired, was revoked or was already used. Ask an admin of your organisation for a
          new one.
        </p>
        <Link to="/login">Go to log in</Link>
      </AuthCard>
    );
  }
  const title = `Join ${invitation.organizationName}`;
  if (invitation.hasAccount && signedInAs?.toLowerCase() !== invitation.email) {
    return (
      <AuthCard title={title}>
        <p>
          You were invited as <strong>{invitation.email}</strong>, which already has a Gapmap
          account. Log in with it, then come back to this link.
        </p>
        <Link className="button" to={`/login?redirectTo=${encodeURIComponent(location.pathname)}`}>
          Log in as {invitation.email}
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={title}>
      <p>
        You are invited as <strong>{invitation.role}</strong> with the email{" "}
        <strong>{invitation.email}</strong>.
      </p>
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        {invitation.hasAccount ? null : (
          <>
            <Field
              label="Your name"
              name="displayName"
              autoComplete="name"
              required
              error={failure?.fieldErrors.displayName}
            />
            <Field
              label="Choose a password"
              name="password"
              type="password"
              autoComplete="new-password"
              required
              hint="At least 10 characters."
              error={failure?.fieldErrors.password}
            />
          </>
        )}
        <button type="submit">Accept and join</button>
      </Form>
    </AuthCard>
  );
}
