import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  Field,
  FormError,
  SelectField,
  failureOf,
  FormSuccess,
  useResetOnSuccess,
} from "~/components/forms";
import { handleFormErrors, invalid, loadOrRespond } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  CheckInSchema,
  endMentorship,
  getMentorship,
  logCheckIn,
  respondToMentorship,
} from "~/modules/mentoring/mentorships.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `${data.mentorship.mentorName} → ${data.mentorship.menteeName} · Gapmap`
      : "Mentorship · Gapmap",
  },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return loadOrRespond(() => getMentorship(ctx, params.mentorshipId ?? ""));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request);
  const id = params.mentorshipId ?? "";
  const ip = clientIp(context);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    switch (form.get("intent")) {
      case "checkin":
        await logCheckIn(ctx, id, parseFormData(form, CheckInSchema));
        return { ok: true as const, message: "Check-in logged." };
      case "accept":
      case "decline": {
        const answer = form.get("intent") as "accept" | "decline";
        await respondToMentorship(ctx, id, answer, ip);
        return { ok: true as const, message: answer === "accept" ? "Accepted." : "Declined." };
      }
      case "complete":
        await endMentorship(ctx, id, "completed", ip);
        return { ok: true as const, message: "Marked completed." };
      case "cancel":
        await endMentorship(ctx, id, "cancelled", ip);
        return { ok: true as const, message: "Cancelled." };
      default:
        throw invalid("Unknown action.");
    }
  });
}

const LEVELS = ["0 None", "1 Aware", "2 Working", "3 Proficient", "4 Expert"];
const show = (value: number | null) => (value === null ? "—" : String(value));

export default function MentorshipPage() {
  const { date } = useDates();
  const { mentorship: m, role, checkIns, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
  const busy = useNavigation().state === "submitting";
  const checkInForm = useResetOnSuccess(result);
  const participant = role === "mentor" || role === "mentee";
  const open = m.status === "active" || m.status === "proposed";
  return (
    <>
      <p className="muted">
        <Link to="/mentoring">← My mentoring</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {m.mentorName} mentors {m.menteeName}
          </h1>
          <p>
            {m.topicName} · goal level {m.goalLevel} · check-ins every {m.cadenceDays} days
            {m.dueOn ? ` · due ${date(m.dueOn)}` : ""} · <span className="badge">{m.status}</span>
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>
      <FormError failure={failure} />

      <div className="grid cols-3 stats">
        <section className="card stat" aria-labelledby="before-heading">
          <div className="stat-label" id="before-heading">
            {m.menteeName}&apos;s level when proposed → now
          </div>
          <strong>
            {show(m.levelBefore)} → {show(m.levelNow)}
          </strong>
          <span className="muted">
            {m.levelNow !== null && m.levelBefore !== null && m.levelNow > m.levelBefore
              ? "Moved up since the mentorship began."
              : "The next self-assessment or validation shows whether it moved."}
          </span>
        </section>
        <section className="card stat" aria-labelledby="next-heading">
          <div className="stat-label" id="next-heading">
            Next check-in
          </div>
          <strong>{date(m.nextCheckIn)}</strong>
          {m.overdue ? <span className="badge danger">Overdue</span> : null}
          <span className="muted">
            {m.checkIns} logged{m.lastCheckIn ? `, last on ${date(m.lastCheckIn)}` : ""}
          </span>
        </section>
        <section className="card" aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          <Form method="post" className="inline-form">
            {m.status === "proposed" && role === "mentor" ? (
              <>
                <button type="submit" name="intent" value="accept" disabled={busy}>
                  Accept
                </button>
                <button type="submit" name="intent" value="decline" className="secondary">
                  Decline
                </button>
              </>
            ) : null}
            {m.status === "active" ? (
              <button type="submit" name="intent" value="complete" className="secondary">
                Mark completed
              </button>
            ) : null}
            {open ? (
              <button type="submit" name="intent" value="cancel" className="secondary">
                Cancel mentorship
              </button>
            ) : null}
            {!open ? <p className="muted">This mentorship has ended.</p> : null}
          </Form>
        </section>
      </div>

      {m.status === "active" && participant ? (
        <section className="card" aria-labelledby="checkin-heading">
          <h2 id="checkin-heading">Log a check-in</h2>
          <Form method="post" className="stack" noValidate ref={checkInForm}>
            <input type="hidden" name="intent" value="checkin" />
            <div className="inline-form">
              <Field
                label="Date"
                name="occurredOn"
                type="date"
                defaultValue={today}
                max={today}
                required
                error={failure?.fieldErrors.occurredOn}
              />
              <SelectField
                label={`${m.menteeName}'s level now (optional)`}
                name="levelEstimate"
                defaultValue=""
                options={[
                  { value: "", label: "— no estimate" },
                  ...LEVELS.map((label, i) => ({ value: String(i), label })),
                ]}
                error={failure?.fieldErrors.levelEstimate}
              />
            </div>
            <div className="field">
              <label htmlFor="checkin-notes">Notes</label>
              <textarea
                id="checkin-notes"
                name="notes"
                rows={3}
                maxLength={2000}
                aria-invalid={failure?.fieldErrors.notes ? true : undefined}
              />
              {failure?.fieldErrors.notes ? (
                <span className="field-error">{failure.fieldErrors.notes}</span>
              ) : null}
            </div>
            <div>
              <button type="submit" disabled={busy}>
                Log check-in
              </button>
            </div>
          </Form>
        </section>
      ) : null}

      <section className="card" aria-labelledby="checkins-heading">
        <h2 id="checkins-heading">Check-ins</h2>
        {checkIns.length === 0 ? (
          <p className="empty-state">No check-ins yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Level estimate</th>
                  <th scope="col">Notes</th>
                  <th scope="col">Logged by</th>
                </tr>
              </thead>
              <tbody>
                {checkIns.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">{date(c.occurred_on)}</th>
                    <td>{show(c.level_estimate)}</td>
                    <td className="prewrap">{c.notes ?? ""}</td>
                    <td>{c.logged_by ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
