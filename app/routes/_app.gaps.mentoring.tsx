import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { MentorshipTable } from "~/components/mentorship-list";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { todayIn } from "~/modules/assessments/cycles.server";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { unmentoredGaps } from "~/modules/gaps/team-gaps.server";
import { listMentorships } from "~/modules/mentoring/mentorships.server";

// The lead's mentoring board for the view's people: mentorships under way, overdue
// check-ins, proposals waiting for the mentor, and the biggest gaps nobody mentors yet.
export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const { scope, filters } = await resolveGapScope(ctx, new URL(request.url).searchParams);
    const today = todayIn(ctx.organization.timeZone);
    const [mentorships, gaps] = await Promise.all([
      listMentorships(ctx.organization.id, { menteesIn: scope }, today),
      unmentoredGaps(scope),
    ]);
    const open = mentorships.filter((m) => m.status === "active" || m.status === "proposed");
    return {
      query: filtersQuery(filters),
      overdue: open.filter((m) => m.overdue),
      active: open.filter((m) => m.status === "active" && !m.overdue),
      proposed: open.filter((m) => m.status === "proposed"),
      ended: mentorships.filter((m) => m.status === "completed").slice(0, 20),
      gaps,
    };
  });
}

export default function MentoringBoard() {
  const { overdue, active, proposed, ended, gaps, query } = useLoaderData<typeof loader>();
  return (
    <>
      <section className="card" aria-labelledby="unmentored-heading">
        <h2 id="unmentored-heading">Biggest gaps without a mentor</h2>
        {gaps.length === 0 ? (
          <p className="empty-state">Every gap in this view has a mentor proposed or under way.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Level → target</th>
                  <th scope="col">Score</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {gaps.map((g) => (
                  <tr key={`${g.memberId}-${g.topicId}`}>
                    <th scope="row">
                      <Link to={`/gaps/members/${g.memberId}${query}`}>{g.displayName}</Link>
                    </th>
                    <td>
                      <Link to={`/gaps/topics/${g.topicId}${query}`}>{g.topicName}</Link>
                      {g.wantToLearn ? <span className="badge lead">Wants to learn</span> : null}
                    </td>
                    <td>
                      {g.level} → {g.target}
                    </td>
                    <td>{g.score}</td>
                    <td>
                      <Link to={`/gaps/mentors${query}&mentee=${g.memberId}&topic=${g.topicId}`}>
                        Find a mentor
                        <span className="visually-hidden">
                          {" "}
                          for {g.displayName} on {g.topicName}
                        </span>
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {[
        {
          key: "overdue",
          title: "Overdue check-ins",
          rows: overdue,
          empty: "No check-in is overdue.",
        },
        {
          key: "active",
          title: "Under way",
          rows: active,
          empty: "No mentorship is under way in this view.",
        },
        {
          key: "proposed",
          title: "Waiting for the mentor",
          rows: proposed,
          empty: "No proposal is waiting.",
        },
        { key: "ended", title: "Recently completed", rows: ended, empty: "None completed yet." },
      ].map(({ key, title, rows, empty }) => (
        <section className="card" aria-labelledby={`${key}-heading`} key={key}>
          <h2 id={`${key}-heading`}>{title}</h2>
          {rows.length ? (
            <MentorshipTable mentorships={rows} caption={title} />
          ) : (
            <p className="empty-state">{empty}</p>
          )}
        </section>
      ))}
    </>
  );
}
