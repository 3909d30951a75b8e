// Text PostgreSQL cannot store: it refuses U+0000 in text and jsonb alike (a 500 where the
// user deserves a message), and a lone UTF-16 surrogate has no UTF-8 form (the driver would
// silently save U+FFFD instead). Checked where input arrives: every form field
// (forms.server.ts) and every API string (api-dispatch.server.ts).

// eslint-disable-next-line no-control-regex -- the NUL character is what is looked for
const UNSTORABLE = /\u0000|\p{Cs}/u;

export const UNSTORABLE_TEXT_MESSAGE =
  "This holds a character that cannot be saved (a NUL byte or a broken Unicode character): remove it.";

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** The paths ("ratings.0.note") of every string or key in a JSON value that cannot be stored. */
export function unstorableTextPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === "string") return isStorableText(value) ? [] : [path.join(".") || "body"];
  if (Array.isArray(value))
    return value.flatMap((item, i) => unstorableTextPaths(item, [...path, String(i)]));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) =>
      isStorableText(key) ? unstorableTextPaths(item, [...path, key]) : [[...path, key].join(".")],
    );
  return [];
}
