import { useFetcher } from "@remix-run/react";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { plural } from "~/lib/format";
import { relativeAge } from "~/lib/relative-age";
import type { FormTopic } from "~/modules/assessments/self-assessment.server";
import { PRIORITY_LABEL } from "~/modules/frameworks/priorities";

export interface LevelInfo {
  level: number;
  label: string;
  description: string;
}

/** What the assessment action answers (see the route). */
export interface SaveResponse {
  ok: boolean;
  saved?: { topicId: string; ratingId: number }[];
  conflicts?: {
    topicId: string;
    topicName: string;
    theirs: { level: number | null; ratedAt: string; ratingId: number };
    yours: { level: number | null };
  }[];
  fieldErrors?: Record<string, string>;
  formError?: string;
}

type Choice = "" | "na" | "0" | "1" | "2" | "3" | "4";

const levelChoice = (level: number | null | undefined): Choice =>
  level === undefined ? "" : level === null ? "na" : (String(level) as Choice);

function levelText(level: number | null | undefined, levels: LevelInfo[]) {
  if (level === undefined) return "not rated";
  if (level === null) return "N/A";
  return `${level} ${levels.find((l) => l.level === level)?.label ?? ""}`.trim();
}

/** Moves focus to the rating control of the topic row `step` rows away. */
function focusRow(from: HTMLElement, step: number) {
  const rows = Array.from(
    from.closest("form")?.querySelectorAll<HTMLElement>("[data-topic-row]") ?? [],
  );
  const index = rows.findIndex((row) => row.contains(from));
  const target = rows[index + step];
  if (!target) return;
  const radio =
    target.querySelector<HTMLInputElement>("input[type=radio]:checked") ??
    target.querySelector<HTMLInputElement>("input[type=radio]");
  radio?.focus();
  target.scrollIntoView({ block: "nearest" });
}

/**
 * One topic of the self-assessment: level 0–4 or N/A, flags, note and evidence. Works as
 * part of the category's plain form; with JavaScript each change is saved at once, and
 * keys 0–4 / N rate the focused topic while ↑ ↓ move between topics.
 */
export function TopicRating({
  topic,
  levels,
  now,
  locked,
  errors,
}: {
  topic: FormTopic;
  levels: LevelInfo[];
  now: string;
  locked: boolean;
  errors: Record<string, string>;
}) {
  const fetcher = useFetcher<SaveResponse>();
  const rowRef = useRef<HTMLFieldSetElement>(null);
  const loaded = topic.current;
  const [choice, setChoice] = useState<Choice>(levelChoice(loaded?.level));
  const [note, setNote] = useState(loaded?.note ?? "");
  const [evidence, setEvidence] = useState((loaded?.evidence ?? []).join("\n"));
  const [base, setBase] = useState<number | "">(loaded?.ratingId ?? "");
  const saving = fetcher.state !== "idle";

  // A newer rating arrived from the server (our own save, or another tab's after a reload
  // of the page data): show it, and edit from it.
  const loadedId = loaded?.ratingId ?? "";
  useEffect(() => {
    if (saving || loadedId === base) return;
    setChoice(levelChoice(loaded?.level));
    setNote(loaded?.note ?? "");
    setEvidence((loaded?.evidence ?? []).join("\n"));
    setBase(loadedId);
    // Only a change of the loaded rating should reset the editor.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadedId]);

  const saved = fetcher.data?.saved?.find((s) => s.topicId === topic.id);
  useEffect(() => {
    if (saved) setBase(saved.ratingId);
  }, [saved]);

  const conflict = fetcher.data?.conflicts?.find((c) => c.topicId === topic.id);
  const fieldErrors = { ...errors, ...(fetcher.data?.fieldErrors ?? {}) };
  // The last save came back without this topic saved (an error, not a conflict: that has its
  // own message), or never came back: the change is only in this page until it is retried.
  const [lost, setLost] = useState(false);
  useEffect(() => {
    if (fetcher.state !== "idle") return;
    if (fetcher.data) setLost(!saved && !conflict);
  }, [fetcher.state, fetcher.data, saved, conflict]);

  // One save at a time per topic: a second change made while the first is in flight waits
  // for its new rating id, or it would conflict with our own first save.
  const queued = useRef<Parameters<typeof save> | null>(null);
  useEffect(() => {
    if (fetcher.state !== "idle" || !queued.current) return;
    if (saved && saved.ratingId !== base) return; // wait for the new base to land
    const next = queued.current;
    queued.current = null;
    save(...next);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fetcher.state, base]);

  function save(
    overrides: Partial<{
      level: Choice;
      note: string;
      evidence: string;
      want: boolean;
      mentor: boolean;
    }> = {},
    extra?: [string, string],
  ) {
    const row = rowRef.current;
    if (!row || locked) return;
    if (fetcher.state !== "idle") {
      queued.current = [overrides, extra];
      return;
    }
    const form = new FormData();
    const level = overrides.level ?? choice;
    form.set(`level.${topic.id}`, level);
    form.set(`base.${topic.id}`, String(base));
    form.set(`note.${topic.id}`, overrides.note ?? note);
    form.set(`evidence.${topic.id}`, overrides.evidence ?? evidence);
    form.set(`flags.${topic.id}`, "1");
    const want =
      overrides.want ??
      row.querySelector<HTMLInputElement>(`input[name="want.${topic.id}"]`)?.checked;
    const mentor =
      overrides.mentor ??
      row.querySelector<HTMLInputElement>(`input[name="mentor.${topic.id}"]`)?.checked;
    if (want) form.set(`want.${topic.id}`, "on");
    if (mentor) form.set(`mentor.${topic.id}`, "on");
    if (extra) form.set(extra[0], extra[1]);
    fetcher.submit(form, { method: "post" });
  }

  function choose(next: Choice) {
    setChoice(next);
    save({ level: next });
  }

  function onKeyDown(event: KeyboardEvent<HTMLFieldSetElement>) {
    const target = event.target as HTMLElement;
    if (
      target.tagName === "TEXTAREA" ||
      (target instanceof HTMLInputElement && target.type !== "radio")
    )
      return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    if (/^[0-4]$/.test(key) || key === "n") {
      event.preventDefault();
      const next = (key === "n" ? "na" : key) as Choice;
      choose(next);
      const radio = rowRef.current?.querySelector<HTMLInputElement>(
        `input[type=radio][value="${next}"]`,
      );
      radio?.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      focusRow(target, event.key === "ArrowDown" ? 1 : -1);
    }
  }

  const chosenLevel = choice === "" ? undefined : choice === "na" ? null : Number(choice);
  // How far the level chosen here is from the target (N/A and unrated: no distance).
  const distance =
    topic.target && typeof chosenLevel === "number"
      ? Math.max(0, topic.target.level - chosenLevel)
      : null;
  const descriptor =
    chosenLevel === undefined || chosenLevel === null
      ? null
      : (topic.descriptors[chosenLevel] ??
        levels.find((l) => l.level === chosenLevel)?.description ??
        null);
  const headingId = `topic-${topic.id}`;
  const ageText = loaded
    ? loaded.thisCycle
      ? `rated this cycle, ${relativeAge(loaded.ratedAt, now)}`
      : `confirmed ${relativeAge(loaded.ratedAt, now)}`
    : "not rated yet";

  return (
    <fieldset
      ref={rowRef}
      className={`topic-row${topic.stale ? " stale" : ""}`}
      data-topic-row
      aria-labelledby={headingId}
      onKeyDown={onKeyDown}
      disabled={locked}
    >
      <input type="hidden" name={`base.${topic.id}`} value={String(base)} />
      <input type="hidden" name={`flags.${topic.id}`} value="1" />
      <div className="topic-head">
        <h3 id={headingId} className="topic-name">
          {topic.name}
        </h3>
        <div className="topic-meta">
          <span>
            Last cycle: {topic.previous === undefined ? "—" : levelText(topic.previous, levels)}
          </span>
          {topic.lead !== undefined ? (
            <span>Your lead: {levelText(topic.lead.level, levels)}</span>
          ) : null}
          {topic.target ? (
            <span className="target-meta">
              Target: {levelText(topic.target.level, levels)} (
              {PRIORITY_LABEL[topic.target.priority].toLowerCase()})
              {distance === null ? "" : distance > 0 ? ` · ${distance} below` : " · reached"}
            </span>
          ) : (
            <span>No target for your profile</span>
          )}
          <span>{ageText}</span>
          {topic.stale ? <span className="badge warning">Stale</span> : null}
          <span aria-live="polite" className="save-state">
            {saving ? (
              "Saving…"
            ) : lost ? (
              <span className="not-saved">
                Not saved:{" "}
                <button type="button" className="small secondary" onClick={() => save()}>
                  retry
                </button>
              </span>
            ) : saved && !conflict ? (
              <span className="saved-mark">Saved</span>
            ) : null}
          </span>
        </div>
      </div>
      {topic.description ? <p className="topic-description">{topic.description}</p> : null}
      {topic.lead?.comment ? (
        <p className="lead-comment">
          <span className="muted">Your lead&apos;s comment:</span> “{topic.lead.comment}”
        </p>
      ) : null}
      <div className="level-options" role="radiogroup" aria-labelledby={headingId}>
        {levels.map((l) => (
          <label
            key={l.level}
            className="level-option"
            title={topic.descriptors[l.level] ?? l.description}
          >
            <input
              type="radio"
              name={`level.${topic.id}`}
              value={String(l.level)}
              checked={choice === String(l.level)}
              onChange={() => choose(String(l.level) as Choice)}
            />
            <span>
              <strong>{l.level}</strong> {l.label}
            </span>
          </label>
        ))}
        <label className="level-option" title="Not part of my role">
          <input
            type="radio"
            name={`level.${topic.id}`}
            value="na"
            checked={choice === "na"}
            onChange={() => choose("na")}
          />
          <span>
            <strong>N</strong>/A
          </span>
        </label>
      </div>
      {descriptor ? <p className="level-descriptor">{descriptor}</p> : null}
      {fieldErrors[`level.${topic.id}`] ? (
        <p className="field-error">{fieldErrors[`level.${topic.id}`]}</p>
      ) : null}
      {conflict ? (
        <div className="alert error" role="alert">
          Changed in another tab or window {relativeAge(conflict.theirs.ratedAt, now)}: the saved
          level is <strong>{levelText(conflict.theirs.level, levels)}</strong>. Your{" "}
          {levelText(conflict.yours.level, levels)} was not saved.{" "}
          <button
            type="button"
            className="small secondary"
            onClick={() => {
              setChoice(levelChoice(conflict.theirs.level));
              setBase(conflict.theirs.ratingId);
            }}
          >
            Keep the saved level
          </button>{" "}
          <button
            type="button"
            className="small"
            onClick={() => {
              setBase(conflict.theirs.ratingId);
              // Save ours on top of the newer rating, now that the person has seen it.
              const form = new FormData();
              form.set(`level.${topic.id}`, levelChoice(conflict.yours.level));
              form.set(`base.${topic.id}`, String(conflict.theirs.ratingId));
              form.set(`note.${topic.id}`, note);
              form.set(`evidence.${topic.id}`, evidence);
              fetcher.submit(form, { method: "post" });
            }}
          >
            Use mine ({levelText(conflict.yours.level, levels)})
          </button>
        </div>
      ) : null}
      <div className="topic-extras">
        <label className="check">
          <input
            type="checkbox"
            name={`want.${topic.id}`}
            defaultChecked={topic.wantToLearn}
            onChange={(e) => save({ want: e.currentTarget.checked })}
          />{" "}
          Want to learn
        </label>
        <label className="check">
          <input
            type="checkbox"
            name={`mentor.${topic.id}`}
            defaultChecked={topic.canMentor}
            onChange={(e) => save({ mentor: e.currentTarget.checked })}
          />{" "}
          Can mentor
        </label>
        {topic.stale ? (
          <button
            type="submit"
            name="reconfirm"
            value={topic.id}
            className="small secondary"
            onClick={(e) => {
              e.preventDefault();
              save({}, ["reconfirm", topic.id]);
            }}
          >
            Still accurate
          </button>
        ) : null}
        <details
          className="note-details"
          open={Boolean(fieldErrors[`evidence.${topic.id}`] || fieldErrors[`note.${topic.id}`])}
        >
          <summary>
            Note and evidence
            {loaded?.evidence.length ? ` (${plural(loaded.evidence.length, "link")})` : ""}
          </summary>
          <div className="field">
            <label htmlFor={`note-${topic.id}`}>Note</label>
            <textarea
              id={`note-${topic.id}`}
              name={`note.${topic.id}`}
              rows={2}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              onBlur={() => note !== (loaded?.note ?? "") && save()}
              aria-invalid={fieldErrors[`note.${topic.id}`] ? true : undefined}
            />
            {fieldErrors[`note.${topic.id}`] ? (
              <span className="field-error">{fieldErrors[`note.${topic.id}`]}</span>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor={`evidence-${topic.id}`}>
              Evidence links (one per line: a PR, a design doc, a talk)
            </label>
            <textarea
              id={`evidence-${topic.id}`}
              name={`evidence.${topic.id}`}
              rows={2}
              value={evidence}
              onChange={(e) => setEvidence(e.currentTarget.value)}
              onBlur={() => evidence !== (loaded?.evidence ?? []).join("\n") && save()}
              aria-invalid={fieldErrors[`evidence.${topic.id}`] ? true : undefined}
              aria-describedby={
                fieldErrors[`evidence.${topic.id}`] ? `evidence-error-${topic.id}` : undefined
              }
            />
            {fieldErrors[`evidence.${topic.id}`] ? (
              <span id={`evidence-error-${topic.id}`} className="field-error">
                {fieldErrors[`evidence.${topic.id}`]}
              </span>
            ) : null}
          </div>
        </details>
      </div>
    </fieldset>
  );
}
