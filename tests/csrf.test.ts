import { describe, expect, it } from "vitest";
import { isCrossSiteRequest } from "~/lib/csrf.server";

const base = { appUrl: "https://gapmap.example.com", host: "gapmap.example.com", secFetchSite: undefined };

describe("cross-site request check", () => {
  it("refuses a POST from another site", () => {
    expect(isCrossSiteRequest({ ...base, method: "POST", origin: "https://evil.example" })).toBe(true);
    expect(isCrossSiteRequest({ ...base, method: "POST", origin: "null" })).toBe(true);
    expect(isCrossSiteRequest({ ...base, method: "DELETE", origin: undefined, secFetchSite: "cross-site" })).toBe(true);
  });

  it("accepts same-origin posts and every safe method", () => {
    expect(isCrossSiteRequest({ ...base, method: "POST", origin: "https://gapmap.example.com" })).toBe(false);
    expect(isCrossSiteRequest({ ...base, method: "GET", origin: "https://evil.example" })).toBe(false);
    expect(isCrossSiteRequest({ ...base, method: "POST", origin: undefined, secFetchSite: "same-origin" })).toBe(false);
  });

  it("accepts the host the browser actually talked to (e.g. 127.0.0.1 instead of localhost)", () => {
    expect(
      isCrossSiteRequest({ method: "POST", origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000", appUrl: "http://localhost:3000", secFetchSite: undefined }),
    ).toBe(false);
  });
});
