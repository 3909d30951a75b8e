import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { CopyLink } from "~/components/copy-link";
import { Field, FormError, SelectField, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors, invalid, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { getTeam } from "~/modules/accounts/teams.server";
import { sendTestMessage } from "~/modules/notifications/channel-delivery.server";
import { CHANNEL_KINDS, CHANNEL_LABEL } from "~/modules/notifications/channel-schemas";
import {
  channelInput,
  listTeamChannels,
  removeTeamChannel,
  setTeamChannel,
} from "~/modules/notifications/channels.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Channels of ${data?.team.name ?? "a team"} · Gapmap` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const team = await getTeam(ctx.organization.id, params.teamId ?? "");
    const channels = await listTeamChannels(ctx.organization.id, team.id);
    return { team: { id: team.id, name: team.name }, channels };
  });
}

const intentSchema = () =>
  z.discriminatedUnion("intent", [
    channelInput().extend({ intent: z.literal("set") }),
    z.object({ intent: z.literal("test"), channelId: z.uuid({ error: "Unknown channel." }) }),
    z.object({ intent: z.literal("remove"), channelId: z.uuid({ error: "Unknown channel." }) }),
  ]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const teamId = params.teamId ?? "";
  return handleFormErrors(async () => {
    const input = await parseForm(request, intentSchema());
    const ip = clientIp(context);
    switch (input.intent) {
      case "set": {
        const { channel, secret } = await setTeamChannel(ctx, teamId, input, { ip });
        return {
          ok: true as const,
          message: `${CHANNEL_LABEL[channel.kind]} channel saved (${channel.host}).`,
          secret,
        };
      }
      case "test": {
        const outcome = await sendTestMessage(ctx, teamId, input.channelId, { ip });
        if (!outcome.ok) throw invalid(`The test message was not delivered: ${outcome.reason}`);
        return { ok: true as const, message: "Test message delivered.", secret: null };
      }
      case "remove":
        await removeTeamChannel(ctx, teamId, input.channelId, { ip });
        return { ok: true as const, message: "Channel removed.", secret: null };
    }
  });
}

export default function TeamChannels() {
  const { team, channels } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const done = result && "message" in result ? result : null;
  return (
    <>
      <div className="page-header">
        <div>
          <p>
            <Link to={`/admin/teams/${team.id}`}>← {team.name}</Link>
          </p>
          <h1>Channels of {team.name}</h1>
          <p>
            The team&rsquo;s Slack, Microsoft Teams or webhook receives its team messages: a review
            cycle opening, the lead&rsquo;s weekly digest and the team&rsquo;s quarterly report.
            Personal reminders (a due or overdue self-assessment, a check-in) are never posted here.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        {done ? (
          <FormSuccess>
            <p>{done.message}</p>
            {done.secret ? (
              <>
                <p>
                  The signing secret is shown only once: copy it now into the receiver, which checks
                  each request&rsquo;s <code>Gapmap-Signature</code> with it.
                </p>
                <CopyLink url={done.secret} label="Webhook signing secret" />
              </>
            ) : null}
          </FormSuccess>
        ) : null}
      </div>
      <FormError failure={failure} />
      <section className="card" aria-labelledby="channels-heading">
        <h2 id="channels-heading">Connected</h2>
        {channels.length ? (
          <ul className="channel-list">
            {channels.map((c) => (
              <li key={c.id}>
                <div>
                  <strong>{CHANNEL_LABEL[c.kind]}</strong> · {c.host}{" "}
                  {c.disabledAt ? (
                    <>
                      <span className="badge danger">Disabled</span>
                      <p className="muted">{c.disabledReason}</p>
                    </>
                  ) : (
                    <span className="badge success">Active</span>
                  )}
                </div>
                <div className="inline-form">
                  <Form method="post">
                    <input type="hidden" name="intent" value="test" />
                    <input type="hidden" name="channelId" value={c.id} />
                    <button type="submit" className="secondary small">
                      Send a test message
                    </button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="channelId" value={c.id} />
                    <button type="submit" className="danger small">
                      Remove {CHANNEL_LABEL[c.kind]}
                    </button>
                  </Form>
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <p className="empty-state">No channel yet: team messages go by email only.</p>
        )}
      </section>
      <section className="card" aria-labelledby="set-heading">
        <h2 id="set-heading">Connect a channel</h2>
        <p className="muted">
          Paste the incoming-webhook URL from Slack, or from a Teams Workflow (&ldquo;post to a
          channel when a webhook request is received&rdquo;), or any https URL for a signed webhook.
          Setting a kind again replaces its URL. The URL is stored encrypted and not shown again.
        </p>
        {/* A new key after a save empties the form: the URL is not shown again. */}
        <Form
          key={done?.message}
          method="post"
          className="inline-form"
          noValidate
          style={{ alignItems: "end" }}
        >
          <input type="hidden" name="intent" value="set" />
          <SelectField
            label="Kind"
            name="kind"
            options={CHANNEL_KINDS.map((k) => ({ value: k, label: CHANNEL_LABEL[k] }))}
            error={failure?.fieldErrors.kind}
          />
          <Field
            label="Webhook URL"
            name="url"
            type="url"
            inputMode="url"
            autoComplete="off"
            required
            error={failure?.fieldErrors.url}
          />
          <button type="submit">Save channel</button>
        </Form>
      </section>
    </>
  );
}
