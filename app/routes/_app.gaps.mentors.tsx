import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirectWithFlash } from "~/lib/flash.server";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormError, SelectField, failureOf } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { todayIn } from "~/modules/assessments/cycles.server";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { mentoringGap, suggestMentors } from "~/modules/mentoring/mentor-suggestions.server";
import { ProposeMentorshipSchema, proposeMentorship } from "~/modules/mentoring/mentorships.server";

// GET /gaps/mentors?mentee=…&topic=…: suggested mentors for one person's gap, and the form
// that proposes one.
export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const params = new URL(request.url).searchParams;
  return loadOrRespond(async () => {
    const { filters } = await resolveGapScope(ctx, params);
    const menteeId = params.get("mentee") ?? "";
    const topicId = params.get("topic") ?? "";
    const [gap, suggestions] = await Promise.all([
      mentoringGap(ctx, menteeId, topicId),
      suggestMentors(ctx, menteeId, topicId),
    ]);
    const due = new Date();
    due.setUTCDate(due.getUTCDate() + 90);
    return {
      query: filtersQuery(filters),
      gap,
      suggestions,
      isAdmin: hasRole(ctx.membership.role, "admin"),
      defaults: {
        goalLevel: Math.min(4, Math.max(gap.target ?? 0, (gap.level ?? 0) + 1)),
        dueOn: todayIn(ctx.organization.timeZone, due),
      },
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const search = new URL(request.url).searchParams;
  return handleFormErrors(async () => {
    const input = await parseForm(request, ProposeMentorshipSchema);
    await proposeMentorship(ctx, input, clientIp(context));
    const { filters } = await resolveGapScope(ctx, search);
    throw await redirectWithFlash(
      `/gaps/mentoring${filtersQuery(filters)}`,
      "Mentorship proposed: the mentor is asked to accept it.",
    );
  });
}

const LEVELS = ["0 None", "1 Aware", "2 Working", "3 Proficient", "4 Expert"];

export default function FindMentor() {
  const { gap, suggestions, isAdmin, defaults, query } = useLoaderData<typeof loader>();
  const failure = failureOf(useActionData<typeof action>());
  const busy = useNavigation().state === "submitting";
  const name = gap.mentee.display_name;
  return (
    <section className="card" aria-labelledby="find-mentor">
      <p className="muted">
        <Link to={`/gaps/mentoring${query}`}>Mentoring</Link> ›{" "}
        <Link to={`/gaps/members/${gap.mentee.id}${query}`}>{name}</Link>
      </p>
      <h2 id="find-mentor">
        A mentor for {name} on {gap.topic.name}
      </h2>
      <p>
        Now at {gap.level ?? "—"}, target {gap.target ?? "—"}
        {gap.wantToLearn ? <span className="badge lead">Wants to learn</span> : null}. Suggested
        from the framework: people at Proficient or above on the topic, or offering to mentor it;
        those with a free slot (cap {gap.capacity}) first, then by level, free slots and a shared
        team.
      </p>
      {suggestions.length === 0 ? (
        <p className="empty-state">
          Nobody is Proficient or above on {gap.topic.name} or offers to mentor it yet: a bus-factor
          risk worth raising. People can offer on their self-assessment.
        </p>
      ) : (
        <Form method="post" className="stack" noValidate>
          <FormError failure={failure} />
          <input type="hidden" name="menteeId" value={gap.mentee.id} />
          <input type="hidden" name="topicId" value={gap.topic.id} />
          <fieldset
            aria-describedby={failure?.fieldErrors.mentorId ? "mentor-error" : undefined}
            className="mentor-choices"
          >
            <legend>Mentor</legend>
            {suggestions.map((s, i) => (
              <label key={s.memberId} className="mentor-choice">
                <input type="radio" name="mentorId" value={s.memberId} defaultChecked={i === 0} />
                <span>
                  <strong>{s.displayName}</strong>
                  {s.title ? <span className="muted"> · {s.title}</span> : null}
                  <span className="muted reason">{s.reason}</span>
                </span>
              </label>
            ))}
            {failure?.fieldErrors.mentorId ? (
              <span id="mentor-error" className="field-error">
                {failure.fieldErrors.mentorId}
              </span>
            ) : null}
          </fieldset>
          <div className="inline-form">
            <SelectField
              label="Goal level"
              name="goalLevel"
              defaultValue={String(defaults.goalLevel)}
              options={LEVELS.slice(1).map((label, i) => ({ value: String(i + 1), label }))}
              error={failure?.fieldErrors.goalLevel}
            />
            <Field
              label="Check in every (days)"
              name="cadenceDays"
              type="number"
              min={1}
              max={365}
              defaultValue={14}
              error={failure?.fieldErrors.cadenceDays}
            />
            <Field
              label="Due"
              name="dueOn"
              type="date"
              defaultValue={defaults.dueOn}
              error={failure?.fieldErrors.dueOn}
            />
          </div>
          {isAdmin ? (
            <label className="checkbox">
              <input type="checkbox" name="overrideCapacity" value="on" /> Assign even if the mentor
              is at the cap (recorded in the audit log)
            </label>
          ) : null}
          <div>
            <button type="submit" disabled={busy}>
              Propose mentorship
            </button>
          </div>
        </Form>
      )}
    </section>
  );
}
