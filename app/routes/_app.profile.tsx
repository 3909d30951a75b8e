import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ProfileHistory, ProfileRadar } from "~/components/profile-charts";
import { loadOrRespond } from "~/lib/errors.server";
import { relativeAge } from "~/lib/relative-age";
import { requireMember } from "~/modules/accounts/auth.server";
import { memberProfile } from "~/modules/assessments/member-profile.server";
import { PRIORITY_LABEL } from "~/modules/frameworks/priorities";

export const meta: MetaFunction = () => [{ title: "My profile · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const now = new Date();
  // Always the caller's own profile: nothing in the request picks the member.
  const profile = await loadOrRespond(() =>
    memberProfile(ctx.organization.id, ctx.membership.id, now),
  );
  return { profile, now: now.toISOString() };
}

function level(value: number | null | undefined) {
  return value === undefined ? "—" : value === null ? "N/A" : String(value);
}

export default function Profile() {
  const { profile, now } = useLoaderData<typeof loader>();
  const { member, categories, topics, history } = profile;
  const rated = topics.some((t) => t.self !== undefined);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{member.displayName}</h1>
          <p>
            {member.title ? `${member.title} · ` : ""}
            {member.profileName
              ? `Target profile: ${member.profileName}`
              : "No target profile set: ask an admin to pick one."}
          </p>
        </div>
      </div>
      {!rated ? (
        <p className="empty-state">
          No ratings yet: your profile fills in when you rate your first topics in the{" "}
          <Link to="/assessment">self-assessment</Link>.
        </p>
      ) : (
        <>
          <section className="card" aria-labelledby="radar-heading">
            <h2 id="radar-heading">Self, lead and target by category</h2>
            <ProfileRadar rows={categories} />
          </section>
          <section className="card" aria-labelledby="history-heading">
            <h2 id="history-heading">Over the cycles</h2>
            {history.length > 1 ? (
              <ProfileHistory categories={categories} points={history} />
            ) : (
              <p className="muted">The trend appears after your second review cycle.</p>
            )}
          </section>
          <section className="card" aria-labelledby="topics-heading">
            <h2 id="topics-heading">Every topic</h2>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Current level per topic</caption>
                <thead>
                  <tr>
                    <th scope="col">Topic</th>
                    <th scope="col">Self</th>
                    <th scope="col">Lead</th>
                    <th scope="col">Target</th>
                    <th scope="col">Priority</th>
                    <th scope="col">Self rating confirmed</th>
                  </tr>
                </thead>
                {categories.map((c) => (
                  <tbody key={c.id}>
                    <tr>
                      <th scope="colgroup" colSpan={6} className="group-row">
                        {c.name}
                      </th>
                    </tr>
                    {topics
                      .filter((t) => t.categoryId === c.id)
                      .map((t) => (
                        <tr key={t.id}>
                          <th scope="row">{t.name}</th>
                          <td>{level(t.self)}</td>
                          <td>{level(t.lead)}</td>
                          <td>{level(t.target)}</td>
                          <td>{t.priority ? PRIORITY_LABEL[t.priority] : "—"}</td>
                          <td>
                            {t.selfRatedAt ? relativeAge(t.selfRatedAt, now) : "not rated"}
                            {t.stale ? <span className="badge warning"> Stale</span> : null}
                          </td>
                        </tr>
                      ))}
                  </tbody>
                ))}
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
