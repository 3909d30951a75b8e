import { z } from "zod";

// Cycle dates and the calendar quarters cycles usually follow: pure date arithmetic on
// YYYY-MM-DD strings (cycles are dated in the organisation's time zone), no database.

const isoDate = z.iso.date({ error: "Enter a date as YYYY-MM-DD." });

export const CycleDatesSchema = z
  .object({
    startsOn: isoDate,
    dueOn: isoDate,
    endsOn: isoDate,
  })
  .superRefine((v, ctx) => {
    if (v.dueOn < v.startsOn)
      ctx.addIssue({
        code: "custom",
        path: ["dueOn"],
        message: "The due date must be on or after the start.",
      });
    if (v.endsOn < v.dueOn)
      ctx.addIssue({
        code: "custom",
        path: ["endsOn"],
        message: "The close date must be on or after the due date.",
      });
    if (daysBetween(v.startsOn, v.endsOn) > 366) {
      ctx.addIssue({
        code: "custom",
        path: ["endsOn"],
        message: "A cycle can last at most a year.",
      });
    }
  });

export const NewCycleSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "Give the cycle a name, e.g. 2026-Q4.")
      .max(60, "Keep the name under 60 characters."),
  })
  .and(CycleDatesSchema);

export type NewCycle = z.infer<typeof NewCycleSchema>;
export type CycleDates = z.infer<typeof CycleDatesSchema>;

const DAY_MS = 86_400_000;

function daysBetween(from: string, to: string) {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
}

function addDays(date: string, days: number) {
  return new Date(Date.parse(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Today's calendar date where the organisation is (cycles are dated in its time zone). */
export function todayIn(timeZone: string, now = new Date()) {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

function quarterOf(date: string) {
  const year = Number(date.slice(0, 4));
  const quarter = Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1;
  return { year, quarter };
}

function quarterCycle(year: number, quarter: number): NewCycle {
  const startMonth = (quarter - 1) * 3 + 1;
  const startsOn = `${year}-${String(startMonth).padStart(2, "0")}-01`;
  const nextStart =
    quarter === 4 ? `${year + 1}-01-01` : `${year}-${String(startMonth + 3).padStart(2, "0")}-01`;
  // Self-assessments are due three weeks in; the cycle runs to the end of the quarter.
  return {
    name: `${year}-Q${quarter}`,
    startsOn,
    dueOn: addDays(startsOn, 21),
    endsOn: addDays(nextStart, -1),
  };
}

/**
 * The cycle an admin most likely wants next: the calendar quarter after the newest cycle
 * (which starts on `latestStartsOn`), or today's quarter when that is later or there is none.
 */
export function nextQuarterCycle(latestStartsOn: string | null, today: string): NewCycle {
  let { year, quarter } = quarterOf(today);
  if (latestStartsOn) {
    const last = quarterOf(latestStartsOn);
    const next =
      last.quarter === 4
        ? { year: last.year + 1, quarter: 1 }
        : { year: last.year, quarter: last.quarter + 1 };
    if (next.year * 4 + next.quarter > year * 4 + quarter) ({ year, quarter } = next);
  }
  return quarterCycle(year, quarter);
}
