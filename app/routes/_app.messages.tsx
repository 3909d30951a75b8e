import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { FormSuccess } from "~/components/forms";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { OutboxTable } from "~/components/outbox-table";
import { env } from "~/lib/env.server";
import { loadOrRespond } from "~/lib/errors.server";
import { readForm } from "~/lib/forms.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { listOutbox } from "~/modules/notifications/outbox-views.server";
import {
  KIND_LABEL,
  MUTABLE_KINDS,
  mutedKinds,
  setMuted,
} from "~/modules/notifications/mutes.server";

export const meta: MetaFunction = () => [{ title: "Messages · Gapmap" }];

// The person's own messages (readable here whether or not email is configured) and which
// reminder kinds they receive.
export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const [messages, muted] = await Promise.all([
    listOutbox(ctx.organization.id, { recipientUserId: ctx.user.id, limit: 50 }),
    mutedKinds(ctx.organization.id, ctx.user.id),
  ]);
  return {
    messages,
    emailConfigured: Boolean(env().SMTP_URL),
    kinds: MUTABLE_KINDS.map((kind) => ({ kind, label: KIND_LABEL[kind], on: !muted.has(kind) })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const ctx = await requireMember(request);
  const form = await loadOrRespond(() => readForm(request));
  // Every kind is on the form: a ticked box receives, an unticked one is muted.
  for (const kind of MUTABLE_KINDS)
    await setMuted(
      { organizationId: ctx.organization.id, userId: ctx.user.id, kind },
      !form.has(`receive.${kind}`),
    );
  return { saved: true };
}

export default function Messages() {
  const { messages, emailConfigured, kinds } = useLoaderData<typeof loader>();
  const saved = useActionData<typeof action>()?.saved;
  const saving = useNavigation().state === "submitting";
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Messages</h1>
          <p>
            {emailConfigured
              ? "Everything Gapmap emails you, and which reminders you want."
              : "Email is not configured on this server: your messages are here instead."}
          </p>
        </div>
      </div>
      <section className="card" aria-labelledby="reminders-heading">
        <h2 id="reminders-heading">Reminders you receive</h2>
        <div aria-live="polite">
          <FormSuccess message={saved ? "Preferences saved." : null} />
        </div>
        <Form method="post" className="stack">
          <fieldset className="mentor-choices">
            <legend>Reminders</legend>
            {kinds.map((k) => (
              <label key={k.kind} className="checkbox">
                <input type="checkbox" name={`receive.${k.kind}`} defaultChecked={k.on} />
                {k.label}
              </label>
            ))}
          </fieldset>
          <p className="muted">
            Invitations, password resets and mentorship proposals always arrive.
          </p>
          <div>
            <button type="submit" disabled={saving}>
              Save preferences
            </button>
          </div>
        </Form>
      </section>
      <section className="card" aria-labelledby="inbox-heading">
        <h2 id="inbox-heading">Your messages</h2>
        {messages.length ? (
          <OutboxTable rows={messages} showRecipient={false} />
        ) : (
          <p className="empty-state">No messages yet.</p>
        )}
      </section>
    </>
  );
}
