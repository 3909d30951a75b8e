import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, localeFromAcceptLanguage } from "~/lib/dates";

// Every date on a page goes through these: the reader's locale, the organisation's time zone.

const london = { locale: "en-GB", timeZone: "Europe/London" };

describe("a date on a page", () => {
  it("is written the way the reader's locale writes it", () => {
    expect(formatDate("2026-12-13", london)).toBe("13 Dec 2026");
    expect(formatDate("2026-12-13", { locale: "en-US", timeZone: "UTC" })).toBe("Dec 13, 2026");
    expect(formatDate("2026-12-13", { locale: "de-DE", timeZone: "UTC" })).toBe("13.12.2026");
  });

  it("keeps a calendar date (a due date) on its day in every time zone", () => {
    for (const timeZone of ["Pacific/Auckland", "America/Los_Angeles", "UTC"])
      expect(formatDate("2026-06-12", { locale: "en-GB", timeZone })).toBe("12 Jun 2026");
  });

  it("puts a moment on the organisation's calendar and clock", () => {
    // 23:30 UTC on 5 December is already 6 December in Auckland.
    const moment = "2026-12-05T23:30:00Z";
    expect(formatDate(moment, { locale: "en-GB", timeZone: "UTC" })).toBe("5 Dec 2026");
    expect(formatDate(moment, { locale: "en-GB", timeZone: "Pacific/Auckland" })).toBe(
      "6 Dec 2026",
    );
    expect(formatDateTime(moment, { locale: "en-GB", timeZone: "Pacific/Auckland" })).toBe(
      "6 Dec 2026, 12:30",
    );
    expect(formatDateTime(new Date(moment), london)).toBe("5 Dec 2026, 23:30");
  });

  it("shows a dash for no date, and never throws on a bad one or an unknown zone", () => {
    expect(formatDate(null, london)).toBe("—");
    expect(formatDate("not a date", london)).toBe("—");
    expect(formatDateTime(undefined, london)).toBe("—");
    expect(formatDate("2026-12-13T10:00:00Z", { locale: "en-GB", timeZone: "Mars/Base" })).toBe(
      "13 Dec 2026",
    );
  });
});

describe("the reader's locale from Accept-Language", () => {
  it("takes the preferred language the runtime can format", () => {
    expect(localeFromAcceptLanguage("de-DE,de;q=0.9,en;q=0.8")).toBe("de-DE");
    expect(localeFromAcceptLanguage("en;q=0.5, fr-FR;q=0.9")).toBe("fr-FR");
    expect(localeFromAcceptLanguage("en-US")).toBe("en-US");
  });

  it("falls back to en-GB when there is none it can use", () => {
    expect(localeFromAcceptLanguage(null)).toBe("en-GB");
    expect(localeFromAcceptLanguage("")).toBe("en-GB");
    expect(localeFromAcceptLanguage("*")).toBe("en-GB");
    expect(localeFromAcceptLanguage("not_a_tag!!, x-;q=abc")).toBe("en-GB");
  });
});
