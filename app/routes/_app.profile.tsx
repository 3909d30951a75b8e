import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ProfileHistory, ProfileRadar } from "~/components/profile-charts";
import { ProfileTopicTable } from "~/components/profile-topics";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { memberProfile } from "~/modules/assessments/member-profile.server";
import { teamStanding } from "~/modules/gaps/team-standing.server";
import { TeamStandingPanel } from "~/components/team-standing";

export const meta: MetaFunction = () => [{ title: "My profile · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const now = new Date();
  // Always the caller's own profile: nothing in the request picks the member.
  const [profile, standing] = await loadOrRespond(() =>
    Promise.all([
      memberProfile(ctx.organization.id, ctx.membership.id, now),
      teamStanding(ctx.organization.id, ctx.membership.id),
    ]),
  );
  return { profile, standing, now: now.toISOString() };
}

export default function Profile() {
  const { profile, standing, now } = useLoaderData<typeof loader>();
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
          <TeamStandingPanel teams={standing} />
          <section className="card" aria-labelledby="topics-heading">
            <h2 id="topics-heading">Every topic</h2>
            <ProfileTopicTable categories={categories} topics={topics} now={now} />
          </section>
        </>
      )}
    </>
  );
}
