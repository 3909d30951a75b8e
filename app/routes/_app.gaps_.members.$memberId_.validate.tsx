import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { FormError, failureOf } from "~/components/forms";
import { handleFormErrors, invalid, loadOrRespond } from "~/lib/errors.server";
import { readForm } from "~/lib/forms.server";
import { relativeAge } from "~/lib/relative-age";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { CALIBRATION_DIFFERENCE } from "~/modules/gaps/gap-formula";
import { viewableMember } from "~/modules/gaps/gap-scope.server";
import {
  loadValidation,
  parseValidationEntries,
  saveValidation,
  undoValidation,
  type ValidationTopic,
} from "~/modules/gaps/validation.server";

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
    if (intent !== "save" && intent !== "validate") throw invalid("Unknown action.");
    const entries = parseValidationEntries(form);
    const result = await saveValidation(ctx, memberId, entries, {
      markValidated: intent === "validate",
      ip,
    });
    if (result.validated) throw redirect(`/gaps/review${search}`);
    return {
      ok: true as const,
      message: `Saved: ${result.ratingsAdded} topic${result.ratingsAdded === 1 ? "" : "s"} changed.`,
    };
  });
}

const LEVELS = ["0 None", "1 Aware", "2 Working", "3 Proficient", "4 Expert"];
const show = (value: number | null | undefined) =>
  value === undefined ? "—" : value === null ? "N/A" : String(value);

function startingLevel(topic: ValidationTopic) {
  if (topic.lead?.thisCycle) return topic.lead.level === null ? "na" : String(topic.lead.level);
  if (!topic.self) return "";
  return topic.self.level === null ? "na" : String(topic.self.level);
}

export default function ValidateAssessment() {
  const { view, isSelf, search, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = failureOf(actionData);
  const saved = actionData && "message" in actionData ? actionData.message : null;
  const busy = useNavigation().state === "submitting";
  const [levels, setLevels] = useState<Record<string, string>>(() =>
    Object.fromEntries(view.topics.map((t) => [t.id, startingLevel(t)])),
  );
  const { member, cycle, assessment, topics } = view;
  const status = assessment?.status;
  const editable = status === "submitted" && !isSelf;
  const categories = [...new Map(topics.map((t) => [t.categoryId, t.categoryName]))];

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
      {saved ? (
        <div className="alert success" role="status">
          {saved}
        </div>
      ) : null}
      <FormError failure={failure} />
      {status === "submitted" || status === "validated" ? (
        <Form method="post">
          {categories.map(([categoryId, categoryName]) => (
            <section className="card" key={categoryId} aria-labelledby={`cat-${categoryId}`}>
              <h2 id={`cat-${categoryId}`}>{categoryName}</h2>
              <div className="table-wrap">
                <table className="validation-table">
                  <thead>
                    <tr>
                      <th scope="col">Topic</th>
                      <th scope="col">Target</th>
                      <th scope="col">Their level</th>
                      <th scope="col">Your level</th>
                      <th scope="col">Comment</th>
                    </tr>
                  </thead>
                  <tbody>
                    {topics
                      .filter((t) => t.categoryId === categoryId)
                      .map((t) => {
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
                              {show(self)}
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
                              />
                              {commentError ? (
                                <div className="field-error">{commentError}</div>
                              ) : null}
                            </td>
                          </tr>
                        );
                      })}
                  </tbody>
                </table>
              </div>
            </section>
          ))}
          {editable ? (
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
          ) : null}
        </Form>
      ) : null}
    </>
  );
}
