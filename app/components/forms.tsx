import {
  useEffect,
  useId,
  useRef,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from "react";
import type { ActionFailure } from "~/lib/errors.server";

/** What a failed action returns (see handleFormErrors); absent on success. */
export type FormFailure = ActionFailure;

export function failureOf(data: unknown): FormFailure | undefined {
  if (data && typeof data === "object" && "ok" in data && (data as { ok: unknown }).ok === false) {
    return data as FormFailure;
  }
  return undefined;
}

/** The confirmation a successful action returns (`{ ok: true, message }`), if any. */
export function successOf(data: unknown): string | undefined {
  if (data && typeof data === "object" && "ok" in data && data.ok === true && "message" in data)
    return typeof data.message === "string" ? data.message : undefined;
  return undefined;
}

/**
 * The one way a page confirms that a form went through: a status message screen readers
 * announce. `message` is the action's own (successOf) or a page's wording for it.
 */
export function FormSuccess({
  message,
  children,
}: {
  message?: string | null;
  children?: ReactNode;
}) {
  if (!message && !children) return null;
  return (
    <div className="alert success" role="status">
      {message}
      {children}
    </div>
  );
}

/**
 * A ref for a form that empties itself (back to its default values) once its action has
 * succeeded, so what was sent is not sent again by a second click.
 */
export function useResetOnSuccess(result: unknown) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (failureOf(result) === undefined && result && typeof result === "object" && "ok" in result)
      ref.current?.reset();
  }, [result]);
  return ref;
}

export function FormError({ failure }: { failure?: FormFailure }) {
  if (!failure) return null;
  const message =
    failure.formError ??
    (Object.keys(failure.fieldErrors).length
      ? "Please correct the highlighted fields."
      : undefined);
  if (!message) return null;
  return (
    <div className="alert error" role="alert">
      {message}
    </div>
  );
}

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
}

/** A labelled input with its error beside it, announced to screen readers. */
export function Field({ label, name, error, hint, ...input }: FieldProps) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

interface SelectFieldProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  name: string;
  error?: string;
  options: { value: string; label: string }[];
}

export function SelectField({ label, name, error, options, ...select }: SelectFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}
