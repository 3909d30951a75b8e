import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { formSucceeded } from "~/lib/flash.server";
import { useDates } from "~/components/dates";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import type { loader as rootLoader } from "~/root";
import { AuthCard } from "~/components/auth-card";
import { Field, FormError, failureOf, FormSuccess } from "~/components/forms";
import { z } from "zod";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireUser } from "~/modules/accounts/auth.server";
import {
  createOrganizationForUser,
  listUserOrganizations,
} from "~/modules/accounts/organizations.server";
import { CreateOrganizationSchema } from "~/modules/accounts/schemas";
import { setSessionOrganization } from "~/modules/accounts/sessions.server";
import { cancelDeletion } from "~/modules/organisation-data/deletion.server";

export const meta: MetaFunction = () => [{ title: "Your organisations · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requireUser(request);
  return { organizations: await listUserOrganizations(user.id), user };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, session } = await requireUser(request);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    if (form.get("intent") === "cancel-deletion") {
      const { organizationId } = parseFormData(form, CancelDeletionSchema);
      await cancelDeletion(user.id, organizationId, clientIp(context));
      return formSucceeded(request, "Deletion cancelled: the organisation is open again.");
    }
    const { name } = parseFormData(form, CreateOrganizationSchema);
    const org = await createOrganizationForUser({ name, userId: user.id, ip: clientIp(context) });
    await setSessionOrganization(session.id, org.organizationId);
    return redirect("/dashboard");
  });
}

const CancelDeletionSchema = z.object({
  organizationId: z.uuid({ error: "Unknown organisation." }),
});

export default function Organizations() {
  const { dateTime } = useDates();
  const { organizations, user } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  // Its own forms' confirmations, or one a redirect brought here (closing an organisation).
  const flash = useRouteLoaderData<typeof rootLoader>("root")?.flash;
  const message = result && "message" in result ? result.message : (flash ?? null);
  const active = organizations.filter((o) => o.active && !o.closed_at);
  // Closed for deletion: its admins may still take the deletion back during the grace.
  const closed = organizations.filter((o) => o.active && o.closed_at && o.role === "admin");
  const removed = organizations.filter((o) => !o.active);
  return (
    <AuthCard title="Your organisations">
      {active.length ? (
        <ul
          className="stack"
          style={{ listStyle: "none", padding: 0, display: "grid", gap: "0.5rem" }}
        >
          {active.map((org) => (
            <li key={org.id}>
              <Form method="post" action="/orgs/switch" className="inline-form">
                <input type="hidden" name="organizationId" value={org.id} />
                <button type="submit" className="secondary">
                  Open {org.name}
                </button>
                <span className={`badge ${org.role}`}>{org.role}</span>
              </Form>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty-state">
          {user.displayName}, you are not an active member of any organisation yet. Create one
          below, or ask an admin to invite {user.email}.
        </p>
      )}
      <FormSuccess message={message} />
      {closed.map((org) => (
        <div key={org.id} className="alert info">
          <p>
            {org.name} is closed and will be erased on {dateTime(org.erase_after, org.time_zone)}.
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="cancel-deletion" />
            <input type="hidden" name="organizationId" value={org.id} />
            <button type="submit" className="secondary">
              Cancel the deletion of {org.name}
            </button>
          </Form>
        </div>
      ))}
      {removed.length ? (
        <p className="muted">
          Your access to {removed.map((o) => o.name).join(", ")} was removed by an admin.
        </p>
      ) : null}
      <h2 style={{ marginTop: "1.5rem" }}>Create an organisation</h2>
      <FormError failure={failure} />
      <Form method="post" className="stack" noValidate>
        <Field label="Organisation name" name="name" required error={failure?.fieldErrors.name} />
        <button type="submit">Create</button>
      </Form>
      <Form method="post" action="/logout" style={{ marginTop: "1rem" }}>
        <button type="submit" className="secondary">
          Log out
        </button>
      </Form>
    </AuthCard>
  );
}
