import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { formSucceeded } from "~/lib/flash.server";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { MentorshipTable } from "~/components/mentorship-list";
import { FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { todayIn } from "~/modules/assessments/cycles.server";
import { listMentorships, respondToMentorship } from "~/modules/mentoring/mentorships.server";

export const meta: MetaFunction = () => [{ title: "My mentoring · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const mine = await listMentorships(
    ctx.organization.id,
    { participant: ctx.membership.id },
    todayIn(ctx.organization.timeZone),
  );
  const me = ctx.membership.id;
  return {
    toAnswer: mine.filter((m) => m.status === "proposed" && m.mentorId === me),
    mentoring: mine.filter((m) => m.status === "active" && m.mentorId === me),
    mentored: mine.filter(
      (m) => (m.status === "active" || m.status === "proposed") && m.menteeId === me,
    ),
    ended: mine.filter((m) => m.status !== "active" && m.status !== "proposed"),
  };
}

const AnswerSchema = z.object({
  mentorshipId: z.uuid({ error: "Unknown mentorship." }),
  answer: z.enum(["accept", "decline"], { error: "Accept or decline." }),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request);
  return handleFormErrors(async () => {
    const { mentorshipId, answer } = await parseForm(request, AnswerSchema);
    await respondToMentorship(ctx, mentorshipId, answer, clientIp(context));
    return formSucceeded(
      request,
      answer === "accept" ? "Accepted: log your first check-in when you meet." : "Declined.",
    );
  });
}

export default function MyMentoring() {
  const { toAnswer, mentoring, mentored, ended } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
  const nothing = !toAnswer.length && !mentoring.length && !mentored.length && !ended.length;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>My mentoring</h1>
          <p>Mentorships you give and receive, and their check-ins.</p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>
      <FormError failure={failure} />
      {nothing ? (
        <p className="empty-state">
          No mentoring yet. Your lead proposes mentors from the team&apos;s gaps; you can offer to
          mentor a topic (or say you want to learn it) on your{" "}
          <Link to="/assessment">self-assessment</Link>.
        </p>
      ) : null}
      {toAnswer.length ? (
        <section className="card" aria-labelledby="answer-heading">
          <h2 id="answer-heading">Waiting for your answer</h2>
          <ul className="plain-list">
            {toAnswer.map((m) => (
              <li key={m.id}>
                <Link to={`/mentoring/${m.id}`}>
                  Mentor {m.menteeName} on {m.topicName}
                </Link>{" "}
                (now {m.levelBefore ?? "—"}, goal {m.goalLevel}, check-ins every {m.cadenceDays}{" "}
                days)
                <Form method="post" className="inline-form">
                  <input type="hidden" name="mentorshipId" value={m.id} />
                  <button type="submit" name="answer" value="accept">
                    Accept
                  </button>
                  <button type="submit" name="answer" value="decline" className="secondary">
                    Decline
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {mentoring.length ? (
        <section className="card" aria-labelledby="mentoring-heading">
          <h2 id="mentoring-heading">You mentor</h2>
          <MentorshipTable mentorships={mentoring} caption="You mentor" />
        </section>
      ) : null}
      {mentored.length ? (
        <section className="card" aria-labelledby="mentored-heading">
          <h2 id="mentored-heading">Your mentors</h2>
          <MentorshipTable mentorships={mentored} caption="Your mentors" />
        </section>
      ) : null}
      {ended.length ? (
        <section className="card" aria-labelledby="ended-heading">
          <h2 id="ended-heading">Ended</h2>
          <MentorshipTable mentorships={ended} caption="Ended mentorships" />
        </section>
      ) : null}
    </>
  );
}
