import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import {
  CategoryGapChart,
  LevelMixChart,
  MustHaveTrendChart,
  TeamRadarChart,
} from "~/components/gap-charts";
import { useSortedRows } from "~/components/sortable";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { beforeFirstCycle } from "~/modules/accounts/organizations.server";
import { hasRole } from "~/modules/accounts/roles";
import { GAP_FORMULA_TEXT } from "~/modules/gaps/gap-formula";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary, mustHaveTrend, topGaps } from "~/modules/gaps/team-gaps.server";
import { calibrationQueue, pendingValidations } from "~/modules/gaps/validation.server";
import { percent } from "~/lib/format";
import { WithheldNote } from "~/components/withheld-note";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const { scope, filters } = await resolveGapScope(ctx, new URL(request.url).searchParams);
    const [summary, pending, calibration, firstRun] = await Promise.all([
      gapSummary(scope),
      pendingValidations(scope),
      calibrationQueue(scope, 0),
      beforeFirstCycle(ctx.organization.id),
    ]);
    const trend = summary.mustHave ? await mustHaveTrend(scope, summary.mustHave) : [];
    return {
      query: filtersQuery(filters),
      privacyFloor: scope.privacyFloor,
      members: summary.members,
      // Bus-factor risk is counted over the topics whose figures are shown.
      topicCount: summary.topics.filter((t) => !t.withheld).length,
      atRisk: summary.topics.filter((t) => t.busFactorRisk).length,
      mustHave: summary.mustHave,
      categories: summary.chartsHidden ? [] : summary.categories.filter((c) => !c.withheld),
      withheldCategories: summary.chartsHidden
        ? []
        : summary.categories.filter((c) => c.withheld).map((c) => c.name),
      withheldTopics: summary.topics.filter((t) => t.withheld).length,
      trend,
      compared: scope.compareProfileId !== null,
      chartsHidden: summary.chartsHidden,
      top: topGaps(summary),
      pending: pending.length,
      calibration: calibration.total,
      // Before anyone has assessed, the page says how gaps come about, not that there are none.
      firstRun: firstRun && {
        isAdmin: hasRole(ctx.membership.role, "admin"),
        alone: firstRun.alone,
      },
    };
  });
}

export default function GapsOverview() {
  const data = useLoaderData<typeof loader>();
  const { query } = data;
  // Ranked by score on the server; any column may re-sort the ten, the rank stays the score's.
  const rank = new Map(data.top.map((t, i) => [t.topicId, i + 1]));
  const top = useSortedRows("top", data.top, {
    rank: (t) => rank.get(t.topicId),
    topic: (t) => t.name,
    score: (t) => t.score,
    affected: (t) => t.affected,
    mentored: (t) => t.mentored,
    met: (t) => t.met,
  });
  if (data.firstRun)
    return (
      <section className="card" aria-labelledby="first-run">
        <h2 id="first-run">No gaps yet</h2>
        <p className="empty-state">
          Gaps appear once people rate themselves in a review cycle.{" "}
          {data.firstRun.isAdmin ? (
            <>
              {data.firstRun.alone ? (
                <>
                  <Link to="/admin/members">Invite your leads and engineers</Link>, then{" "}
                </>
              ) : null}
              <Link to="/admin/cycles">open the first review cycle</Link>.
            </>
          ) : (
            "An admin opens the first review cycle; your team's gaps show here as they answer."
          )}
        </p>
      </section>
    );
  if (data.members === 0)
    return (
      <p className="empty-state">
        Nobody is in this view yet. Add people to the team on the{" "}
        <Link to="/admin/teams">Teams</Link> page, or clear the profile filter.
      </p>
    );
  return (
    <>
      <div className="grid cols-4 stats">
        <div className="card stat">
          <div className="stat-label">People in view</div>
          <strong>{data.members}</strong>
        </div>
        <div className="card stat">
          <div className="stat-label">Must-have targets met</div>
          {data.mustHave ? (
            <>
              <strong>{percent(data.mustHave.met, data.mustHave.total)}</strong>
              <span className="muted">
                {data.mustHave.met} of {data.mustHave.total} rated
              </span>
            </>
          ) : (
            <>
              <strong>—</strong>
              <span className="muted">Withheld: fewer than {data.privacyFloor} people rated</span>
            </>
          )}
        </div>
        <Link className="card stat" to={`/gaps/coverage${query}&risk=1`}>
          <div className="stat-label">Bus-factor risk</div>
          <strong className={data.atRisk ? "danger-text" : undefined}>{data.atRisk}</strong>
          <span className="muted">of {data.topicCount} topics have ≤ 1 person at Proficient+</span>
        </Link>
        <Link className="card stat" to={`/gaps/review${query}`}>
          <div className="stat-label">To review</div>
          <strong>{data.pending + data.calibration}</strong>
          <span className="muted">
            {data.pending} awaiting validation · {data.calibration} to calibrate
          </span>
        </Link>
      </div>

      <section className="card" aria-labelledby="top-gaps">
        <h2 id="top-gaps">Top gaps</h2>
        <p className="muted">{GAP_FORMULA_TEXT}</p>
        {data.withheldTopics ? (
          <WithheldNote
            floor={data.privacyFloor}
            what={`${data.withheldTopics} topic${data.withheldTopics === 1 ? "" : "s"} left out`}
          />
        ) : null}
        {data.top.length === 0 && data.withheldTopics ? null : data.top.length === 0 ? (
          <p className="empty-state">
            No one in this view is below target on a rated topic. Gaps appear as people self-assess.
          </p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {top.header("rank", "#")}
                  {top.header("topic", "Topic")}
                  {top.header("score", "Score")}
                  {top.header("affected", "Below target")}
                  {top.header("mentored", "With a mentor")}
                  {top.header("met", "Meeting target")}
                </tr>
              </thead>
              <tbody>
                {top.sorted.map((t) => (
                  <tr key={t.topicId}>
                    <td>{rank.get(t.topicId)}</td>
                    <th scope="row">
                      <Link to={`/gaps/topics/${t.topicId}${query}`}>{t.name}</Link>
                      {t.busFactorRisk ? (
                        <span className="badge danger">Bus-factor risk</span>
                      ) : null}
                    </th>
                    <td>{t.score}</td>
                    <td>{t.affected}</td>
                    <td>
                      {t.mentored === t.affected ? (
                        <span className="badge success">All {t.mentored}</span>
                      ) : t.mentored ? (
                        `${t.mentored} of ${t.affected}`
                      ) : (
                        <span className="badge warning">None</span>
                      )}
                    </td>
                    <td>
                      {t.met} of {t.withTarget}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {data.chartsHidden ? (
        <WithheldNote floor={data.privacyFloor} what="Charts and totals of this view" />
      ) : (
        <>
          {data.withheldCategories.length ? (
            <WithheldNote
              floor={data.privacyFloor}
              what={`Categories left out of the charts (${data.withheldCategories.join(", ")})`}
            />
          ) : null}
          <div className="grid chart-grid">
            <section className="card" aria-labelledby="gap-by-category">
              <h2 id="gap-by-category">Average gap by category</h2>
              <CategoryGapChart categories={data.categories} />
            </section>
            <section className="card" aria-labelledby="team-vs-target">
              <h2 id="team-vs-target">Team vs target</h2>
              <TeamRadarChart categories={data.categories} />
            </section>
            <section className="card" aria-labelledby="level-mix">
              <h2 id="level-mix">Levels by category</h2>
              <LevelMixChart categories={data.categories} />
            </section>
            <section className="card" aria-labelledby="must-have-trend">
              <h2 id="must-have-trend">Must-have targets met over cycles</h2>
              {data.trend.length ? (
                <MustHaveTrendChart points={data.trend} />
              ) : data.compared ? (
                <p className="muted">
                  Past cycles were measured against each person&apos;s own profile: compare against
                  each person&apos;s own profile to see the trend.
                </p>
              ) : (
                <p className="muted">
                  The trend covers must-have targets and appears once a cycle has been opened.
                </p>
              )}
            </section>
          </div>
        </>
      )}
    </>
  );
}
