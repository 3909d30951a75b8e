import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { summarizeOrganization } from "~/modules/accounts/organizations.server";
import { memberCycleStatus } from "~/modules/assessments/cycle-status.server";
import { todayIn } from "~/modules/assessments/cycles.server";
import { listMentorships } from "~/modules/mentoring/mentorships.server";
import { gapHeadlines } from "~/modules/gaps/gap-headlines.server";

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
  const active = mine.filter((m) => m.status === "active");
  return {
    organization: ctx.organization,
    displayName: ctx.user.displayName,
    isAdmin: hasRole(ctx.membership.role, "admin"),
    cycle,
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
  const { organization, displayName, isAdmin, cycle, summary, gaps, mentoring } =
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
                {cycle.cycle.status === "open" ? `due ${cycle.cycle.dueOn}` : "closed"}){" "}
                <span className={`badge ${status.tone}`}>{status.label}</span>
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

      {gaps.length ? (
        <section className="card" aria-labelledby="gaps-heading">
          <h2 id="gaps-heading">Team gaps</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">View</th>
                  <th scope="col">People</th>
                  <th scope="col">Must-have met</th>
                  <th scope="col">Bus-factor risk</th>
                  <th scope="col">Awaiting validation</th>
                  <th scope="col">To calibrate</th>
                </tr>
              </thead>
              <tbody>
                {gaps.map((g) => {
                  const query = `?team=${g.team}`;
                  return (
                    <tr key={g.team}>
                      <th scope="row">
                        <Link to={`/gaps${query}`}>{g.name}</Link>
                      </th>
                      <td>{g.members}</td>
                      <td>
                        {g.mustHave.total
                          ? `${Math.round((g.mustHave.met / g.mustHave.total) * 100)}%`
                          : "—"}
                      </td>
                      <td>
                        <Link to={`/gaps/coverage${query}&risk=1`}>
                          {g.busFactorRisk} of {g.topics} topics
                        </Link>
                        {g.busFactorRisk ? <span className="badge danger">Risk</span> : null}
                      </td>
                      <td>
                        <Link to={`/gaps/review${query}`}>{g.awaitingValidation}</Link>
                      </td>
                      <td>
                        <Link to={`/gaps/review${query}`}>{g.toCalibrate}</Link>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
