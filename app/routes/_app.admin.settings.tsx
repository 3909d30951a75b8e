import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  getOrganizationSettings,
  OrganizationSettingsSchema,
  timeZoneChoices,
  updateOrganizationSettings,
} from "~/modules/accounts/organization-settings.server";

export const meta: MetaFunction = () => [{ title: "Settings · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return {
    settings: await getOrganizationSettings(ctx.organization.id),
    timeZones: timeZoneChoices(),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const settings = await parseForm(request, OrganizationSettingsSchema);
    await updateOrganizationSettings(ctx, settings, clientIp(context));
    return { ok: true as const, message: "Settings saved." };
  });
}

export default function Settings() {
  const { settings, timeZones } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const saving = useNavigation().state === "submitting";
  const message = result && "message" in result ? result.message : null;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Organisation settings</h1>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>
      <section className="card narrow" aria-labelledby="settings-heading">
        <h2 id="settings-heading" className="visually-hidden">
          Settings
        </h2>
        <FormError failure={failure} />
        <Form method="post" className="stack" noValidate>
          <Field
            label="Organisation name"
            name="name"
            defaultValue={settings.name}
            required
            maxLength={100}
            error={failure?.fieldErrors.name}
          />
          <Field
            label="Time zone"
            name="timeZone"
            defaultValue={settings.timeZone}
            list="time-zones"
            required
            hint="Cycles start and end on dates in this time zone."
            error={failure?.fieldErrors.timeZone}
          />
          <datalist id="time-zones">
            {timeZones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <Field
            label="Privacy floor (people)"
            name="privacyFloor"
            type="number"
            min={1}
            max={50}
            defaultValue={settings.privacyFloor}
            required
            hint="Charts that average people's ratings are hidden for groups smaller than this, so no one's self-rating can be read from an average."
            error={failure?.fieldErrors.privacyFloor}
          />
          <Field
            label="A rating is stale after (days)"
            name="staleAfterDays"
            type="number"
            min={30}
            max={1095}
            defaultValue={settings.staleAfterDays}
            required
            hint="Older ratings are marked stale and faded in the heatmap."
            error={failure?.fieldErrors.staleAfterDays}
          />
          <Field
            label="Mentorships per mentor (cap)"
            name="mentorCapacity"
            type="number"
            min={1}
            max={20}
            defaultValue={settings.mentorCapacity}
            required
            hint="Proposed and active mentorships count. Admins may assign past the cap; that is recorded in the audit log."
            error={failure?.fieldErrors.mentorCapacity}
          />
          <Field
            label="Remind that the self-assessment is due (days before)"
            name="dueReminderDays"
            defaultValue={settings.dueReminderDays.join(", ")}
            hint="Comma-separated, like 7, 1. Leave empty for no such reminder. People who have not submitted also get one when it is overdue."
            error={failure?.fieldErrors.dueReminderDays}
          />
          <button type="submit" disabled={saving}>
            Save settings
          </button>
        </Form>
      </section>
    </>
  );
}
