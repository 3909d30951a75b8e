import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Link, useLoaderData } from "@remix-run/react";
import { MustHaveTrendChart } from "~/components/gap-charts";
import { CategoryBeforeAfterChart } from "~/components/report-charts";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { reportMembers, viewableReport } from "~/modules/reports/report-views.server";
import type { ReportChange } from "#db/schema";
import { percent } from "~/lib/format";
import { BUS_FACTOR_RISK_AT } from "~/modules/gaps/gap-formula";
import { CHANGE_LABEL } from "~/modules/reports/report-changes";
import { WithheldNote } from "~/components/withheld-note";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `${data.report.cycleName} · ${data.report.teamName ?? "Organisation"} report · Gapmap`
      : "Report · Gapmap",
  },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return loadOrRespond(async () => {
    const report = await viewableReport(ctx, params.reportId ?? "");
    return { report, members: report.perPerson ? await reportMembers(report.id) : [] };
  });
}

export default function Report() {
  const { date } = useDates();
  const { report, members } = useLoaderData<typeof loader>();
  const s = report.summary;
  const before = s.scope.previousCycleName ?? "before";
  const after = s.scope.cycleName;
  return (
    <article className="report">
      <p className="muted no-print">
        <Link to="/reports">← Reports</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {after} report: {report.teamName ?? "the whole organisation"}
          </h1>
          <p>
            {s.scope.members} people · {s.scope.topics} topics of {report.frameworkName} (version{" "}
            {report.frameworkVersion}) ·{" "}
            {s.scope.previousCycleName
              ? `compared with ${s.scope.previousCycleName}`
              : "the first cycle: nothing to compare with"}{" "}
            · issued {date(report.generatedAt)}, frozen since
          </p>
        </div>
        <div className="actions no-print">
          {report.perPerson ? (
            <a className="button secondary" href={`/reports/${report.id}.csv`} download>
              Download CSV
            </a>
          ) : null}
          <button type="button" className="secondary" onClick={() => window.print()}>
            Print / save as PDF
          </button>
        </div>
      </div>

      {report.perPerson ? null : (
        <p className="alert info">
          The organisation&apos;s figures only: no one is named, and a figure is shown only when at
          least {s.privacy?.floor} people you do not see one by one rated it.
        </p>
      )}

      <section className="grid cols-4 stats" aria-label="Headlines">
        <div className="card stat">
          <div className="stat-label">Must-have targets met</div>
          {s.mustHave ? (
            <>
              <strong>{percent(s.mustHave.metNow, s.mustHave.totalNow)}</strong>
              <span className="muted">
                {s.mustHave.metNow} of {s.mustHave.totalNow} rated · {before}:{" "}
                {s.mustHave.totalBefore === null
                  ? "withheld"
                  : percent(s.mustHave.metBefore ?? 0, s.mustHave.totalBefore)}
              </span>
            </>
          ) : (
            <Withheld floor={s.privacy?.floor} />
          )}
        </div>
        <div className="card stat">
          <div className="stat-label">Gaps closed</div>
          {s.gaps ? (
            <>
              <strong>{s.gaps.closed}</strong>
              <span className="muted">
                {s.gaps.opened} opened · {s.gaps.open} open now
              </span>
            </>
          ) : (
            <Withheld floor={s.privacy?.floor} />
          )}
        </div>
        <div className="card stat">
          <div className="stat-label">Topics at bus-factor risk</div>
          <strong>{s.coverage.busFactorRiskAfter}</strong>
          <span className="muted">
            {before}: {s.coverage.busFactorRiskBefore}
          </span>
        </div>
        <div className="card stat">
          <div className="stat-label">Levels up</div>
          {s.changes ? (
            <>
              <strong>{s.changes.improved}</strong>
              <span className="muted">{s.changes.regressed} down</span>
            </>
          ) : (
            <Withheld floor={s.privacy?.floor} />
          )}
        </div>
      </section>

      {s.privacy?.withheld ? (
        <WithheldNote floor={s.privacy.floor} what="The trend and the averages by category" />
      ) : (
        <>
          <section className="card" aria-labelledby="trend-heading">
            <h2 id="trend-heading">Must-have targets met over cycles</h2>
            <MustHaveTrendChart points={s.trend} />
          </section>

          <section className="card" aria-labelledby="categories-heading">
            <h2 id="categories-heading">Average level by category, before and after</h2>
            {s.privacy?.withheldCategories.length ? (
              <WithheldNote
                floor={s.privacy.floor}
                what={`Left out: ${s.privacy.withheldCategories.join(", ")}`}
              />
            ) : null}
            <CategoryBeforeAfterChart categories={s.categories} before={before} after={after} />
          </section>
        </>
      )}

      <div className="grid cols-2">
        <section className="card" aria-labelledby="changes-heading">
          <h2 id="changes-heading">Level changes since {before}</h2>
          {s.changes ? (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Member × topic levels by change</caption>
                <tbody>
                  {(Object.keys(CHANGE_LABEL) as ReportChange[]).map((k) => (
                    <tr key={k}>
                      <th scope="row">{CHANGE_LABEL[k]}</th>
                      <td className="num">{s.changes![k]}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <WithheldNote floor={s.privacy?.floor ?? 0} what="The counts of level changes" />
          )}
        </section>
        <section className="card" aria-labelledby="mentoring-heading">
          <h2 id="mentoring-heading">Mentoring</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Mentoring activity in {after}</caption>
              <tbody>
                <tr>
                  <th scope="row">Active mentorships</th>
                  <td className="num">{s.mentoring.active}</td>
                </tr>
                <tr>
                  <th scope="row">Completed in {after}</th>
                  <td className="num">{s.mentoring.completed}</td>
                </tr>
                <tr>
                  <th scope="row">Check-ins in {after}</th>
                  <td className="num">{s.mentoring.checkIns}</td>
                </tr>
                <tr>
                  <th scope="row">Mentored topics whose level went up</th>
                  <td className="num">
                    {s.mentoring.menteesImproved} of {s.mentoring.mentoredTopics}
                  </td>
                </tr>
              </tbody>
            </table>
          </div>
        </section>
      </div>

      {report.perPerson ? (
        <section className="card" aria-labelledby="movers-heading">
          <h2 id="movers-heading">Biggest movers</h2>
          {s.movers.length ? (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Levels up</th>
                    <th scope="col">Levels down</th>
                    <th scope="col">Net</th>
                  </tr>
                </thead>
                <tbody>
                  {s.movers.map((m) => (
                    <tr key={m.memberId}>
                      <th scope="row">
                        <Link to={`/reports/${report.id}/members/${m.memberId}`}>{m.name}</Link>
                      </th>
                      <td className="num">{m.improved}</td>
                      <td className="num">{m.regressed}</td>
                      <td className="num">{m.net > 0 ? `+${m.net}` : m.net}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="empty-state">No level moved up or down since {before}.</p>
          )}
        </section>
      ) : null}

      <section className="card" aria-labelledby="gaps-heading">
        <h2 id="gaps-heading">Top gaps that remain</h2>
        {s.topGaps.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">Score</th>
                  <th scope="col">People short</th>
                  <th scope="col">Of them mentored</th>
                </tr>
              </thead>
              <tbody>
                {s.topGaps.map((g) => (
                  <tr key={g.topicId}>
                    <th scope="row">
                      {g.name} <span className="muted small">{g.category}</span>
                    </th>
                    <td className="num">{g.score}</td>
                    <td className="num">{g.peopleShort}</td>
                    <td className="num">{g.mentored}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : s.privacy && s.topics.length < s.scope.topics ? (
          <p className="muted">
            None among the topics at least {s.privacy.floor} people rated; the others are left out.
          </p>
        ) : (
          <p className="empty-state">No one is below target on any rated topic.</p>
        )}
      </section>

      <section className="card" aria-labelledby="coverage-heading">
        <h2 id="coverage-heading">Coverage: people Proficient or above, per topic</h2>
        {s.privacy && s.topics.length < s.scope.topics ? (
          <WithheldNote
            floor={s.privacy.floor}
            what={`${s.scope.topics - s.topics.length} topics left out`}
          />
        ) : null}
        {s.topics.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">{before}</th>
                  <th scope="col">{after}</th>
                </tr>
              </thead>
              <tbody>
                {s.topics.map((t) => (
                  <tr
                    key={t.topicId}
                    className={t.proficientAfter <= BUS_FACTOR_RISK_AT ? "risk" : undefined}
                  >
                    <th scope="row">
                      {t.name} <span className="muted small">{t.category}</span>
                    </th>
                    <td className="num">{t.proficientBefore ?? "withheld"}</td>
                    <td className="num">
                      {t.proficientAfter}
                      {t.proficientAfter <= BUS_FACTOR_RISK_AT ? (
                        <span className="badge danger">bus factor</span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      {report.perPerson ? (
        <section className="card" aria-labelledby="members-heading">
          <h2 id="members-heading">Each person&apos;s page</h2>
          <ul className="columns">
            {members.map((m) => (
              <li key={m.memberId}>
                <Link to={`/reports/${report.id}/members/${m.memberId}`}>{m.name}</Link>{" "}
                <span className="muted small">
                  {m.improved} up · {m.regressed} down
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}

/** A headline held back by the privacy floor. */
function Withheld({ floor }: { floor: number | undefined }) {
  return (
    <>
      <strong>—</strong>
      <span className="muted">Withheld: fewer than {floor} people rated</span>
    </>
  );
}
