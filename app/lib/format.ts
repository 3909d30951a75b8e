// Small display formats shared by pages and components (client-safe).

/** "67%", or "—" when there is nothing to divide by. */
export const percent = (met: number, total: number) =>
  total === 0 ? "—" : `${Math.round((met / total) * 100)}%`;

/** An average such as 2.7 (one decimal by default), or "—" when there is none. */
export const decimal = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? "—" : value.toFixed(digits);

const UTC_LENGTH = { day: 10, minute: 16, second: 19 } as const;

/** A timestamp in UTC as "2026-11-30 22:47" (to the minute by default), or "—" for none. */
export function utcTime(
  value: string | Date | null | undefined,
  precision: keyof typeof UTC_LENGTH = "minute",
) {
  if (!value) return "—";
  return new Date(value).toISOString().slice(0, UTC_LENGTH[precision]).replace("T", " ");
}
