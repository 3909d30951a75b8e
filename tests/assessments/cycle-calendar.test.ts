import { describe, expect, it } from "vitest";
import {
  CycleDatesSchema,
  NewCycleSchema,
  nextQuarterCycle,
  todayIn,
} from "~/modules/assessments/cycle-calendar";

// The date arithmetic behind the cycle form: what the next cycle is, and which dates a
// cycle may have. No database: the module is pure.

const issues = (input: unknown) => {
  const result = NewCycleSchema.safeParse(input);
  return result.success
    ? {}
    : Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
};

describe("the next cycle suggested", () => {
  it("is today's calendar quarter when there is no cycle yet, due three weeks in", () => {
    expect(nextQuarterCycle(null, "2026-02-14")).toEqual({
      name: "2026-Q1",
      startsOn: "2026-01-01",
      dueOn: "2026-01-22",
      endsOn: "2026-03-31",
    });
    expect(nextQuarterCycle(null, "2026-04-01")).toEqual({
      name: "2026-Q2",
      startsOn: "2026-04-01",
      dueOn: "2026-04-22",
      endsOn: "2026-06-30",
    });
    expect(nextQuarterCycle(null, "2026-09-30")).toMatchObject({
      name: "2026-Q3",
      startsOn: "2026-07-01",
      endsOn: "2026-09-30",
    });
  });

  it("is the quarter after the newest cycle, across the new year", () => {
    expect(nextQuarterCycle("2026-07-01", "2026-08-10")).toEqual({
      name: "2026-Q4",
      startsOn: "2026-10-01",
      dueOn: "2026-10-22",
      endsOn: "2026-12-31",
    });
    expect(nextQuarterCycle("2026-10-01", "2026-11-10")).toEqual({
      name: "2027-Q1",
      startsOn: "2027-01-01",
      dueOn: "2027-01-22",
      endsOn: "2027-03-31",
    });
    // A cycle planned well ahead: the one after it.
    expect(nextQuarterCycle("2027-04-01", "2026-11-10").name).toBe("2027-Q3");
  });

  it("is today's quarter when the newest cycle is long past", () => {
    expect(nextQuarterCycle("2024-01-01", "2026-05-05").name).toBe("2026-Q2");
    // The newest cycle was three quarters ago: today's quarter, not the one after it.
    expect(nextQuarterCycle("2025-07-01", "2026-05-05").name).toBe("2026-Q2");
    // The quarter after the newest one is today's: either way the same.
    expect(nextQuarterCycle("2026-01-01", "2026-05-05").name).toBe("2026-Q2");
  });

  it("ends each quarter on its last day, leap years included", () => {
    expect(nextQuarterCycle(null, "2028-01-05")).toMatchObject({ endsOn: "2028-03-31" });
    expect(nextQuarterCycle("2027-10-01", "2027-12-01")).toMatchObject({
      startsOn: "2028-01-01",
      endsOn: "2028-03-31",
    });
  });
});

describe("today where the organisation is", () => {
  it("is the date in its time zone, not the server's", () => {
    const instant = new Date("2026-12-31T20:00:00Z");
    expect(todayIn("UTC", instant)).toBe("2026-12-31");
    expect(todayIn("Asia/Tokyo", instant)).toBe("2027-01-01");
    expect(todayIn("America/Los_Angeles", new Date("2027-01-01T05:00:00Z"))).toBe("2026-12-31");
  });
});

describe("a cycle's dates", () => {
  const cycle = {
    name: "2026-Q4",
    startsOn: "2026-10-01",
    dueOn: "2026-10-22",
    endsOn: "2026-12-31",
  };

  it("accepts a start, a due date and a close date in order, the same day included", () => {
    expect(issues(cycle)).toEqual({});
    expect(issues({ ...cycle, dueOn: "2026-10-01", endsOn: "2026-10-01" })).toEqual({});
    expect(NewCycleSchema.parse({ ...cycle, name: "  2026-Q4  " }).name).toBe("2026-Q4");
  });

  it("says which date is out of order, beside that field", () => {
    expect(issues({ ...cycle, dueOn: "2026-09-30" })).toEqual({
      dueOn: "The due date must be on or after the start.",
    });
    expect(issues({ ...cycle, endsOn: "2026-10-21" })).toEqual({
      endsOn: "The close date must be on or after the due date.",
    });
    expect(issues({ ...cycle, startsOn: "2026-13-01" })).toMatchObject({
      startsOn: "Enter a date as YYYY-MM-DD.",
    });
  });

  it("lasts at most a year (366 days, a leap year's worth)", () => {
    const leapYear = { startsOn: "2028-01-01", dueOn: "2028-01-22" };
    expect(issues({ ...cycle, ...leapYear, endsOn: "2029-01-01" })).toEqual({});
    expect(issues({ ...cycle, ...leapYear, endsOn: "2029-01-02" })).toEqual({
      endsOn: "A cycle can last at most a year.",
    });
  });

  it("needs a name of at most 60 characters", () => {
    expect(issues({ ...cycle, name: " " })).toEqual({
      name: "Give the cycle a name, e.g. 2026-Q4.",
    });
    expect(issues({ ...cycle, name: "x".repeat(61) })).toEqual({
      name: "Keep the name under 60 characters.",
    });
    expect(issues({ ...cycle, name: "x".repeat(60) })).toEqual({});
  });

  it("checks moved dates with the same rules", () => {
    expect(
      CycleDatesSchema.safeParse({
        startsOn: "2026-10-01",
        dueOn: "2026-09-01",
        endsOn: "2026-12-31",
      }).success,
    ).toBe(false);
  });
});
