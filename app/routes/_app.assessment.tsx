import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { FormSuccess } from "~/components/forms";
import { data } from "@remix-run/node";
import { redirectWithFlash } from "~/lib/flash.server";
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  useSearchParams,
} from "@remix-run/react";
import { useState } from "react";
import { TopicRating, type SaveResponse } from "~/components/assessment-form";
import { plural } from "~/lib/format";
import { relativeAge } from "~/lib/relative-age";
import { useHydrated } from "~/lib/use-hydrated";
import { handleFormErrors } from "~/lib/errors.server";
import { readForm } from "~/lib/forms.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import {
  acknowledgeValidation,
  loadSelfAssessment,
  reopenSelfAssessment,
  submitSelfAssessment,
  type Assessor,
} from "~/modules/assessments/self-assessment.server";
import {
  confirmUnchanged,
  parseSelfRatingForm,
  saveSelfRatings,
} from "~/modules/ratings/self-ratings.server";

export const meta: MetaFunction = () => [{ title: "Self-assessment · Gapmap" }];

async function assessor(request: Request): Promise<Assessor & { isAdmin: boolean }> {
  const ctx = await requireMember(request);
  return {
    organizationId: ctx.organization.id,
    memberId: ctx.membership.id,
    userId: ctx.user.id,
    isAdmin: hasRole(ctx.membership.role, "admin"),
  };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const who = await assessor(request);
  const now = new Date();
  const assessment = await loadSelfAssessment(who, now);
  return { assessment, now: now.toISOString(), isAdmin: who.isAdmin };
}

export async function action({ request }: ActionFunctionArgs) {
  const who = await assessor(request);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    const intent = form.get("intent");
    if (intent === "reopen") {
      await reopenSelfAssessment(who);
      return { ok: true, message: "Reopened: your assessment is a draft again." };
    }
    if (intent === "acknowledge") {
      await acknowledgeValidation(who);
      return { ok: true, message: "Acknowledged: your lead can see you have read it." };
    }
    // Whatever the button, the posted ratings are saved first so no edit is lost.
    const { ratings, flags } = parseSelfRatingForm(form);
    const result = await saveSelfRatings(who, ratings, flags);
    const base = {
      ok: result.conflicts.length === 0,
      saved: result.saved,
      conflicts: result.conflicts,
      fieldErrors: {},
    };
    if (result.conflicts.length) {
      const names = result.conflicts.map((c) => c.topicName).join(", ");
      return data(
        {
          ...base,
          formError: `Changed in another tab or window since you opened this page: ${names}. The newer values were kept.`,
        },
        { status: 409 },
      );
    }
    const reconfirm = form.get("reconfirm");
    const category = form.get("confirmCategory");
    if (typeof reconfirm === "string" && reconfirm) {
      await confirmUnchanged(who, { topicIds: [reconfirm] });
      return { ...base, message: "Re-confirmed." };
    }
    if (typeof category === "string" && category) {
      const count = await confirmUnchanged(who, { categoryId: category });
      return {
        ...base,
        message: count
          ? `${plural(count, "rating")} confirmed unchanged since last cycle.`
          : "Nothing to confirm here.",
      };
    }
    if (intent === "submit") {
      const submitted = await submitSelfAssessment(who);
      if (!submitted.submitted) {
        return data(
          {
            ...base,
            ok: false,
            formError: "Some topics are not rated yet.",
            missing: submitted.missing,
          },
          { status: 422 },
        );
      }
      return { ...base, message: "Submitted. Your lead will review it." };
    }
    const next = form.get("next");
    if (typeof next === "string" && next)
      return redirectWithFlash(`/assessment?category=${encodeURIComponent(next)}`, "Saved.");
    return { ...base, message: "Saved." };
  });
}

type ActionResult = SaveResponse & {
  message?: string;
  missing?: { topic_id: string; name: string; category_id: string; category_name: string }[];
};

const levelWord = (level: number | null) => (level === null ? "N/A" : String(level));

const STATUS_TEXT = {
  draft: { label: "Draft", tone: "warning" },
  submitted: { label: "Submitted", tone: "lead" },
  validated: { label: "Validated", tone: "success" },
} as const;

export default function SelfAssessmentPage() {
  const loaded = useLoaderData<typeof loader>();
  const { assessment, now, isAdmin } = loaded;
  const { date } = useDates();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const hydrated = useHydrated();
  // Without a choice, start at the first category with work left (a topic unrated or stale),
  // else the first; decided once: saving must not move the page under your hands.
  const [startCategory] = useState(() => {
    const categories = loaded.assessment?.categories ?? [];
    return Math.max(
      0,
      categories.findIndex((c) => c.answered < c.topics.length || c.stale > 0),
    );
  });

  if (!assessment) {
    return (
      <>
        <div className="page-header">
          <h1>Self-assessment</h1>
        </div>
        <p className="empty-state">
          No review cycle is open, so there is nothing to assess right now. Your profile shows your
          latest ratings.
          {isAdmin ? (
            <>
              {" "}
              <Link to="/admin/cycles">Open a cycle</Link> to start one.
            </>
          ) : null}
        </p>
      </>
    );
  }

  const { cycle, categories, levels, progress } = assessment;
  const status = STATUS_TEXT[assessment.assessment.status];
  const locked = assessment.assessment.status !== "draft";
  const requested = params.get("category");
  const index = Math.max(
    0,
    requested ? categories.findIndex((c) => c.id === requested) : startCategory,
  );
  const category = categories[index];
  const next = categories[index + 1];
  const previous = categories[index - 1];
  const busy = navigation.state === "submitting";

  return (
    <>
      <div className="page-header">
        <div>
          <h1>
            Self-assessment {cycle.name}{" "}
            <span className={`badge ${status.tone}`}>{status.label}</span>
          </h1>
          {locked ? (
            <p>
              {assessment.assessment.status === "submitted"
                ? "Submitted: your lead will validate it. Your levels are shown as you gave them."
                : "Validated by your lead: your levels and your lead's are shown below."}
            </p>
          ) : (
            <p>
              Due {date(cycle.dueOn)}. Rate each topic 0–4 (or N/A) as you are today.{" "}
              {hydrated ? (
                <span>
                  Keys: <kbd>0</kbd>–<kbd>4</kbd> and <kbd>N</kbd> rate the focused topic,{" "}
                  <kbd>↑</kbd> <kbd>↓</kbd> move between topics. Changes save as you go.
                </span>
              ) : (
                "Save each category when you are done with it."
              )}
            </p>
          )}
        </div>
      </div>
      <div className="progress-line">
        <label htmlFor="assessment-progress">
          {progress.answered} of {progress.topics} topics answered
        </label>
        <progress id="assessment-progress" max={progress.topics} value={progress.answered} />
        {!locked && progress.answered > progress.confirmed ? (
          <span className="muted">
            {plural(progress.answered - progress.confirmed, "rating")} carried from an earlier
            cycle: confirm or change {progress.answered - progress.confirmed === 1 ? "it" : "them"}
          </span>
        ) : null}
      </div>

      <div aria-live="polite">
        <FormSuccess message={result?.message} />
        {result?.formError ? (
          <div className="alert error" role="alert">
            {result.formError}
            {result.missing?.length ? (
              <ul className="missing-list">
                {result.missing.map((m) => (
                  <li key={m.topic_id}>
                    <Link to={`?category=${m.category_id}`}>{m.category_name}</Link>: {m.name}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>

      {assessment.assessment.status === "submitted" ? (
        <Form method="post" className="alert info">
          You submitted this assessment; your lead will validate it. Need a change?{" "}
          <button type="submit" name="intent" value="reopen" className="small secondary">
            Reopen to edit
          </button>
        </Form>
      ) : assessment.validation ? (
        <section className="card validation-feedback" aria-labelledby="feedback-heading">
          <h2 id="feedback-heading">Your lead&apos;s validation</h2>
          <p>
            {assessment.validation.validator ?? "Your lead"} validated this assessment
            {assessment.assessment.validatedAt
              ? ` ${relativeAge(assessment.assessment.validatedAt, now)}`
              : ""}
            ; it is locked for this cycle.{" "}
            {assessment.validation.differing.length === 0
              ? "Your lead's levels agree with yours."
              : `On ${plural(assessment.validation.differing.length, "topic")} your lead's level differs from yours; where your lead gave one, that level is the one the team's figures use.`}
          </p>
          {assessment.validation.differing.length ? (
            <ul className="plain history">
              {assessment.validation.differing.map((d) => (
                <li key={d.topicName}>
                  <strong>{d.topicName}</strong>: yours {levelWord(d.self)}, your lead&apos;s{" "}
                  {levelWord(d.lead)}
                  {d.comment ? <div className="muted">“{d.comment}”</div> : null}
                </li>
              ))}
            </ul>
          ) : null}
          {assessment.assessment.acknowledgedAt ? (
            <p className="muted">
              You acknowledged it {relativeAge(assessment.assessment.acknowledgedAt, now)}.
            </p>
          ) : (
            <Form method="post">
              <button type="submit" name="intent" value="acknowledge" disabled={busy}>
                Acknowledge
              </button>
            </Form>
          )}
        </section>
      ) : null}

      <div className="assessment-layout">
        <nav aria-label="Categories" className="category-nav">
          <ol>
            {categories.map((c, i) => (
              <li key={c.id}>
                <Link to={`?category=${c.id}`} aria-current={i === index ? "step" : undefined}>
                  <span>{c.name}</span>
                  <span className={c.answered === c.topics.length ? "done" : "muted"}>
                    {c.answered === c.topics.length ? "✓ " : ""}
                    {c.answered}/{c.topics.length}
                    {c.carried ? (
                      <span className="visually-hidden">
                        {" "}
                        answered, {c.carried} carried from last cycle
                      </span>
                    ) : null}
                  </span>
                </Link>
              </li>
            ))}
          </ol>
        </nav>

        {category ? (
          <Form
            method="post"
            className="category-form"
            aria-labelledby="category-heading"
            noValidate
          >
            <div className="category-head">
              <h2 id="category-heading">
                {category.name}{" "}
                <span className="muted">
                  ({index + 1} of {categories.length})
                </span>
              </h2>
              {category.carried > 0 && !locked ? (
                <button
                  type="submit"
                  name="confirmCategory"
                  value={category.id}
                  className="secondary"
                  disabled={busy}
                >
                  Unchanged since last cycle — confirm {category.carried}
                </button>
              ) : null}
            </div>
            <details className="level-legend">
              <summary>What the levels mean</summary>
              <dl>
                {levels.map((l) => (
                  <div key={l.level}>
                    <dt>
                      {l.level} {l.label}
                    </dt>
                    <dd>{l.description}</dd>
                  </div>
                ))}
              </dl>
            </details>
            {category.topics.map((topic) => (
              <TopicRating
                key={topic.id}
                topic={topic}
                levels={levels}
                now={now}
                locked={locked}
                errors={result?.fieldErrors ?? {}}
              />
            ))}
            <div className="category-actions">
              {previous ? (
                <Link className="button secondary" to={`?category=${previous.id}`}>
                  ← {previous.name}
                </Link>
              ) : null}
              {!locked ? (
                <button
                  type="submit"
                  name="intent"
                  value="save"
                  className="secondary"
                  disabled={busy}
                >
                  Save category
                </button>
              ) : null}
              {next && locked ? (
                <Link className="button" to={`?category=${next.id}`}>
                  Next: {next.name} →
                </Link>
              ) : next ? (
                <button type="submit" name="next" value={next.id} disabled={busy}>
                  Next: {next.name} →
                </button>
              ) : !locked ? (
                <button type="submit" name="intent" value="submit" disabled={busy}>
                  Submit assessment
                </button>
              ) : null}
            </div>
          </Form>
        ) : (
          <p className="empty-state">This framework has no topics to assess.</p>
        )}
      </div>
      {!locked && next ? (
        <Form method="post" className="submit-early">
          <p className="muted">
            Done everywhere? You can submit from any category once every topic has a level or N/A.{" "}
            <button
              type="submit"
              name="intent"
              value="submit"
              className="small secondary"
              disabled={busy}
            >
              Submit assessment
            </button>
          </p>
        </Form>
      ) : null}
    </>
  );
}
