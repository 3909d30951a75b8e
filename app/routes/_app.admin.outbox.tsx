import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { useSortedRows } from "~/components/sortable";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FormError, failureOf, FormSuccess } from "~/components/forms";
import { OutboxTable, STATUS_TONE } from "~/components/outbox-table";
import { env } from "~/lib/env.server";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { sendAgain } from "~/modules/notifications/dispatch-rounds.server";
import { OUTBOX_STATUSES } from "~/modules/notifications/outbox-statuses";
import { listChannelDeliveries } from "~/modules/notifications/channel-delivery.server";
import { CHANNEL_LABEL } from "~/modules/notifications/channel-schemas";
import { listOutbox, outboxCounts } from "~/modules/notifications/outbox-views.server";

export const meta: MetaFunction = () => [{ title: "Outbox · Gapmap" }];

const StatusFilter = z.enum(OUTBOX_STATUSES).optional().catch(undefined);

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const status = StatusFilter.parse(new URL(request.url).searchParams.get("status") ?? undefined);
  const [messages, counts, deliveries] = await Promise.all([
    listOutbox(ctx.organization.id, { status, limit: 200 }),
    outboxCounts(ctx.organization.id),
    listChannelDeliveries(ctx.organization.id, { limit: 100 }),
  ]);
  return {
    messages,
    counts,
    deliveries,
    status: status ?? null,
    emailConfigured: Boolean(env().SMTP_URL),
  };
}

// A message's email, or one of its deliveries to a team channel.
const RetrySchema = z.union([
  z.object({ deliveryId: z.uuid({ error: "Unknown delivery." }) }),
  z.object({ notificationId: z.uuid({ error: "Unknown message." }) }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const input = await parseForm(request, RetrySchema);
    if ("deliveryId" in input)
      await sendAgain(ctx, "channel_deliveries", input.deliveryId, clientIp(context));
    else await sendAgain(ctx, "notifications", input.notificationId, clientIp(context));
    return { ok: true as const, message: "Queued to be sent again." };
  });
}

export default function Outbox() {
  const { dateTime } = useDates();
  const { messages, counts, deliveries, status, emailConfigured } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
  const channels = useSortedRows("deliveries", deliveries, {
    written: (d) => new Date(d.created_at).getTime(),
    to: (d) => `${CHANNEL_LABEL[d.channel_kind]} · ${d.team_name}`,
    message: (d) => d.title,
    status: (d) => d.status,
  });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Outbox</h1>
          <p>
            {emailConfigured
              ? "Every email the organisation sends. The worker delivers pending ones within seconds, retrying with backoff; a failed one shows its reason."
              : "SMTP_URL is not set: messages stay here, readable by admins and by each recipient on their Messages page."}
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>
      <FormError failure={failure} />
      <nav className="tabs" aria-label="Message status">
        <Link to="/admin/outbox" className={status === null ? "active" : undefined}>
          All
        </Link>
        {OUTBOX_STATUSES.map((s) => (
          <Link
            key={s}
            to={`/admin/outbox?status=${s}`}
            className={status === s ? "active" : undefined}
          >
            {s} ({counts[s] ?? 0})
          </Link>
        ))}
      </nav>
      <section className="card" aria-label="Messages">
        {messages.length ? (
          <OutboxTable
            rows={messages}
            showRecipient
            action={(row) =>
              row.status === "failed" ? (
                <Form method="post">
                  <input type="hidden" name="notificationId" value={row.id} />
                  <button type="submit" className="secondary">
                    Send again
                  </button>
                </Form>
              ) : null
            }
          />
        ) : (
          <p className="empty-state">No messages{status ? ` with status ${status}` : ""}.</p>
        )}
      </section>
      <section className="card" aria-labelledby="channel-deliveries">
        <h2 id="channel-deliveries">Team channels</h2>
        <p className="muted">
          Team messages posted to Slack, Microsoft Teams or a signed webhook, each once per channel,
          retried with backoff; channels are set on each team&rsquo;s page.
        </p>
        {deliveries.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {channels.header("written", "Written")}
                  {channels.header("to", "To")}
                  {channels.header("message", "Message")}
                  {channels.header("status", "Status")}
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {channels.sorted.map((d) => (
                  <tr key={d.id}>
                    <td className="nowrap">{dateTime(d.created_at)}</td>
                    <td>
                      {CHANNEL_LABEL[d.channel_kind]} · {d.team_name}
                    </td>
                    <td>{d.title}</td>
                    <td>
                      <span className={`badge ${STATUS_TONE[d.status] ?? ""}`}>{d.status}</span>
                      {d.status === "sent" ? (
                        <span className="muted"> {dateTime(d.sent_at)}</span>
                      ) : null}
                      {d.last_error ? (
                        <div className="muted">
                          After {d.attempts} attempt{d.attempts === 1 ? "" : "s"}: {d.last_error}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      {d.status === "failed" ? (
                        <Form method="post">
                          <input type="hidden" name="deliveryId" value={d.id} />
                          <button type="submit" className="secondary">
                            Send again
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">No team channel has received anything yet.</p>
        )}
      </section>
    </>
  );
}
