import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Field, SelectField } from "~/components/forms";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  auditFilterChoices,
  auditLog,
  parseAuditFilters,
} from "~/modules/audit/audit-log-views.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const params = new URL(request.url).searchParams;
  const { filters, errors } = parseAuditFilters(params);
  const [log, choices] = await Promise.all([
    auditLog(ctx.organization.id, filters),
    auditFilterChoices(ctx.organization.id),
  ]);
  // The next page keeps the filters as typed.
  const older = new URLSearchParams(params);
  if (log.olderThan) older.set("before", String(log.olderThan));
  return {
    ...log,
    choices,
    errors,
    values: Object.fromEntries(
      ["action", "actor", "from", "to"].map((k) => [k, params.get(k) ?? ""]),
    ),
    olderLink: log.olderThan ? `?${older.toString()}` : null,
    paged: Boolean(filters.before),
  };
}

export default function AuditLog() {
  const { dateTime } = useDates();
  const { entries, choices, errors, values, olderLink, paged } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <p>
            Every admin action and every change made through an API token: who, what, when, from
            where.
          </p>
        </div>
      </div>
      <section className="card" aria-label="Filters">
        <Form method="get" className="inline-form">
          <SelectField
            label="Action"
            name="action"
            defaultValue={values.action}
            options={[
              { value: "", label: "Any action" },
              ...choices.actions.map((a) => ({ value: a, label: a })),
            ]}
            error={errors.action}
          />
          <SelectField
            label="Person"
            name="actor"
            defaultValue={values.actor}
            options={[
              { value: "", label: "Anyone" },
              ...choices.actors.map((a) => ({ value: a.id, label: `${a.name} (${a.email})` })),
            ]}
            error={errors.actor}
          />
          <Field
            label="From"
            name="from"
            type="date"
            defaultValue={values.from}
            error={errors.from}
          />
          <Field label="To" name="to" type="date" defaultValue={values.to} error={errors.to} />
          <button type="submit">Filter</button>
          <Link to="/admin/audit">Clear</Link>
        </Form>
      </section>
      <section className="card" aria-label="Entries">
        {entries.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Object</th>
                  <th scope="col">Details</th>
                  <th scope="col">IP</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap">{dateTime(e.at)}</td>
                    <td>{e.tokenName ? `API token “${e.tokenName}”` : (e.actorName ?? "—")}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.objectType}
                      {e.objectId ? <div className="muted small">{e.objectId}</div> : null}
                    </td>
                    <td>
                      {Object.keys(e.details ?? {}).length ? (
                        <details>
                          <summary>Show</summary>
                          <pre className="message-body">{JSON.stringify(e.details, null, 2)}</pre>
                        </details>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>{e.ip ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">
            No entries{paged ? " older than these" : " match these filters"}.
          </p>
        )}
        {olderLink ? (
          <p>
            <Link to={olderLink}>Older entries →</Link>
          </p>
        ) : null}
      </section>
    </>
  );
}
