import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { LEVEL_COLOURS } from "~/components/gap-charts";
import { loadOrRespond, notFound } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { topicDetail, type TopicPerson } from "~/modules/gaps/team-gaps.server";
import { MentorshipTable } from "~/components/mentorship-list";
import { todayIn } from "~/modules/assessments/cycles.server";
import { listMentorships } from "~/modules/mentoring/mentorships.server";
import type { ReactNode } from "react";
import { z } from "zod";
import { WithheldNote } from "~/components/withheld-note";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const topicId = z.uuid().safeParse(params.topicId);
    if (!topicId.success) throw notFound("Topic");
    const { scope, filters } = await resolveGapScope(ctx, new URL(request.url).searchParams);
    const detail = await topicDetail(scope, topicId.data);
    if (!detail) throw notFound("Topic");
    const mentorships = await listMentorships(
      ctx.organization.id,
      { topicId: topicId.data, menteesIn: { ...scope, categoryId: null, priority: null } },
      todayIn(ctx.organization.timeZone),
    );
    return {
      mentorships: mentorships.filter((m) => m.status === "active" || m.status === "proposed"),
      query: filtersQuery(filters),
      privacyFloor: scope.privacyFloor,
      ...detail,
      distribution: detail.chartsHidden ? null : detail.distribution,
    };
  });
}

const LEVEL_NAMES = ["None", "Aware", "Working", "Proficient", "Expert"];
const show = (value: number | null | undefined) =>
  value === undefined ? "—" : value === null ? "N/A" : String(value);

function PeopleTable({
  people,
  query,
  caption,
  action,
}: {
  people: TopicPerson[];
  query: string;
  caption: string;
  action?: (person: TopicPerson) => ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Level</th>
            <th scope="col">Self</th>
            <th scope="col">Lead</th>
            <th scope="col">Target</th>
            <th scope="col">Notes</th>
            {action ? (
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.memberId}>
              <th scope="row">
                <Link to={`/gaps/members/${p.memberId}${query}`}>{p.displayName}</Link>
                {p.title ? <span className="muted"> · {p.title}</span> : null}
              </th>
              <td>
                {show(p.level)}
                {p.stale ? <span className="badge">Stale</span> : null}
              </td>
              <td>{show(p.self)}</td>
              <td>{show(p.lead)}</td>
              <td>{p.target ?? "—"}</td>
              <td>
                {p.canMentor ? <span className="badge success">Can mentor</span> : null}
                {p.wantToLearn ? <span className="badge lead">Wants to learn</span> : null}
                {p.mentored ? <span className="badge">Has a mentor</span> : null}
              </td>
              {action ? <td>{action(p)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function TopicPage() {
  const data = useLoaderData<typeof loader>();
  const max = data.distribution ? Math.max(1, ...data.distribution) : 1;
  return (
    <>
      <section className="card" aria-labelledby="topic-heading">
        <p className="muted">
          <Link to={`/gaps${data.query}`}>Team gaps</Link> › {data.topic.category}
        </p>
        <h2 id="topic-heading">
          {data.topic.name}
          {data.topic.retired ? <span className="badge">Retired</span> : null}
        </h2>
        {data.topic.description ? <p>{data.topic.description}</p> : null}
        {data.distribution ? (
          <div className="table-wrap">
            <table className="distribution">
              <caption>
                Levels of the {data.members} people in view ({data.notApplicable} N/A,{" "}
                {data.unrated} not rated)
              </caption>
              <tbody>
                {data.distribution.map((count, level) => (
                  <tr key={level}>
                    <th scope="row">
                      {level} {LEVEL_NAMES[level]}
                    </th>
                    <td>
                      <span
                        className="bar"
                        style={{
                          width: `${(count / max) * 100}%`,
                          background: LEVEL_COLOURS[level],
                        }}
                      />
                    </td>
                    <td>{count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <WithheldNote floor={data.privacyFloor} what="The distribution of levels" />
        )}
      </section>
      <section className="card" aria-labelledby="strong-heading">
        <h2 id="strong-heading">Strong here — possible mentors ({data.strong.length})</h2>
        {data.strong.length ? (
          <PeopleTable
            people={data.strong}
            query={data.query}
            caption="Proficient or above, or offering to mentor"
          />
        ) : (
          <p className="empty-state">
            Nobody in view is Proficient or above, or offers to mentor: a bus-factor risk.
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="short-heading">
        <h2 id="short-heading">Below target ({data.short.length})</h2>
        {data.short.length ? (
          <PeopleTable
            people={data.short}
            query={data.query}
            caption="Below their target, biggest gap first"
            action={(p) =>
              p.mentored ? null : (
                <Link to={`/gaps/mentors${data.query}&mentee=${p.memberId}&topic=${data.topic.id}`}>
                  Find a mentor
                  <span className="visually-hidden"> for {p.displayName}</span>
                </Link>
              )
            }
          />
        ) : (
          <p className="empty-state">Everyone rated is at or above their target.</p>
        )}
      </section>
      <section className="card" aria-labelledby="mentoring-heading">
        <h2 id="mentoring-heading">Mentoring on this topic</h2>
        {data.mentorships.length ? (
          <MentorshipTable mentorships={data.mentorships} caption="Mentorships on this topic" />
        ) : (
          <p className="empty-state">No mentorship on this topic is proposed or under way.</p>
        )}
      </section>
    </>
  );
}
