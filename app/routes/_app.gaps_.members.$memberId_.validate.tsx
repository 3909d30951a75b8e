import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirectWithFlash } from "~/lib/flash.server";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors, invalid, loadOrRespond } from "~/lib/errors.server";
import { readForm } from "~/lib/forms.server";
import { relativeAge } from "~/lib/relative-age";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { viewableMember } from "~/modules/accounts/visibility.server";
import { CALIBRATION_DIFFERENCE } from "~/modules/gaps/gap-formula";
import { loadValidation, type ValidationTopic } from "~/modules/gaps/validation.server";
import {
  parseLeadRatingForm,
  saveLeadRatings,
  undoValidation,
  type Agreement,
} from "~/modules/ratings/lead-ratings.server";
import { plural } from "~/lib/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Validate ${data?.view.member.display_name ?? "assessment"} · Gapmap` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const view = await loadOrRespond(() => loadValidation(ctx, params.memberId ?? ""));
  return {
    view,
    isSelf: view.member.id === ctx.membership.id,
    search: new URL(request.url).search,
    now: new Date().toISOString(),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const memberId = params.memberId ?? "";
  const search = new URL(request.url).search;
  return handleFormErrors(async () => {
    // Someone out of reach gets 404 whatever they post, before the form is looked at.
    await viewableMember(ctx, memberId);
    const form = await readForm(request);
    const intent = form.get("intent");
    const ip = clientIp(context);
    if (intent === "undo") {
      await undoValidation(ctx, memberId, ip);
      return { ok: true as const, message: "Validation undone: you can change your levels again." };
    }
    const agreement = parseAgreement(intent);
    if (intent !== "save" && intent !== "validate" && !agreement) throw invalid("Unknown action.");
    const ratings = parseLeadRatingForm(form);
    const result = await saveLeadRatings(ctx, memberId, ratings, {
      markValidated: intent === "validate",
      agree: agreement,
      ip,
    });
    if (result.validated)
      throw await redirectWithFlash(`/gaps/review${search}`, "Assessment validated.");
    const left = result.withoutLeadLevel;
    return {
      ok: true as const,
      message:
        `Saved: ${plural(result.ratingsAdded, "topic")} changed.` +
        (left
          ? ` ${plural(left, "topic")} ${left === 1 ? "has" : "have"} no level from you yet.`
          : ""),
    };
  });
}

/** "agree:<topicId>" (one topic) or "agree-category:<categoryId>" (the rest of a category). */
function parseAgreement(intent: FormDataEntryValue | null): Agreement | undefined {
  if (typeof intent !== "string") return undefined;
  const topic = /^agree:(.+)$/.exec(intent)?.[1];
  if (topic) return { topicIds: [topic] };
  const category = /^agree-category:(.+)$/.exec(intent)?.[1];
  return category ? { categoryId: category } : undefined;
}

const LEVELS = ["0 None", "1 Aware", "2 Working", "3 Proficient", "4 Expert"];
const show = (value: number | null | undefined) =>
  value === undefined ? "—" : value === null ? "N/A" : String(value);

/** The lead's field starts from the lead's own newest level, never from the member's. */
function startingLevel(topic: ValidationTopic) {
  if (!topic.lead) return "";
  return topic.lead.level === null ? "na" : String(topic.lead.level);
}

export default function ValidateAssessment() {
  const { view, isSelf, search, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = failureOf(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  const busy = useNavigation().state === "submitting";
  const [levels, setLevels] = useState<Record<string, string>>(() =>
    Object.fromEntries(view.topics.map((t) => [t.id, startingLevel(t)])),
  );
  // A save that wrote lead ratings starts the form again from them (and from their ids as the
  // new bases); a refused save keeps what was typed.
  const saved = view.topics.map((t) => t.lead?.ratingId ?? "").join(",");
  useEffect(() => {
    setLevels(Object.fromEntries(view.topics.map((t) => [t.id, startingLevel(t)])));
    // Only new lead ratings reset the form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saved]);
  const { member, cycle, assessment, topics } = view;
  const status = assessment?.status;
  const editable = status === "submitted" && !isSelf;
  const categories = [...new Map(topics.map((t) => [t.categoryId, t.categoryName]))];
  // Topics the lead has not judged this cycle and whose field is still as it started.
  const unjudged = topics.filter(
    (t) => !t.lead?.thisCycle && (levels[t.id] ?? "") === startingLevel(t),
  ).length;

  return (
    <>
      <p className="muted">
        <Link to={`/gaps/members/${member.id}${search}`}>← {member.display_name}</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>Validate {member.display_name}</h1>
          <p>
            {cycle ? `${cycle.name} · ` : ""}
            Give your level per topic. Your levels are kept beside theirs, never averaged; a
            difference of {CALIBRATION_DIFFERENCE}+ goes to the calibration queue.
          </p>
        </div>
      </div>
      {!cycle ? (
        <p className="empty-state">There is no open cycle, so there is nothing to validate.</p>
      ) : isSelf ? (
        <p className="alert">This is your own assessment: another lead or an admin validates it.</p>
      ) : !assessment || status === "draft" ? (
        <p className="empty-state">
          {member.display_name} has not submitted this cycle&apos;s assessment yet. It can be
          validated once it is submitted.
        </p>
      ) : null}
      {status === "validated" ? (
        <div className="alert success" role="status">
          Validated
          {assessment?.validator ? ` by ${assessment.validator}` : ""}
          {assessment?.validatedAt ? ` ${relativeAge(assessment.validatedAt, now)}` : ""}.
          {isSelf ? null : (
            <Form method="post" className="inline-form">
              <button type="submit" name="intent" value="undo" className="secondary">
                Undo validation
              </button>
            </Form>
          )}
        </div>
      ) : null}
      <FormSuccess message={message} />
      <FormError failure={failure} />
      {status === "submitted" || status === "validated" ? (
        <Form method="post" key={saved}>
          {categories.map(([categoryId, categoryName]) => {
            const inCategory = topics.filter((t) => t.categoryId === categoryId);
            const rest = inCategory.filter(
              (t) => t.self && !t.lead?.thisCycle && levels[t.id] === startingLevel(t),
            ).length;
            return (
              <section className="card" key={categoryId} aria-labelledby={`cat-${categoryId}`}>
                <div className="category-header">
                  <h2 id={`cat-${categoryId}`}>{categoryName}</h2>
                  {editable && rest > 0 ? (
                    <button
                      type="submit"
                      name="intent"
                      value={`agree-category:${categoryId}`}
                      className="secondary"
                      disabled={busy}
                      aria-label={`Agree with the rest of ${categoryName} (${plural(rest, "topic")})`}
                    >
                      Agree with the rest of this category
                    </button>
                  ) : null}
                </div>
                <div className="table-wrap">
                  <table className="validation-table">
                    <thead>
                      <tr>
                        <th scope="col">Topic</th>
                        <th scope="col">Target</th>
                        <th scope="col">Their level</th>
                        <th scope="col">Your last level</th>
                        <th scope="col">Your level</th>
                        <th scope="col">Comment</th>
                      </tr>
                    </thead>
                    <tbody>
                      {inCategory.map((t) => {
                        const chosen = levels[t.id] ?? "";
                        const self = t.self?.level;
                        const apart =
                          chosen !== "" && chosen !== "na" && typeof self === "number"
                            ? Math.abs(Number(chosen) - self)
                            : 0;
                        const levelError = failure?.fieldErrors[`lead.${t.id}`];
                        const commentError = failure?.fieldErrors[`comment.${t.id}`];
                        return (
                          <tr
                            key={t.id}
                            className={apart >= CALIBRATION_DIFFERENCE ? "calibrate" : undefined}
                          >
                            <th scope="row">{t.name}</th>
                            <td>{show(t.target)}</td>
                            <td>
                              {t.self ? show(self) : "not rated"}
                              {t.self?.note ? <div className="muted">“{t.self.note}”</div> : null}
                              {t.self?.evidence.length ? (
                                <ul className="evidence">
                                  {t.self.evidence.map((url) => (
                                    <li key={url}>
                                      {/* Only web links are links: a stored javascript: URL stays text. */}
                                      {/^https?:\/\//i.test(url) ? (
                                        <a href={url} rel="noreferrer noopener" target="_blank">
                                          {url}
                                        </a>
                                      ) : (
                                        url
                                      )}
                                    </li>
                                  ))}
                                </ul>
                              ) : null}
                            </td>
                            <td>
                              {t.lead ? (
                                <>
                                  {show(t.lead.level)}{" "}
                                  <span className="muted">
                                    {t.lead.thisCycle
                                      ? "this cycle"
                                      : relativeAge(t.lead.ratedAt, now)}
                                  </span>
                                </>
                              ) : (
                                <span className="muted">none</span>
                              )}
                            </td>
                            <td>
                              <input
                                type="hidden"
                                name={`base.${t.id}`}
                                value={t.lead?.ratingId ?? ""}
                              />
                              <label className="visually-hidden" htmlFor={`lead-${t.id}`}>
                                Your level for {t.name}
                              </label>
                              <select
                                id={`lead-${t.id}`}
                                name={`lead.${t.id}`}
                                value={chosen}
                                disabled={!editable}
                                aria-invalid={levelError ? true : undefined}
                                aria-describedby={levelError ? `lead-${t.id}-error` : undefined}
                                onChange={(e) =>
                                  setLevels((l) => ({ ...l, [t.id]: e.target.value }))
                                }
                              >
                                <option value="">— no level</option>
                                {LEVELS.map((label, level) => (
                                  <option key={level} value={String(level)}>
                                    {label}
                                  </option>
                                ))}
                                <option value="na">N/A</option>
                              </select>
                              {editable && t.self ? (
                                <button
                                  type="submit"
                                  name="intent"
                                  value={`agree:${t.id}`}
                                  className="secondary small"
                                  disabled={busy}
                                  aria-label={`Agree with ${show(self)} on ${t.name}`}
                                >
                                  Agree
                                </button>
                              ) : null}
                              {apart >= CALIBRATION_DIFFERENCE ? (
                                <span className="badge warning">{apart} apart: calibrate</span>
                              ) : null}
                              {levelError ? (
                                <div className="field-error" id={`lead-${t.id}-error`}>
                                  {levelError}
                                </div>
                              ) : null}
                            </td>
                            <td>
                              <label className="visually-hidden" htmlFor={`comment-${t.id}`}>
                                Comment on {t.name}
                              </label>
                              <input
                                id={`comment-${t.id}`}
                                name={`comment.${t.id}`}
                                defaultValue={t.lead?.thisCycle ? (t.lead.note ?? "") : ""}
                                maxLength={2000}
                                disabled={!editable}
                                aria-invalid={commentError ? true : undefined}
                                aria-describedby={
                                  commentError ? `comment-${t.id}-error` : undefined
                                }
                              />
                              {commentError ? (
                                <div className="field-error" id={`comment-${t.id}-error`}>
                                  {commentError}
                                </div>
                              ) : null}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              </section>
            );
          })}
          {editable ? (
            <>
              {unjudged > 0 ? (
                <p className="muted" role="status">
                  {plural(unjudged, "topic")} {unjudged === 1 ? "has" : "have"} no level from you
                  this cycle: validating keeps {member.display_name}&apos;s own level for{" "}
                  {unjudged === 1 ? "it" : "them"}. Choose a level or press Agree to give yours.
                </p>
              ) : null}
              <div className="form-actions">
                <button
                  type="submit"
                  name="intent"
                  value="save"
                  className="secondary"
                  disabled={busy}
                >
                  Save
                </button>
                <button type="submit" name="intent" value="validate" disabled={busy}>
                  Save and mark validated
                </button>
              </div>
            </>
          ) : null}
        </Form>
      ) : null}
    </>
  );
}
