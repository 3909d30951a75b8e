import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ProfileHistory, ProfileRadar } from "~/components/profile-charts";
import { ProfileTopicTable } from "~/components/profile-topics";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { viewableMember } from "~/modules/accounts/visibility.server";
import { memberCycleStatus } from "~/modules/assessments/cycle-status.server";
import { memberProfile } from "~/modules/assessments/member-profile.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.profile.member.displayName ?? "Member"} · Team gaps · Gapmap` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const now = new Date();
  return loadOrRespond(async () => {
    const member = await viewableMember(ctx, params.memberId ?? "");
    const [profile, cycle] = await Promise.all([
      memberProfile(ctx.organization.id, member.id, now),
      memberCycleStatus(ctx.organization.id, member.id),
    ]);
    return {
      profile,
      cycle,
      active: member.active,
      isSelf: member.id === ctx.membership.id,
      // The gap view's filters, so "back" returns to the same view.
      back: `/gaps${new URL(request.url).search}`,
      now: now.toISOString(),
    };
  });
}

const STATUS: Record<string, string> = {
  not_started: "Not started",
  draft: "Draft",
  submitted: "Submitted — waiting for validation",
  validated: "Validated",
};

export default function MemberGaps() {
  const { profile, cycle, active, isSelf, back, now } = useLoaderData<typeof loader>();
  const { member, categories, topics, history } = profile;
  const filters = back.slice("/gaps".length);
  const validateTo = `/gaps/members/${member.id}/validate${filters}`;
  const mentorsBase = `/gaps/mentors${filters || "?"}`;
  return (
    <>
      <p className="muted">
        <Link to={back}>← Team gaps</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {member.displayName}
            {active ? null : <span className="badge">Deactivated</span>}
          </h1>
          <p>
            {member.title ? `${member.title} · ` : ""}
            {member.profileName ? `Target profile: ${member.profileName}` : "No target profile set"}
          </p>
        </div>
        {cycle &&
        cycle.cycle.status === "open" &&
        !isSelf &&
        (cycle.assessmentStatus === "submitted" || cycle.assessmentStatus === "validated") ? (
          <Link className="button" to={validateTo}>
            {cycle.assessmentStatus === "submitted" ? "Validate assessment" : "Review validation"}
          </Link>
        ) : null}
      </div>
      {cycle ? (
        <p>
          {cycle.cycle.name}:{" "}
          <strong>{STATUS[cycle.assessmentStatus] ?? cycle.assessmentStatus}</strong>
        </p>
      ) : null}
      <section className="card" aria-labelledby="radar-heading">
        <h2 id="radar-heading">Self, lead and target by category</h2>
        <ProfileRadar rows={categories} whose={`${member.displayName}'s`} />
      </section>
      {history.length > 1 ? (
        <section className="card" aria-labelledby="history-heading">
          <h2 id="history-heading">Over the cycles</h2>
          <ProfileHistory
            categories={categories}
            points={history}
            whose={`${member.displayName}'s`}
          />
        </section>
      ) : null}
      <section className="card" aria-labelledby="topics-heading">
        <h2 id="topics-heading">Every topic</h2>
        <ProfileTopicTable
          categories={categories}
          topics={topics}
          now={now}
          gapAction={(topicId) => (
            <Link to={`${mentorsBase}&mentee=${member.id}&topic=${topicId}`}>Find a mentor</Link>
          )}
        />
      </section>
    </>
  );
}
