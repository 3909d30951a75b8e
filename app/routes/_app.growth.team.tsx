import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { SelectField } from "~/components/forms";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { teamReadiness } from "~/modules/growth/readiness.server";

export const meta: MetaFunction = () => [{ title: "Team readiness · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(() => teamReadiness(ctx, new URL(request.url).searchParams));
}

const SORTS = [
  { value: "name", label: "Name" },
  { value: "ready", label: "Most ready first" },
  { value: "gap", label: "Largest weighted gap first" },
];

export default function TeamReadiness() {
  const { rows, filters, options, sort, against, summary, privacyFloor } =
    useLoaderData<typeof loader>();
  const profiles = options.profiles.map((p) => ({ value: p.id, label: p.name }));
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Team readiness</h1>
          <p>Each person against the next profile up from theirs, or one profile for everyone.</p>
        </div>
      </div>
      <Form method="get" className="filter-bar" aria-label="Filters">
        <SelectField
          label="Team"
          name="team"
          defaultValue={filters.team}
          options={[
            ...(options.canViewOrganization ? [{ value: "all", label: "Whole organisation" }] : []),
            ...options.teams.map((t) => ({ value: t.id, label: t.name })),
          ]}
        />
        <SelectField
          label="People on profile"
          name="profile"
          defaultValue={filters.profile ?? ""}
          options={[{ value: "", label: "Any profile" }, ...profiles]}
        />
        <SelectField
          label="Measure against"
          name="against"
          defaultValue={against ?? ""}
          options={[{ value: "", label: "Each one's next level" }, ...profiles]}
        />
        <SelectField label="Sort by" name="sort" defaultValue={sort} options={SORTS} />
        <button type="submit" className="small">
          Apply
        </button>
      </Form>
      <section className="card">
        {summary ? (
          <p data-testid="ready-count">
            <strong>{summary.ready}</strong> of {summary.members} have every must-have target met.
          </p>
        ) : (
          <p className="muted">Totals are shown for groups of at least {privacyFloor} people.</p>
        )}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Against</th>
                <th scope="col">Must-haves met</th>
                <th scope="col">Good-to-have met</th>
                <th scope="col">Weighted gap</th>
                <th scope="col">Not rated</th>
                <th scope="col">Blocking</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.memberId}>
                  <th scope="row">
                    <Link to={`/growth/members/${r.memberId}`}>{r.displayName}</Link>
                    {r.ownProfile ? <span className="muted"> · {r.ownProfile.name}</span> : null}
                  </th>
                  <td>{r.profile?.name ?? "—"}</td>
                  <td>
                    {r.mustHave.met} of {r.mustHave.total}
                    {r.ready ? <span className="badge">Ready</span> : null}
                  </td>
                  <td>
                    {r.goodToHave.met} of {r.goodToHave.total}
                  </td>
                  <td>{r.score}</td>
                  <td>{r.unrated}</td>
                  <td>{r.blocking.map((b) => b.name).join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length ? null : <p className="muted">Nobody in this view.</p>}
      </section>
    </>
  );
}
