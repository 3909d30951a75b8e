import fc from "fast-check";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safeRedirect } from "~/modules/accounts/schemas";
import * as login from "~/routes/login";
import { launchBrowser } from "../support/app-server";
import { PASSWORD, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call, testContext } from "../support/remix";

// Where the login page sends a user afterwards: only somewhere on the app's own origin, as a
// real browser would resolve the Location header. FC_SEED=<n> replays a run.

const SEED = Number(process.env.FC_SEED ?? 20261206);
const APP_URL = "http://localhost:3000";
const FALLBACK = "/dashboard";

// The pieces open redirects are made of: slashes either way, encoded slashes, tabs, spaces
// and newlines browsers drop or trim, Unicode spaces, other hosts, schemes.
const PIECES = [
  "/",
  "//",
  "\\",
  "/\\",
  "%2F",
  "%2f",
  "%5C",
  "%09",
  "%0A",
  "\t",
  "\n",
  "\r",
  " ",
  "\u0000",
  "\u00A0",
  "\u3000",
  "\u2028",
  "\u200B",
  "\uFEFF",
  "\u000B",
  "\u001F",
  "\u007F",
  "127.0.0.1:3999",
  "evil.example",
  "@",
  ":",
  "?",
  "#",
  ".",
  "..",
  "a",
  "pwned",
  "localhost:3000",
  "http:",
  "https:",
  "javascript:",
  "data:",
  "HTTP://",
  "//localhost:3000",
  "http://localhost:3000",
  "///",
  "%",
  "%%",
  "..%2F",
  "&",
  "=",
];
const candidate = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((p) => p.join("")),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 12 }).map((s) => `/${s}`),
);

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe("the redirect after login", () => {
  it("is a path on the app's own origin, free of control characters and whitespace, or the dashboard", () => {
    fc.assert(
      fc.property(candidate, (to) => {
        const target = safeRedirect(to, APP_URL);
        expect(
          target.startsWith("/") && !target.startsWith("//") && !target.startsWith("/\\"),
        ).toBe(true);
        expect(target).not.toMatch(/[\p{Cc}\p{Cf}\p{Z}\s]/u);
        expect(new URL(target, APP_URL).origin).toBe(APP_URL);
        if (/[\p{Cc}\p{Cf}\p{Z}\s]/u.test(to)) expect(target).toBe(FALLBACK);
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it("agrees with Chromium's own URL resolution on a sample", async () => {
    const sample = fc.sample(candidate, { seed: SEED, numRuns: 600 });
    sample.push(
      "/\t/127.0.0.1:3999/pwned",
      "/ /127.0.0.1:3999/pwned",
      "/\\evil.example",
      "/%2F/evil.example",
    );
    const page = await browser.newPage();
    try {
      const cases = sample.map((raw) => ({ raw, target: safeRedirect(raw, APP_URL) }));
      // In the browser: where the raw value would take the user, and where our answer does.
      const resolved = await page.evaluate(
        ({ cases, base }) =>
          cases.map(({ raw, target }) => {
            let rawOrigin: string | null = null;
            try {
              rawOrigin = new URL(raw, base).origin;
            } catch {
              rawOrigin = null;
            }
            return { raw, target, rawOrigin, targetOrigin: new URL(target, base).origin };
          }),
        { cases, base: APP_URL },
      );
      let elsewhere = 0;
      for (const r of resolved) {
        expect(r.targetOrigin, JSON.stringify(r.raw)).toBe(APP_URL);
        if (r.rawOrigin !== APP_URL) {
          elsewhere += 1;
          expect(r.target, JSON.stringify(r.raw)).toBe(FALLBACK);
        }
      }
      // The sample does reach other origins in Chromium: the check is not vacuous.
      expect(elsewhere).toBeGreaterThan(20);
      expect(resolved.find((r) => r.raw === "/\t/127.0.0.1:3999/pwned")?.rawOrigin).toBe(
        "http://127.0.0.1:3999",
      );
    } finally {
      await page.close();
    }
  });

  it("keeps a same-site path with its query and fragment", () => {
    expect(safeRedirect("/gaps?team=a&category=b#heatmap", APP_URL)).toBe(
      "/gaps?team=a&category=b#heatmap",
    );
    expect(safeRedirect("/reports/1", APP_URL)).toBe("/reports/1");
  });

  const attacks = [
    "/\t/127.0.0.1:3999/pwned",
    "/ /127.0.0.1:3999/pwned",
    "/\n/evil.example",
    "/\u3000/evil.example",
  ];
  attacks.forEach((to, i) => {
    it(`login with redirectTo=${JSON.stringify(to)} lands on the dashboard`, async () => {
      const { admin } = await createOrgWithAdmin();
      const result = await call(
        login.action,
        buildRequest("/login", {
          form: { email: admin.email, password: PASSWORD, redirectTo: to },
        }),
        {},
        testContext(`203.0.113.${i + 1}`),
      );
      expect(result.status).toBe(302);
      expect(result.headers.get("Location")).toBe(FALLBACK);
    });
  });
});
