import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirectWithFlash } from "~/lib/flash.server";
import { useDates } from "~/components/dates";
import { useSortedRows } from "~/components/sortable";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FormError, SelectField, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import {
  GenerateReportSchema,
  generateOnDemand,
  listReports,
  ownSummaries,
  reportableCycles,
} from "~/modules/reports/report-views.server";
import { viewableTeams } from "~/modules/accounts/visibility.server";

export const meta: MetaFunction = () => [{ title: "Reports · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const isAdmin = hasRole(ctx.membership.role, "admin");
  const [readable, own, teams, cycles] = await Promise.all([
    listReports(ctx),
    ownSummaries(ctx),
    viewableTeams(ctx),
    reportableCycles(ctx.organization.id),
  ]);
  return {
    reports: readable.filter((r) => r.perPerson),
    organisation: readable.filter((r) => !r.perPerson),
    own,
    memberId: ctx.membership.id,
    isAdmin,
    canGenerate: (isAdmin || teams.length > 0) && cycles.length > 0,
    teams,
    cycles,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const result = await handleFormErrors(async () => {
    const input = await parseForm(request, GenerateReportSchema);
    return { ok: true as const, reportId: await generateOnDemand(ctx, input) };
  });
  if (result && "reportId" in result)
    return redirectWithFlash(`/reports/${result.reportId}`, "Report made.");
  return result;
}

export default function Reports() {
  const { date } = useDates();
  const { reports, organisation, own, memberId, isAdmin, canGenerate, teams, cycles } =
    useLoaderData<typeof loader>();
  const failure = failureOf(useActionData<typeof action>());
  const busy = useNavigation().state === "submitting";
  const table = useSortedRows("reports", reports, {
    cycle: (r) => r.cycleName,
    for: (r) => r.teamName ?? "",
    made: (r) => String(r.generatedAt),
  });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Reports</h1>
          <p>
            Quarterly progress, frozen when issued: what moved since the previous cycle, gaps closed
            and opened, must-have targets, mentoring and the gaps that remain. Each closed cycle is
            reported for the organisation and every team within a minute.
          </p>
        </div>
      </div>
      {canGenerate ? (
        <section className="card" aria-labelledby="generate-heading">
          <h2 id="generate-heading">Make a report now</h2>
          <FormError failure={failure} />
          <Form method="post" className="inline-form">
            <SelectField
              label="Cycle"
              name="cycleId"
              options={cycles.map((c) => ({
                value: c.id,
                label: c.status === "open" ? `${c.name} (open: so far)` : c.name,
              }))}
              error={failure?.fieldErrors.cycleId}
            />
            <SelectField
              label="For"
              name="teamId"
              options={[
                ...(isAdmin ? [{ value: "", label: "The whole organisation" }] : []),
                ...teams.map((t) => ({ value: t.id, label: t.name })),
              ]}
              error={failure?.fieldErrors.teamId}
            />
            <button type="submit" disabled={busy}>
              {busy ? "Making the report…" : "Make report"}
            </button>
          </Form>
        </section>
      ) : null}
      {reports.length || isAdmin || teams.length ? (
        <section className="card" aria-labelledby="reports-heading">
          <h2 id="reports-heading">{isAdmin ? "All reports" : "Your teams' reports"}</h2>
          {reports.length ? (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    {table.header("cycle", "Cycle")}
                    {table.header("for", "For")}
                    {table.header("made", "Made")}
                  </tr>
                </thead>
                <tbody>
                  {table.sorted.map((r) => (
                    <tr key={r.id}>
                      <th scope="row">
                        <Link to={`/reports/${r.id}`}>{r.cycleName}</Link>
                      </th>
                      <td>{r.teamName ?? "The whole organisation"}</td>
                      <td>
                        {date(r.generatedAt)}{" "}
                        {r.trigger === "cycle_closed" ? "(at the cycle's close)" : "(on demand)"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="empty-state">
              No reports yet. They appear when a cycle closes
              {canGenerate ? ", or make one above" : ""}.
              {isAdmin && cycles.length === 0 ? (
                <>
                  {" "}
                  <Link to="/admin/cycles">Open the first review cycle</Link> to start.
                </>
              ) : null}
            </p>
          )}
        </section>
      ) : null}
      {organisation.length ? (
        <section className="card" aria-labelledby="organisation-heading">
          <h2 id="organisation-heading">The organisation&apos;s reports</h2>
          <p className="muted">
            Figures only: no one is named, and a figure over too few people is withheld.
          </p>
          <ul>
            {organisation.map((r) => (
              <li key={r.id}>
                <Link to={`/reports/${r.id}`}>{r.cycleName}</Link>{" "}
                <span className="muted small">issued {date(r.generatedAt)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="card" aria-labelledby="own-heading">
        <h2 id="own-heading">Your own progress</h2>
        {own.length ? (
          <ul>
            {own.map((r) => (
              <li key={r.id}>
                <Link to={`/reports/${r.id}/members/${memberId}`}>{r.cycleName}</Link>{" "}
                <span className="muted small">issued {date(r.generatedAt)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="empty-state">Your summary appears here once a report includes you.</p>
        )}
      </section>
    </>
  );
}
