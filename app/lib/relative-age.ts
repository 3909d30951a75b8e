const DAY_MS = 86_400_000;
const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/**
 * "today", "3 weeks ago", "14 months ago": how long ago `from` was, seen from `now`.
 * Both come from the server so the server render and the browser agree.
 */
export function relativeAge(from: string | Date, now: string | Date): string {
  const days = Math.floor((new Date(now).getTime() - new Date(from).getTime()) / DAY_MS);
  if (days < 1) return "today";
  if (days < 14) return format.format(-days, "day");
  if (days < 60) return format.format(-Math.floor(days / 7), "week");
  if (days < 730) return format.format(-Math.floor(days / 30.44), "month");
  // Whole years of 365 days: with 365.25, day 730 (two years on) still read "last year".
  return format.format(-Math.floor(days / 365), "year");
}
