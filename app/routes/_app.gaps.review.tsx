import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { plural } from "~/lib/format";
import { readForm } from "~/lib/forms.server";
import { relativeAge } from "~/lib/relative-age";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { CALIBRATION_DIFFERENCE } from "~/modules/gaps/gap-formula";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import {
  calibrationQueue,
  pendingValidations,
  recentResolutions,
  validatedAssessments,
  type CalibrationHistoryEntry,
  type CalibrationItem,
} from "~/modules/gaps/validation.server";
import { calibrationItemKey, RESOLUTION_LABEL } from "~/modules/ratings/calibration";
import { parseCalibrationForm, resolveCalibration } from "~/modules/ratings/calibration.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return loadOrRespond(async () => {
    const { scope, filters } = await resolveGapScope(ctx, new URL(request.url).searchParams);
    const [pending, calibration, resolved, validated] = await Promise.all([
      pendingValidations(scope),
      calibrationQueue(scope),
      recentResolutions(scope),
      validatedAssessments(scope),
    ]);
    return {
      query: filtersQuery(filters),
      pending,
      calibration,
      resolved,
      validated,
      self: ctx.membership.id,
      now: new Date().toISOString(),
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  return handleFormErrors(async () => {
    const form = await readForm(request);
    const resolution = parseCalibrationForm(form);
    await resolveCalibration(ctx, resolution, clientIp(context));
    return {
      ok: true as const,
      item: calibrationItemKey(resolution.memberId, resolution.topicId),
      message: `Resolved: ${RESOLUTION_LABEL[resolution.resolution].toLowerCase()}.`,
    };
  });
}

const level = (value: number | null) => (value === null ? "N/A" : String(value));
const LEVELS = ["0 None", "1 Aware", "2 Working", "3 Proficient", "4 Expert"];

function History({ entries, now }: { entries: CalibrationHistoryEntry[]; now: string }) {
  return (
    <ul className="plain history">
      {entries.map((h, i) => (
        <li key={i}>
          <strong>{RESOLUTION_LABEL[h.resolution]}</strong> (self {level(h.self)}, lead{" "}
          {level(h.lead)}){h.by ? ` by ${h.by}` : ""} {relativeAge(h.at, now)}
          {h.note ? <div className="muted">“{h.note}”</div> : null}
        </li>
      ))}
    </ul>
  );
}

/** One item's resolve form: set the lead level, accept the member's, or keep both with a note. */
function ResolveForm({ item, errors }: { item: CalibrationItem; errors: Record<string, string> }) {
  const key = calibrationItemKey(item.memberId, item.topicId);
  const [choice, setChoice] = useState("");
  const busy = useNavigation().state === "submitting";
  const id = (field: string) => `${field}-${item.memberId}-${item.topicId}`;
  const error = (field: string) => errors[`${key}.${field}`];
  return (
    <details className="resolve" open={Object.keys(errors).some((k) => k.startsWith(key))}>
      <summary>Resolve…</summary>
      <Form method="post" className="stack" preventScrollReset>
        <input type="hidden" name="memberId" value={item.memberId} />
        <input type="hidden" name="topicId" value={item.topicId} />
        <input type="hidden" name="selfRatingId" value={item.selfRatingId} />
        <input type="hidden" name="leadRatingId" value={item.leadRatingId} />
        <fieldset aria-describedby={error("resolution") ? id("resolution-error") : undefined}>
          <legend>
            How was {item.displayName}&apos;s {item.topicName} settled?
          </legend>
          <label className="checkbox">
            <input
              type="radio"
              name="resolution"
              value="lead_level"
              onChange={() => setChoice("lead_level")}
            />
            Set the lead level
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="resolution"
              value="self_level"
              onChange={() => setChoice("self_level")}
            />
            Accept their level ({level(item.self)})
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="resolution"
              value="keep_both"
              onChange={() => setChoice("keep_both")}
            />
            Discussed, keep both
          </label>
          {error("resolution") ? (
            <div className="field-error" id={id("resolution-error")}>
              {error("resolution")}
            </div>
          ) : null}
        </fieldset>
        {choice === "" || choice === "lead_level" ? (
          <div className="field">
            <label htmlFor={id("level")}>New lead level</label>
            <select
              id={id("level")}
              name="level"
              defaultValue=""
              aria-invalid={error("level") ? true : undefined}
              aria-describedby={error("level") ? id("level-error") : undefined}
            >
              <option value="">—</option>
              {LEVELS.map((label, value) => (
                <option key={value} value={String(value)}>
                  {label}
                </option>
              ))}
              <option value="na">N/A</option>
            </select>
            {error("level") ? (
              <div className="field-error" id={id("level-error")}>
                {error("level")}
              </div>
            ) : null}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={id("note")}>Note{choice === "keep_both" ? "" : " (optional)"}</label>
          <textarea
            id={id("note")}
            name="note"
            rows={2}
            maxLength={2000}
            aria-invalid={error("note") ? true : undefined}
            aria-describedby={error("note") ? id("note-error") : undefined}
          />
          {error("note") ? (
            <div className="field-error" id={id("note-error")}>
              {error("note")}
            </div>
          ) : null}
        </div>
        <div>
          <button type="submit" disabled={busy}>
            Resolve
          </button>
        </div>
      </Form>
    </details>
  );
}

export default function Review() {
  const { pending, calibration, resolved, validated, query, self, now } =
    useLoaderData<typeof loader>();
  const unread = validated.filter((v) => !v.acknowledgedAt).length;
  const actionData = useActionData<typeof action>();
  const failure = failureOf(actionData);
  const done = actionData && "message" in actionData ? actionData.message : null;
  return (
    <>
      <section className="card" aria-labelledby="pending-heading">
        <h2 id="pending-heading">Awaiting validation</h2>
        {pending.length === 0 ? (
          <p className="empty-state">
            No submitted assessments are waiting. They appear here when people submit theirs in the
            open cycle.
          </p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Submitted</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pending.map((p) => (
                  <tr key={p.memberId}>
                    <th scope="row">
                      <Link to={`/gaps/members/${p.memberId}${query}`}>{p.displayName}</Link>
                    </th>
                    <td>{p.submittedAt ? relativeAge(p.submittedAt, now) : "—"}</td>
                    <td>
                      {p.memberId === self ? (
                        <span className="muted">
                          Your own: another lead or an admin validates it
                        </span>
                      ) : (
                        <Link
                          className="button"
                          to={`/gaps/members/${p.memberId}/validate${query}`}
                        >
                          Validate {p.displayName}
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="validated-heading">
        <h2 id="validated-heading">Validated this cycle</h2>
        {validated.length === 0 ? (
          <p className="empty-state">No assessment of this cycle is validated yet.</p>
        ) : (
          <>
            <p className="muted">
              {unread === 0
                ? "Everyone has acknowledged their validation."
                : `${plural(unread, "person has", "people have")} not acknowledged their validation yet.`}
            </p>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Validated</th>
                    <th scope="col">Acknowledged</th>
                  </tr>
                </thead>
                <tbody>
                  {validated.map((v) => (
                    <tr key={v.memberId}>
                      <th scope="row">
                        <Link to={`/gaps/members/${v.memberId}${query}`}>{v.displayName}</Link>
                      </th>
                      <td>
                        {relativeAge(v.validatedAt, now)}
                        {v.validator ? ` by ${v.validator}` : ""}
                      </td>
                      <td>
                        {v.acknowledgedAt ? (
                          <span className="badge success">
                            Acknowledged {relativeAge(v.acknowledgedAt, now)}
                          </span>
                        ) : (
                          <span className="badge warning">Not yet</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="calibration-heading">
        <h2 id="calibration-heading">Calibration queue</h2>
        <p className="muted">
          Topics where a person&apos;s own level and their lead&apos;s differ by{" "}
          {CALIBRATION_DIFFERENCE} or more: worth talking through in a 1:1. An item leaves the queue
          when you resolve it: set the lead level, accept theirs, or record that you discussed it
          and both stay. A new rating that differs again reopens it.
        </p>
        <div aria-live="polite">
          <FormSuccess message={done} />
        </div>
        <FormError failure={failure} />
        {calibration.total === 0 ? (
          <p className="empty-state">
            Nothing to calibrate: self and lead levels agree within one.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="calibration-table">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Self</th>
                  <th scope="col">Lead</th>
                  <th scope="col">Difference</th>
                  <th scope="col">Apart since</th>
                  <th scope="col">
                    <span className="visually-hidden">Resolve</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {calibration.items.map((c) => (
                  <tr key={`${c.memberId}-${c.topicId}`}>
                    <th scope="row">
                      <Link to={`/gaps/members/${c.memberId}${query}`}>{c.displayName}</Link>
                    </th>
                    <td>
                      <Link to={`/gaps/topics/${c.topicId}${query}`}>{c.topicName}</Link>
                    </td>
                    <td>{level(c.self)}</td>
                    <td>{level(c.lead)}</td>
                    <td>
                      {c.lead > c.self ? "+" : "−"}
                      {Math.abs(c.lead - c.self)}{" "}
                      <span className="muted">
                        ({c.lead > c.self ? "lead rates higher" : "lead rates lower"})
                      </span>
                    </td>
                    <td>
                      {relativeAge(c.since, now)}
                      {c.history.length ? (
                        <details>
                          <summary>Reopened ({c.history.length} earlier)</summary>
                          <History entries={c.history} now={now} />
                        </details>
                      ) : null}
                    </td>
                    <td>
                      {c.memberId === self ? (
                        <span className="muted">Your own</span>
                      ) : (
                        <ResolveForm item={c} errors={failure?.fieldErrors ?? {}} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {calibration.total > calibration.items.length ? (
          <p className="muted">
            Showing the {calibration.items.length} widest of {calibration.total}. Filter by category
            or profile to see the rest.
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="resolved-heading">
        <h2 id="resolved-heading">Recently resolved</h2>
        {resolved.length === 0 ? (
          <p className="empty-state">No calibration item has been resolved yet.</p>
        ) : (
          <ul className="plain history">
            {resolved.map((r, i) => (
              <li key={i}>
                <Link to={`/gaps/members/${r.memberId}${query}`}>{r.displayName}</Link>,{" "}
                <Link to={`/gaps/topics/${r.topicId}${query}`}>{r.topicName}</Link>:{" "}
                <History entries={[r]} now={now} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
