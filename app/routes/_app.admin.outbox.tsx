import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FormError, failureOf } from "~/components/forms";
import { OutboxTable } from "~/components/outbox-table";
import { env } from "~/lib/env.server";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { OUTBOX_STATUSES } from "~/modules/notifications/outbox-statuses";
import {
  listOutbox,
  outboxCounts,
  retryNotification,
} from "~/modules/notifications/outbox-views.server";

export const meta: MetaFunction = () => [{ title: "Outbox · Gapmap" }];

const StatusFilter = z.enum(OUTBOX_STATUSES).optional().catch(undefined);

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const status = StatusFilter.parse(new URL(request.url).searchParams.get("status") ?? undefined);
  const [messages, counts] = await Promise.all([
    listOutbox(ctx.organization.id, { status, limit: 200 }),
    outboxCounts(ctx.organization.id),
  ]);
  return { messages, counts, status: status ?? null, emailConfigured: Boolean(env().SMTP_URL) };
}

const RetrySchema = z.object({ notificationId: z.uuid({ error: "Unknown message." }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const { notificationId } = await parseForm(request, RetrySchema);
    await retryNotification(ctx, notificationId, clientIp(context));
    return { ok: true as const, message: "Queued to be sent again." };
  });
}

export default function Outbox() {
  const { messages, counts, status, emailConfigured } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
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
        {message ? <div className="alert success">{message}</div> : null}
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
    </>
  );
}
