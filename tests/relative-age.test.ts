import { describe, expect, it } from "vitest";
import { relativeAge } from "~/lib/relative-age";

// The age shown beside each rating ("3 weeks ago"): days, then weeks, months and years.

const now = "2026-12-06T12:00:00Z";
const daysAgo = (days: number, hours = 0) =>
  new Date(Date.parse(now) - days * 86_400_000 - hours * 3_600_000).toISOString();

describe("how long ago a rating was saved", () => {
  it("is today within the same 24 hours", () => {
    expect(relativeAge(now, now)).toBe("today");
    expect(relativeAge(daysAgo(0, 23), now)).toBe("today");
    // A clock a little ahead of the server's: still today, never "in 1 day".
    expect(relativeAge(daysAgo(0, -2), now)).toBe("today");
  });

  it("counts days up to two weeks", () => {
    expect(relativeAge(daysAgo(1), now)).toBe("yesterday");
    expect(relativeAge(daysAgo(1, 23), now)).toBe("yesterday");
    expect(relativeAge(daysAgo(13), now)).toBe("13 days ago");
  });

  it("then weeks up to two months", () => {
    expect(relativeAge(daysAgo(14), now)).toBe("2 weeks ago");
    expect(relativeAge(daysAgo(20), now)).toBe("2 weeks ago");
    expect(relativeAge(daysAgo(21), now)).toBe("3 weeks ago");
    expect(relativeAge(daysAgo(59), now)).toBe("8 weeks ago");
  });

  it("then months up to two years, then years", () => {
    expect(relativeAge(daysAgo(60), now)).toBe("last month");
    expect(relativeAge(daysAgo(61), now)).toBe("2 months ago");
    expect(relativeAge(daysAgo(400), now)).toBe("13 months ago");
    expect(relativeAge(daysAgo(729), now)).toBe("23 months ago");
    // Two years on, not "last year" (730 days is under two years of 365.25).
    expect(relativeAge(daysAgo(730), now)).toBe("2 years ago");
    expect(relativeAge(daysAgo(1100), now)).toBe("3 years ago");
  });

  it("takes dates as strings or Date objects alike", () => {
    expect(relativeAge(new Date(daysAgo(21)), new Date(now))).toBe("3 weeks ago");
  });
});
