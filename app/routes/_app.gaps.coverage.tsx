import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useSortedRows } from "~/components/sortable";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary } from "~/modules/gaps/team-gaps.server";
import { WithheldNote } from "~/components/withheld-note";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const params = new URL(request.url).searchParams;
  return loadOrRespond(async () => {
    const { scope, filters, options } = await resolveGapScope(ctx, params);
    const summary = await gapSummary(scope);
    const riskOnly = params.get("risk") === "1";
    const categoryName = new Map(options.categories.map((c) => [c.id, c.name]));
    return {
      query: filtersQuery(filters),
      riskOnly,
      isTeam: scope.teamId !== null,
      members: summary.members,
      privacyFloor: scope.privacyFloor,
      withheld: summary.topics.filter((t) => t.withheld).length,
      atRisk: summary.topics.filter((t) => t.busFactorRisk).length,
      capabilityMissed: summary.topics.filter((t) => t.capability?.met === false).length,
      topics: summary.topics
        .filter((t) => !riskOnly || t.busFactorRisk)
        .map((t) => ({ ...t, category: categoryName.get(t.categoryId) ?? "" })),
    };
  });
}

export default function Coverage() {
  const data = useLoaderData<typeof loader>();
  const table = useSortedRows("coverage", data.topics, {
    topic: (t) => t.name,
    category: (t) => t.category,
    met: (t) => (t.withTarget && t.met !== null ? t.met / t.withTarget : null),
    proficient: (t) => t.proficient,
    unrated: (t) => t.unrated,
    na: (t) => t.notApplicable,
  });
  return (
    <section className="card" aria-labelledby="coverage-heading">
      <h2 id="coverage-heading">Coverage per topic</h2>
      <p className="muted">
        Meeting target = people at or above their profile&apos;s target, of those with a target and
        a level. Bus-factor risk = one person or nobody at Proficient (3) or above. {data.atRisk}{" "}
        topic{data.atRisk === 1 ? " is" : "s are"} at risk
        {data.isTeam
          ? `; ${data.capabilityMissed} capability target${data.capabilityMissed === 1 ? " is" : "s are"} not met`
          : ""}
        .
      </p>
      {data.withheld ? (
        <WithheldNote
          floor={data.privacyFloor}
          what={`Figures of ${data.withheld} topic${data.withheld === 1 ? "" : "s"}`}
        />
      ) : null}
      <p>
        {data.riskOnly ? (
          <Link to={`/gaps/coverage${data.query}`}>Show every topic</Link>
        ) : (
          <Link to={`/gaps/coverage${data.query}&risk=1`}>Show only bus-factor risks</Link>
        )}
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              {table.header("topic", "Topic")}
              {table.header("category", "Category")}
              {table.header("met", "Meeting target")}
              {table.header("proficient", "Proficient+")}
              {table.header("unrated", "Not rated")}
              {table.header("na", "N/A")}
              {data.isTeam ? <th scope="col">Capability target</th> : null}
            </tr>
          </thead>
          <tbody>
            {table.sorted.map((t) => (
              <tr key={t.topicId} className={t.busFactorRisk ? "risk-row" : undefined}>
                <th scope="row">
                  <Link to={`/gaps/topics/${t.topicId}${data.query}`}>{t.name}</Link>
                </th>
                <td>{t.category}</td>
                {t.withheld ? (
                  <td colSpan={2} className="muted">
                    Withheld: fewer than {data.privacyFloor} people rated
                  </td>
                ) : (
                  <>
                    <td className="nowrap">
                      <meter
                        min={0}
                        max={Math.max(1, t.withTarget ?? 0)}
                        value={t.met ?? 0}
                        aria-hidden="true"
                      />{" "}
                      {t.met} of {t.withTarget}
                    </td>
                    <td>
                      {t.proficient}
                      {t.busFactorRisk ? (
                        <span className="badge danger">Bus-factor risk</span>
                      ) : null}
                    </td>
                  </>
                )}
                <td>{t.unrated}</td>
                <td>{t.notApplicable}</td>
                {data.isTeam ? (
                  <td>
                    {t.capability ? (
                      <>
                        ≥ {t.capability.minPeople} at {t.capability.minLevel}+:{" "}
                        {t.capability.met === null ? (
                          <span className="muted">withheld</span>
                        ) : (
                          <>
                            {t.capability.atLevel}{" "}
                            {t.capability.met ? (
                              <span className="badge success">Met</span>
                            ) : (
                              <span className="badge danger">Not met</span>
                            )}
                          </>
                        )}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.topics.length === 0 ? <p className="empty-state">No topics match.</p> : null}
    </section>
  );
}
