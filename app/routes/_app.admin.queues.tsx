import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { useSortedRows } from "~/components/sortable";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  RetryJobSchema,
  queueDashboard,
  retryFailedJob,
} from "~/modules/jobs/queue-dashboard.server";

export const meta: MetaFunction = () => [{ title: "Queues · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return queueDashboard(ctx.organization.id);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const input = await parseForm(request, RetryJobSchema);
    await retryFailedJob(ctx, input, clientIp(context));
    return { ok: true as const, message: "The job will run again." };
  });
}

function interval(ms: number | null) {
  if (!ms) return "—";
  if (ms < 60_000) return `every ${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `every ${Math.round(ms / 60_000)} min`;
  return `every ${Math.round(ms / 3_600_000)} h`;
}

export default function Queues() {
  const { dateTime } = useDates();
  const dashboard = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
  const failedJobs = useSortedRows("failed", dashboard.reachable ? dashboard.failed : [], {
    failed: (job) => (job.failedAt ? new Date(job.failedAt).getTime() : null),
    job: (job) => `${job.queue} · ${job.name}`,
    reason: (job) => job.failedReason,
    attempts: (job) => job.attemptsMade,
  });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Queues</h1>
          <p>
            The background jobs behind reminders and email, on {dashboard.backend}. Counts and
            schedules cover the whole installation; failed email jobs are your organisation&apos;s.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>
      <FormError failure={failure} />
      {!dashboard.reachable ? (
        <div className="alert danger" role="alert">
          {dashboard.error}
        </div>
      ) : (
        <>
          <section className="card" aria-labelledby="queues-heading">
            <h2 id="queues-heading">Queues</h2>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Queue</th>
                    <th scope="col">Waiting</th>
                    <th scope="col">Active</th>
                    <th scope="col">Delayed (scheduled or retrying)</th>
                    <th scope="col">Failed</th>
                    <th scope="col">Completed (kept)</th>
                    <th scope="col">Workers</th>
                    <th scope="col">Schedules</th>
                  </tr>
                </thead>
                <tbody>
                  {dashboard.queues.map((q) => (
                    <tr key={q.name}>
                      <th scope="row">
                        {q.name}
                        <div className="muted small">{q.purpose}</div>
                      </th>
                      <td className="num">{q.counts.waiting}</td>
                      <td className="num">{q.counts.active}</td>
                      <td className="num">{q.counts.delayed}</td>
                      <td className="num">{q.counts.failed}</td>
                      <td className="num">{q.counts.completed}</td>
                      <td className="num">
                        {q.workers === null ? "—" : q.workers}
                        {q.workers === 0 ? (
                          <div className="badge warning">no worker running</div>
                        ) : null}
                      </td>
                      <td>
                        {q.schedules.length ? (
                          <ul className="plain">
                            {q.schedules.map((s) => (
                              <li key={s.id}>
                                {s.id}: {interval(s.every)}, next {dateTime(s.next)}
                              </li>
                            ))}
                          </ul>
                        ) : (
                          "—"
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="card" aria-labelledby="failed-heading">
            <h2 id="failed-heading">Failed jobs</h2>
            {dashboard.failed.length ? (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      {failedJobs.header("failed", "Failed")}
                      {failedJobs.header("job", "Job")}
                      {failedJobs.header("reason", "Reason")}
                      {failedJobs.header("attempts", "Attempts")}
                      <th scope="col">
                        <span className="visually-hidden">Action</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {failedJobs.sorted.map((job) => (
                      <tr key={`${job.queue}:${job.id}`}>
                        <td className="nowrap">{dateTime(job.failedAt)}</td>
                        <td>
                          {job.queue} · {job.name}
                          {job.notification ? (
                            <div className="muted small">
                              {job.notification.subject} → {job.notification.recipient} (
                              <Link to="/admin/outbox?status=failed">outbox</Link>)
                            </div>
                          ) : null}
                        </td>
                        <td>{job.failedReason}</td>
                        <td className="num">{job.attemptsMade}</td>
                        <td>
                          <Form method="post">
                            <input type="hidden" name="queue" value={job.queue} />
                            <input type="hidden" name="jobId" value={job.id} />
                            <button type="submit" className="secondary">
                              Retry
                            </button>
                          </Form>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="empty-state">No failed jobs.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}
