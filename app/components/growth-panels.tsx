import { Form, Link } from "@remix-run/react";
import { useDates } from "~/components/dates";
import {
  FormError,
  SelectField,
  FormSuccess,
  failureOf,
  successOf,
  useResetOnSuccess,
} from "~/components/forms";
import { isWebUrl } from "~/modules/frameworks/learning-resources";
import { PRIORITY_LABEL } from "~/modules/frameworks/priorities";
import type { MemberGrowth } from "~/modules/growth/member-growth.server";
import { MAX_GOALS } from "~/modules/growth/plan-schemas";

// The readiness and plan panels shared by the engineer's "Next level" page and the lead's
// member page. Plain forms: each works without JavaScript.

type Growth = Omit<MemberGrowth, "member"> & { member: { id: string; displayName: string } };

const LEVELS = [0, 1, 2, 3, 4].map((l) => ({ value: String(l), label: `Level ${l}` }));

export function ReadinessPanel({ growth, whose }: { growth: Growth; whose: string }) {
  const { readiness, trend, profiles, plan, choices } = growth;
  const inPlan = new Set(plan?.goals.map((g) => g.topicId));
  const full = (plan?.goals.length ?? 0) >= MAX_GOALS;
  // A goal from a blocking topic is due by the next cycle after the open one, if planned.
  const dueDefault =
    choices.cycles.find((c) => c.status === "planned")?.id ?? choices.openCycle?.id ?? null;
  return (
    <>
      <section className="card" aria-labelledby="readiness-heading">
        <h2 id="readiness-heading">
          Readiness for {readiness.profile?.name ?? "—"}
          {readiness.ready ? <span className="badge">Every must-have met</span> : null}
        </h2>
        <Form method="get" className="inline-form" aria-label="Choose the profile">
          <SelectField
            label="Measure against"
            name="profile"
            defaultValue={readiness.isDefaultProfile ? "" : (readiness.profile?.id ?? "")}
            options={[
              { value: "", label: "The next level up (default)" },
              ...profiles.map((p) => ({ value: p.id, label: p.name })),
            ]}
          />
          <button type="submit" className="small secondary">
            Show
          </button>
        </Form>
        <p className="muted">
          {whose} profile: {readiness.ownProfile?.name ?? "none set"}. A topic is met when the level
          (the lead&apos;s once validated, else the person&apos;s own) reaches the target.
        </p>
        <div className="grid cols-4">
          <div>
            <div className="stat" data-testid="must-have">
              {readiness.mustHave.met} of {readiness.mustHave.total}
            </div>
            <div className="stat-label">must-have targets met</div>
          </div>
          <div>
            <div className="stat" data-testid="good-to-have">
              {readiness.goodToHave.met} of {readiness.goodToHave.total}
            </div>
            <div className="stat-label">good-to-have met</div>
          </div>
          <div>
            <div className="stat" data-testid="score">
              {readiness.score}
            </div>
            <div className="stat-label">weighted gap (priority weight × levels short)</div>
          </div>
          <div>
            <div className="stat">{readiness.unrated}</div>
            <div className="stat-label">targets not yet rated</div>
          </div>
        </div>
      </section>
      <section className="card" aria-labelledby="blocking-heading">
        <h2 id="blocking-heading">Topics that block</h2>
        {readiness.blocking.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Level</th>
                  <th scope="col">Target</th>
                  <th scope="col">Score</th>
                  <th scope="col">Plan</th>
                </tr>
              </thead>
              <tbody>
                {readiness.blocking.map((b) => (
                  <tr key={b.topicId}>
                    <th scope="row">
                      {b.name} <span className="muted">· {b.category}</span>
                    </th>
                    <td>{PRIORITY_LABEL[b.priority]}</td>
                    <td>{b.level}</td>
                    <td>{b.target}</td>
                    <td>{b.score}</td>
                    <td>
                      {inPlan.has(b.topicId) ? (
                        "In the plan"
                      ) : choices.openCycle && dueDefault && !full ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="add-goal" />
                          <input type="hidden" name="topicId" value={b.topicId} />
                          <input type="hidden" name="targetLevel" value={b.target} />
                          <input type="hidden" name="dueCycleId" value={dueDefault} />
                          <button
                            type="submit"
                            className="small"
                            aria-label={`Add ${b.name} as a goal`}
                          >
                            Add as goal
                          </button>
                        </Form>
                      ) : (
                        "—"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">Nothing rated is below this profile&apos;s targets.</p>
        )}
      </section>
      {trend.length ? (
        <section className="card" aria-labelledby="trend-heading">
          <h2 id="trend-heading">Over the cycles</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Cycle</th>
                  <th scope="col">Must-haves met</th>
                  <th scope="col">Weighted gap</th>
                </tr>
              </thead>
              <tbody>
                {trend.map((p) => (
                  <tr key={p.cycleId}>
                    <th scope="row">{p.cycleName}</th>
                    <td>
                      {p.mustHaveMet} of {p.mustHaveTotal}
                    </td>
                    <td>{p.score}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}

export function PlanPanel({ growth, result }: { growth: Growth; result: unknown }) {
  const failure = failureOf(result);
  const message = successOf(result);
  // A goal or comment sent is not left in its form to be sent again.
  const goalForm = useResetOnSuccess(result);
  const commentForm = useResetOnSuccess(result);
  const { plan, choices, mentors } = growth;
  const { date } = useDates();
  const errors = failure?.fieldErrors ?? {};
  const goals = plan?.goals ?? [];
  return (
    <section className="card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">
        Development plan{choices.openCycle ? ` · ${choices.openCycle.name}` : ""}
      </h2>
      <FormError failure={failure} />
      <FormSuccess message={message} />
      {!choices.openCycle ? (
        <p className="empty-state">Plans are made in the open review cycle, and none is open.</p>
      ) : null}
      {goals.length ? (
        <ol className="plain-list" aria-label="Goals">
          {goals.map((g) => (
            <li key={g.id} className="card" data-testid="goal">
              <strong>{g.topicName}</strong>: level {g.targetLevel} by {g.dueCycle.name} · now{" "}
              {g.level ?? "not rated"}{" "}
              {g.met ? <span className="badge">Met</span> : <span className="badge">Open</span>}
              {g.actions ? <p className="prewrap">{g.actions}</p> : null}
              {g.learningLinks.length || g.resources.length ? (
                <ul>
                  {g.learningLinks.map((url) => (
                    <li key={url}>
                      {/* Only web links are links: a stored javascript: URL stays text. */}
                      {isWebUrl(url) ? (
                        <a href={url} rel="noreferrer noopener" target="_blank">
                          {url}
                        </a>
                      ) : (
                        url
                      )}
                    </li>
                  ))}
                  {g.resources.map((r) => (
                    <li key={r.url}>
                      <a href={r.url} rel="noreferrer noopener" target="_blank">
                        {r.title}
                      </a>
                      {r.level !== null ? (
                        <span className="muted"> · for level {r.level}</span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : null}
              <p>
                {g.mentorship ? (
                  <>
                    Mentor:{" "}
                    <Link to={`/mentoring/${g.mentorship.id}`}>{g.mentorship.mentorName}</Link> (
                    {g.mentorship.status})
                  </>
                ) : (
                  <Link to={`?mentorsFor=${g.id}#mentors`}>Find a mentor</Link>
                )}
              </p>
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="remove-goal" />
                <input type="hidden" name="goalId" value={g.id} />
                <button type="submit" className="small secondary">
                  Remove goal
                </button>
              </Form>
            </li>
          ))}
        </ol>
      ) : choices.openCycle ? (
        <p className="muted">No goals yet: add one below, or from a topic that blocks.</p>
      ) : null}
      {mentors ? (
        <div id="mentors" className="card">
          <h3>Mentors for {mentors.topicName}</h3>
          {mentors.suggestions.length ? (
            <ul className="plain-list">
              {mentors.suggestions.map((s) => (
                <li key={s.memberId}>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="intent" value="mentor" />
                    <input type="hidden" name="goalId" value={mentors.goalId} />
                    <input type="hidden" name="mentorId" value={s.memberId} />
                    <span>
                      <strong>{s.displayName}</strong> <span className="muted">{s.reason}</span>
                    </span>
                    <button type="submit" className="small">
                      Propose {s.displayName}
                    </button>
                  </Form>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">
              Nobody in the organisation is Proficient or offers to mentor this.
            </p>
          )}
          {errors.mentorId ? <p className="field-error">{errors.mentorId}</p> : null}
        </div>
      ) : null}
      {choices.openCycle && goals.length < MAX_GOALS ? (
        <Form method="post" aria-label="Add a goal" ref={goalForm}>
          <h3>Add a goal</h3>
          <input type="hidden" name="intent" value="add-goal" />
          <SelectField
            label="Topic"
            name="topicId"
            error={errors.topicId}
            options={[
              { value: "", label: "Choose a topic" },
              ...choices.topics.map((t) => ({ value: t.id, label: `${t.category} · ${t.name}` })),
            ]}
          />
          <SelectField
            label="Target level"
            name="targetLevel"
            error={errors.targetLevel}
            options={LEVELS}
            defaultValue="3"
          />
          <SelectField
            label="By the end of"
            name="dueCycleId"
            error={errors.dueCycleId}
            options={choices.cycles.map((c) => ({ value: c.id, label: c.name }))}
          />
          <div className="field">
            <label htmlFor="goal-actions">Actions</label>
            <textarea id="goal-actions" name="actions" rows={3} maxLength={2000} />
            {errors.actions ? <span className="field-error">{errors.actions}</span> : null}
          </div>
          <div className="field">
            <label htmlFor="goal-links">Learning links (one per line)</label>
            <textarea
              id="goal-links"
              name="learningLinks"
              rows={2}
              aria-invalid={errors.learningLinks || errors["learningLinks.0"] ? true : undefined}
            />
            {Object.entries(errors)
              .filter(([key]) => key.startsWith("learningLinks"))
              .slice(0, 1)
              .map(([key, error]) => (
                <span key={key} className="field-error">
                  {error}
                </span>
              ))}
          </div>
          <button type="submit">Add goal</button>
        </Form>
      ) : null}
      {plan ? (
        <div aria-labelledby="comments-heading">
          <h3 id="comments-heading">Comments</h3>
          {plan.comments.length ? (
            <ul className="plain-list">
              {plan.comments.map((c) => (
                <li key={c.id} data-testid="comment">
                  <strong>{c.author ?? "Someone"}</strong>{" "}
                  <span className="muted">{date(c.createdAt)}</span>
                  <p className="prewrap">{c.body}</p>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No comments yet.</p>
          )}
          <Form method="post" aria-label="Comment on the plan" ref={commentForm}>
            <input type="hidden" name="intent" value="comment" />
            <div className="field">
              <label htmlFor="plan-comment">Comment</label>
              <textarea id="plan-comment" name="body" rows={2} maxLength={2000} />
              {errors.body ? <span className="field-error">{errors.body}</span> : null}
            </div>
            <button type="submit" className="small">
              Add comment
            </button>
          </Form>
        </div>
      ) : null}
    </section>
  );
}
