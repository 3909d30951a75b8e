import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { loadOrRespond } from "~/lib/errors.server";
import { relativeAge } from "~/lib/relative-age";
import { requireMember } from "~/modules/accounts/auth.server";
import { CALIBRATION_DIFFERENCE } from "~/modules/gaps/gap-formula";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { calibrationQueue, pendingValidations } from "~/modules/gaps/validation.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const { scope, filters } = await resolveGapScope(ctx, new URL(request.url).searchParams);
    const [pending, calibration] = await Promise.all([
      pendingValidations(scope),
      calibrationQueue(scope),
    ]);
    return {
      query: filtersQuery(filters),
      pending,
      calibration,
      self: ctx.membership.id,
      now: new Date().toISOString(),
    };
  });
}

const level = (value: number) => String(value);

export default function Review() {
  const { pending, calibration, query, self, now } = useLoaderData<typeof loader>();
  return (
    <>
      <section className="card" aria-labelledby="pending-heading">
        <h2 id="pending-heading">Awaiting validation</h2>
        {pending.length === 0 ? (
          <p className="empty-state">
            No submitted assessments are waiting. They appear here when people submit theirs in the
            open cycle.
          </p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Submitted</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pending.map((p) => (
                  <tr key={p.memberId}>
                    <th scope="row">
                      <Link to={`/gaps/members/${p.memberId}${query}`}>{p.displayName}</Link>
                    </th>
                    <td>{p.submittedAt ? relativeAge(p.submittedAt, now) : "—"}</td>
                    <td>
                      {p.memberId === self ? (
                        <span className="muted">
                          Your own: another lead or an admin validates it
                        </span>
                      ) : (
                        <Link
                          className="button"
                          to={`/gaps/members/${p.memberId}/validate${query}`}
                        >
                          Validate {p.displayName}
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="calibration-heading">
        <h2 id="calibration-heading">Calibration queue</h2>
        <p className="muted">
          Topics where a person&apos;s own level and their lead&apos;s differ by{" "}
          {CALIBRATION_DIFFERENCE} or more: worth talking through in a 1:1. An item leaves the queue
          when either level changes to within one.
        </p>
        {calibration.total === 0 ? (
          <p className="empty-state">
            Nothing to calibrate: self and lead levels agree within one.
          </p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Self</th>
                  <th scope="col">Lead</th>
                  <th scope="col">Difference</th>
                </tr>
              </thead>
              <tbody>
                {calibration.items.map((c) => (
                  <tr key={`${c.memberId}-${c.topicId}`}>
                    <th scope="row">
                      <Link to={`/gaps/members/${c.memberId}${query}`}>{c.displayName}</Link>
                    </th>
                    <td>
                      <Link to={`/gaps/topics/${c.topicId}${query}`}>{c.topicName}</Link>
                    </td>
                    <td>{level(c.self)}</td>
                    <td>{level(c.lead)}</td>
                    <td>
                      {c.lead > c.self ? "+" : "−"}
                      {Math.abs(c.lead - c.self)}{" "}
                      <span className="muted">
                        ({c.lead > c.self ? "lead rates higher" : "lead rates lower"})
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {calibration.total > calibration.items.length ? (
          <p className="muted">
            Showing the {calibration.items.length} widest of {calibration.total}. Filter by category
            or profile to see the rest.
          </p>
        ) : null}
      </section>
    </>
  );
}
