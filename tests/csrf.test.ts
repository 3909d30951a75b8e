import { describe, expect, it } from "vitest";
import { isCrossSiteRequest } from "~/lib/csrf.server";

const base = {
  appUrl: "https://gapmap.example.com",
  host: "gapmap.example.com",
  secFetchSite: undefined,
};

describe("cross-site request check", () => {
  it("refuses a POST from another site", () => {
    expect(isCrossSiteRequest({ ...base, method: "POST", origin: "https://evil.example" })).toBe(
      true,
    );
    expect(isCrossSiteRequest({ ...base, method: "POST", origin: "null" })).toBe(true);
    expect(
      isCrossSiteRequest({
        ...base,
        method: "DELETE",
        origin: undefined,
        secFetchSite: "cross-site",
      }),
    ).toBe(true);
  });

  it("refuses every method that can change something, from another site, however it says so", () => {
    const crossSite = [
      { origin: "https://evil.example", secFetchSite: undefined },
      { origin: "null", secFetchSite: undefined },
      { origin: undefined, secFetchSite: "cross-site" },
    ];
    const answers = ["POST", "PUT", "PATCH", "DELETE", "put", "patch", "PROPPATCH"].flatMap(
      (method) =>
        crossSite.map(
          (from) =>
            `${method} ${from.origin ?? from.secFetchSite}: ${isCrossSiteRequest({ ...base, ...from, method })}`,
        ),
    );
    expect(answers.filter((a) => !a.endsWith(": true"))).toEqual([]);
  });

  it("accepts same-origin posts and every safe method", () => {
    expect(
      isCrossSiteRequest({ ...base, method: "POST", origin: "https://gapmap.example.com" }),
    ).toBe(false);
    for (const method of ["GET", "HEAD", "OPTIONS"])
      expect(isCrossSiteRequest({ ...base, method, origin: "https://evil.example" })).toBe(false);
    for (const method of ["PUT", "PATCH", "DELETE"])
      expect(isCrossSiteRequest({ ...base, method, origin: "https://gapmap.example.com" })).toBe(
        false,
      );
    expect(
      isCrossSiteRequest({
        ...base,
        method: "POST",
        origin: undefined,
        secFetchSite: "same-origin",
      }),
    ).toBe(false);
  });

  it("accepts the host the browser actually talked to (e.g. 127.0.0.1 instead of localhost)", () => {
    expect(
      isCrossSiteRequest({
        method: "POST",
        origin: "http://127.0.0.1:3000",
        host: "127.0.0.1:3000",
        appUrl: "http://localhost:3000",
        secFetchSite: undefined,
      }),
    ).toBe(false);
  });
});
