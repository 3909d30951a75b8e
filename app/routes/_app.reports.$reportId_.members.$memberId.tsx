import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { CHANGE_LABEL } from "~/modules/reports/report-changes";
import { memberSummary } from "~/modules/reports/report-views.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.name} · ${data.report.cycleName} · Gapmap` : "Summary · Gapmap" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return loadOrRespond(async () => {
    const summary = await memberSummary(ctx, params.reportId ?? "", params.memberId ?? "");
    return { ...summary, canSeeReport: hasRole(ctx.membership.role, "lead") };
  });
}

const level = (value: number | null) => (value === null ? "—" : String(value));

export default function MemberSummary() {
  const { report, name, rows, planGoals, canSeeReport } = useLoaderData<typeof loader>();
  const outcomes = (kind: string) => planGoals.filter((g) => g.outcome === kind).length;
  const up = rows.filter((r) => r.change === "improved").length;
  const down = rows.filter((r) => r.change === "regressed").length;
  const withTarget = rows.filter((r) => r.priority === "must_have" && r.level_after !== null);
  const met = withTarget.filter((r) => r.level_after! >= r.target_level!).length;
  let category = "";
  return (
    <article className="report">
      <p className="muted no-print">
        <Link to={canSeeReport ? `/reports/${report.id}` : "/reports"}>
          ← {canSeeReport ? "The report" : "Reports"}
        </Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {name}: {report.cycleName}
          </h1>
          <p>
            {up} levels up, {down} down · must-have targets met: {met} of {withTarget.length} rated
            · from the {report.teamName ?? "organisation"} report, frozen when issued
          </p>
        </div>
        <div className="actions no-print">
          <button type="button" className="secondary" onClick={() => window.print()}>
            Print / save as PDF
          </button>
        </div>
      </div>
      <section className="card">
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Target</th>
                <th scope="col">Before</th>
                <th scope="col">Now</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.flatMap((r) => {
                const heading =
                  r.category_name !== category ? (
                    <tr key={`c-${r.topic_id}`}>
                      <th colSpan={5} scope="colgroup" className="category-row">
                        {r.category_name}
                      </th>
                    </tr>
                  ) : null;
                category = r.category_name;
                return [
                  heading,
                  <tr key={r.topic_id}>
                    <th scope="row">
                      {r.topic_name}
                      {r.mentored ? <span className="badge success">mentored</span> : null}
                    </th>
                    <td>
                      {r.target_level === null
                        ? "—"
                        : `${r.target_level} (${r.priority?.replace(/_/g, "-")})`}
                    </td>
                    <td className="num">{level(r.level_before)}</td>
                    <td className="num">{level(r.level_after)}</td>
                    <td>{CHANGE_LABEL[r.change]}</td>
                  </tr>,
                ];
              })}
            </tbody>
          </table>
        </div>
      </section>
      {planGoals.length ? (
        <section className="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading">Development plan</h2>
          <p data-testid="plan-outcomes">
            {outcomes("met")} met, {outcomes("missed")} missed, {outcomes("carried_over")} carried
            over
          </p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Goal</th>
                  <th scope="col">Target</th>
                  <th scope="col">Due by</th>
                  <th scope="col">Level</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {planGoals.map((g) => (
                  <tr key={g.goal_id}>
                    <th scope="row">{g.topic_name}</th>
                    <td className="num">{g.target_level}</td>
                    <td>{g.due_cycle_name}</td>
                    <td className="num">{level(g.level)}</td>
                    <td>{OUTCOME_LABEL[g.outcome]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </article>
  );
}

const OUTCOME_LABEL: Record<string, string> = {
  met: "Met",
  missed: "Missed",
  carried_over: "Carried over",
};
