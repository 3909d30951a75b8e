import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { summarizeOrganization } from "~/modules/accounts/organizations.server";
import { memberCycleStatus } from "~/modules/assessments/cycle-status.server";
import { todayIn } from "~/modules/assessments/cycles.server";
import { listMentorships } from "~/modules/mentoring/mentorships.server";
import { gapHeadlines, type GapHeadline } from "~/modules/gaps/gap-headlines.server";
import { MustHaveTrendChart } from "~/components/gap-charts";
import { useSortedRows } from "~/components/sortable";
import { percent } from "~/lib/format";

export const meta: MetaFunction = () => [{ title: "Dashboard · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const [cycle, summary, gaps, mine] = await Promise.all([
    memberCycleStatus(ctx.organization.id, ctx.membership.id),
    summarizeOrganization(ctx.organization.id),
    gapHeadlines(ctx),
    listMentorships(
      ctx.organization.id,
      { participant: ctx.membership.id },
      todayIn(ctx.organization.timeZone),
    ),
  ]);
  const me = ctx.membership.id;
  // Past its due date in the organisation's calendar and still not submitted.
  const assessmentOverdue =
    cycle?.cycle.status === "open" &&
    cycle.cycle.dueOn < todayIn(ctx.organization.timeZone) &&
    (cycle.assessmentStatus === "not_started" || cycle.assessmentStatus === "draft");
  const active = mine.filter((m) => m.status === "active");
  return {
    organization: ctx.organization,
    displayName: ctx.user.displayName,
    isAdmin: hasRole(ctx.membership.role, "admin"),
    cycle,
    assessmentOverdue,
    summary,
    gaps,
    mentoring: {
      toAnswer: mine.filter((m) => m.status === "proposed" && m.mentorId === me).length,
      mentoring: active.filter((m) => m.mentorId === me).length,
      mentored: active.filter((m) => m.menteeId === me).length,
      overdue: active.filter((m) => m.overdue).length,
    },
  };
}

const STATUS_TEXT: Record<string, { label: string; tone: string }> = {
  not_started: { label: "Not started", tone: "warning" },
  draft: { label: "Draft", tone: "warning" },
  submitted: { label: "Submitted", tone: "lead" },
  validated: { label: "Validated", tone: "success" },
};

export default function Dashboard() {
  const { date } = useDates();
  const { organization, displayName, isAdmin, cycle, assessmentOverdue, summary, gaps, mentoring } =
    useLoaderData<typeof loader>();
  const status = cycle ? STATUS_TEXT[cycle.assessmentStatus] : undefined;
  const gettingStarted =
    isAdmin && (summary.activeMembers <= 1 || summary.teams === 0 || summary.openedCycles === 0);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{organization.name}</h1>
          <p>Welcome, {displayName}.</p>
        </div>
      </div>

      {gettingStarted ? (
        <section className="card" aria-labelledby="next-steps">
          <h2 id="next-steps">Next steps</h2>
          <ol>
            <li>
              {summary.activeMembers <= 1 ? (
                <Link to="/admin/members">Invite your leads and engineers</Link>
              ) : (
                <s>Invite your leads and engineers</s>
              )}{" "}
              — each gets a single-use link by email, also shown on the members page.
            </li>
            <li>
              {summary.teams === 0 ? (
                <Link to="/admin/teams">Create your teams</Link>
              ) : (
                <s>Create your teams</s>
              )}{" "}
              and name their leads.
            </li>
            <li>
              <Link to="/framework">Review the skills framework</Link> — every organisation starts
              with the Node.js senior expectations and their role profiles.
            </li>
            <li>
              {summary.openedCycles === 0 ? (
                <Link to="/admin/cycles">Open the first review cycle</Link>
              ) : (
                <s>Open the first review cycle</s>
              )}{" "}
              — everyone then rates themselves, and the gaps, mentoring and reports follow.
            </li>
          </ol>
        </section>
      ) : null}

      <div className="grid cols-3">
        <section className="card" aria-labelledby="cycle-heading">
          <h2 id="cycle-heading">Your assessment</h2>
          {cycle && status ? (
            <>
              <p>
                {cycle.cycle.name} (
                {cycle.cycle.status === "open" ? `due ${date(cycle.cycle.dueOn)}` : "closed"}){" "}
                <span className={`badge ${status.tone}`}>{status.label}</span>{" "}
                {assessmentOverdue ? <span className="badge danger">Overdue</span> : null}
              </p>
              <p className="muted">
                {cycle.rated} of {cycle.topics} topics answered
              </p>
              {cycle.cycle.status === "open" ? (
                <Link className="button" to="/assessment">
                  {cycle.assessmentStatus === "draft" || cycle.assessmentStatus === "not_started"
                    ? "Continue your self-assessment"
                    : "View your self-assessment"}
                </Link>
              ) : (
                <Link to="/profile">See your profile</Link>
              )}
            </>
          ) : (
            <p className="empty-state">
              No review cycle has been opened yet. When one opens, your self-assessment starts here.
              {isAdmin ? (
                <>
                  {" "}
                  <Link to="/admin/cycles">Create and open a cycle</Link>.
                </>
              ) : null}
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="people-heading">
          <h2 id="people-heading">People</h2>
          <div className="stat">{summary.activeMembers}</div>
          <div className="stat-label">
            active members in {summary.teams} {summary.teams === 1 ? "team" : "teams"}
            {summary.pendingInvitations
              ? ` · ${summary.pendingInvitations} invitations pending`
              : ""}
          </div>
        </section>
        <section className="card" aria-labelledby="mentoring-heading">
          <h2 id="mentoring-heading">Mentoring</h2>
          {mentoring.toAnswer || mentoring.mentoring || mentoring.mentored ? (
            <ul>
              {mentoring.toAnswer ? (
                <li>
                  <strong>{mentoring.toAnswer}</strong>{" "}
                  {mentoring.toAnswer === 1 ? "proposal waits" : "proposals wait"} for your answer
                </li>
              ) : null}
              {mentoring.mentoring ? <li>{mentoring.mentoring} under way as mentor</li> : null}
              {mentoring.mentored ? <li>{mentoring.mentored} under way as mentee</li> : null}
              {mentoring.overdue ? (
                <li>
                  <span className="badge danger">{mentoring.overdue} check-in overdue</span>
                </li>
              ) : null}
            </ul>
          ) : (
            <p className="muted">No mentoring under way.</p>
          )}
          <Link to="/mentoring">Open my mentoring</Link>
        </section>
      </div>

      {gaps.organisation || gaps.teams.length ? <TeamComparison gaps={gaps} /> : null}
    </>
  );
}

type Headlines = ReturnType<typeof useLoaderData<typeof loader>>["gaps"];

const share = (part: { met: number; total: number } | null) =>
  part?.total ? part.met / part.total : null;

/** Percentage points between the last closed cycle's must-have share and today's. */
function mustHaveChange(g: GapHeadline) {
  const now = share(g.mustHave);
  const before = share(g.mustHaveBefore);
  return now === null || before === null ? null : Math.round((now - before) * 100);
}

function Change({ headline }: { headline: GapHeadline }) {
  const change = mustHaveChange(headline);
  if (change === null || !headline.mustHaveBefore) return <span className="muted">—</span>;
  const { cycleName } = headline.mustHaveBefore;
  const [arrow, word] = change > 0 ? ["▲", "up"] : change < 0 ? ["▼", "down"] : ["→", "level"];
  return (
    <span
      className={change > 0 ? "change up" : change < 0 ? "change down" : "change"}
      title={`${percent(headline.mustHaveBefore.met, headline.mustHaveBefore.total)} at ${cycleName}`}
    >
      <span aria-hidden="true">{arrow} </span>
      {change > 0 ? "+" : ""}
      {change} pts{" "}
      <span className="visually-hidden">
        ({word} since {cycleName})
      </span>
    </span>
  );
}

function HeadlineRow({ g }: { g: GapHeadline }) {
  const query = `?team=${g.team}`;
  return (
    <tr>
      <th scope="row">
        <Link to={`/gaps${query}`}>{g.name}</Link>
      </th>
      <td>{g.members}</td>
      <td>
        {g.completion ? (
          <span className="nowrap">
            {percent(g.completion.done, g.completion.people)}{" "}
            <span className="muted small">
              {g.completion.done}/{g.completion.people}
            </span>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        {g.completion?.overdue ? (
          <span className="badge danger">{g.completion.overdue}</span>
        ) : g.completion ? (
          0
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        {g.mustHave === null ? (
          <span className="muted">Withheld (too few rated)</span>
        ) : (
          percent(g.mustHave.met, g.mustHave.total)
        )}
      </td>
      <td>
        <Change headline={g} />
      </td>
      <td>
        {/* Before anyone has rated, every topic would count as uncovered: not a risk yet. */}
        {g.rated === 0 ? (
          <span className="muted">No ratings yet</span>
        ) : (
          <>
            <Link
              to={`/gaps/coverage${query}&risk=1`}
              aria-label={`${g.busFactorRisk} of ${g.topics} topics at risk`}
            >
              {g.busFactorRisk} of {g.topics}
            </Link>
          </>
        )}
      </td>
      <td>
        <Link to={`/gaps/review${query}`}>{g.awaitingValidation}</Link>
      </td>
      <td>
        <Link to={`/gaps/review${query}`}>{g.toCalibrate}</Link>
      </td>
    </tr>
  );
}

function TeamComparison({ gaps }: { gaps: Headlines }) {
  const { date } = useDates();
  const table = useSortedRows("teams", gaps.teams, {
    team: (g) => g.name,
    people: (g) => g.members,
    completion: (g) => (g.completion?.people ? g.completion.done / g.completion.people : null),
    overdue: (g) => g.completion?.overdue,
    musthave: (g) => share(g.mustHave),
    change: mustHaveChange,
    risk: (g) => (g.rated === 0 ? null : g.busFactorRisk),
    validation: (g) => g.awaitingValidation,
    calibration: (g) => g.toCalibrate,
  });
  return (
    <>
      <section className="card" aria-labelledby="gaps-heading">
        <h2 id="gaps-heading">Team gaps</h2>
        <p className="muted">
          {gaps.openCycle
            ? `Assessed and overdue: self-assessments of ${gaps.openCycle.name} (due ${date(gaps.openCycle.dueOn)}) submitted, and not submitted past the due date.`
            : "No cycle is open: assessed and overdue show once one opens."}{" "}
          Must-have met: today&apos;s levels, and the change since the last closed cycle. Bus-factor
          risks: topics with one person or nobody at Proficient or above. Sort by any column.
        </p>
        <div className="table-wrap">
          <table className="team-comparison">
            <thead>
              <tr>
                {table.header("team", "Team")}
                {table.header("people", "People")}
                {table.header("completion", "Assessed")}
                {table.header("overdue", "Overdue")}
                {table.header("musthave", "Must-have met")}
                {table.header("change", "Change since last cycle")}
                {table.header("risk", "Bus-factor risks")}
                {table.header("validation", "To validate")}
                {table.header("calibration", "To calibrate")}
              </tr>
            </thead>
            <tbody>
              {table.sorted.map((g) => (
                <HeadlineRow key={g.team} g={g} />
              ))}
            </tbody>
            {gaps.organisation ? (
              <tfoot>
                <HeadlineRow g={gaps.organisation} />
              </tfoot>
            ) : null}
          </table>
        </div>
      </section>
      {gaps.trend.length > 1 ? (
        <section className="card" aria-labelledby="org-trend-heading">
          <h2 id="org-trend-heading">Must-have targets met across the organisation</h2>
          <MustHaveTrendChart points={gaps.trend} height={180} />
        </section>
      ) : null}
    </>
  );
}
