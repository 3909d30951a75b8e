// The one way the UI writes a date or a moment (client-safe): in the reader's locale, and for
// a moment in the organisation's time zone. The locale comes from the request's
// Accept-Language on the server and travels in the root loader's data, so the browser renders
// exactly what the server did.

export interface DateSettings {
  /** A BCP 47 tag the runtime supports, e.g. "en-GB", "de-DE". */
  locale: string;
  /** An IANA zone, e.g. "Europe/Berlin": the organisation's. */
  timeZone: string;
}

export const DEFAULT_DATE_SETTINGS: DateSettings = { locale: "en-GB", timeZone: "UTC" };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The first language of an Accept-Language header that this runtime can format dates in
 * (by quality, then order), or en-GB.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): string {
  const tags = (header ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((t) => t.tag && t.tag !== "*" && t.quality > 0)
    .toSorted((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of tags) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // A malformed tag: try the next one.
    }
  }
  return DEFAULT_DATE_SETTINGS.locale;
}

function validZone(timeZone: string) {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

/**
 * A calendar date ("2026-12-13", a due date: the same day everywhere) or a moment (a
 * timestamp, shown on the organisation's calendar), as the reader's locale writes a date:
 * "13 Dec 2026" in en-GB, "Dec 13, 2026" in en-US. "—" for none.
 */
export function formatDate(value: string | Date | null | undefined, settings: DateSettings) {
  if (!value) return "—";
  const day = typeof value === "string" ? DATE_ONLY.exec(value) : null;
  const moment = day
    ? new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])))
    : new Date(value);
  if (Number.isNaN(moment.getTime())) return "—";
  return new Intl.DateTimeFormat(settings.locale, {
    dateStyle: "medium",
    timeZone: day ? "UTC" : validZone(settings.timeZone),
  }).format(moment);
}

/** A moment with its time of day on the organisation's clock: "13 Dec 2026, 14:05". */
export function formatDateTime(value: string | Date | null | undefined, settings: DateSettings) {
  if (!value) return "—";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return "—";
  return new Intl.DateTimeFormat(settings.locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: validZone(settings.timeZone),
  }).format(moment);
}
