import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { db } from "#db/database";
import { loadOrRespond, notFound, toResponse } from "~/lib/errors.server";
import { readForm } from "~/lib/forms.server";
import { KIND_LABEL, readMuteToken, setMuted } from "~/modules/notifications/mutes.server";

// The one-click link at the foot of every reminder. The signed token names the person, the
// organisation and the kind, so no login is needed; a GET only asks, so link scanners that
// open it mute nothing.

export const meta: MetaFunction = () => [{ title: "Email preferences · Gapmap" }];

async function subjectOf(token: string | undefined) {
  const subject = readMuteToken(token ?? "");
  if (!subject) throw toResponse(notFound("Link"));
  const org = await db
    .selectFrom("organizations")
    .select("name")
    .where("id", "=", subject.organizationId)
    .executeTakeFirst();
  if (!org) throw toResponse(notFound("Link"));
  return { subject, organizationName: org.name };
}

export async function loader({ params }: LoaderFunctionArgs) {
  const { subject, organizationName } = await subjectOf(params.token);
  return { label: KIND_LABEL[subject.kind], organizationName };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { subject } = await subjectOf(params.token);
  const form = await loadOrRespond(() => readForm(request));
  const muted = form.get("muted") !== "false";
  await setMuted(subject, muted);
  return { muted };
}

export default function Mute() {
  const { label, organizationName } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <main className="centered-page">
      <div className="card narrow">
        <h1>Email preferences</h1>
        {result ? (
          <p role="status">
            {result.muted
              ? `Done: you will no longer get "${label}" emails from ${organizationName}.`
              : `"${label}" emails from ${organizationName} are back on.`}
          </p>
        ) : (
          <p>
            Stop &quot;{label}&quot; emails from {organizationName}? You can turn them back on here
            or in your settings.
          </p>
        )}
        <Form method="post">
          <input type="hidden" name="muted" value={result?.muted ? "false" : "true"} />
          <button type="submit">{result?.muted ? "Turn them back on" : "Stop these emails"}</button>
        </Form>
      </div>
    </main>
  );
}
