import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueEmail } from "../support/factories";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";

let app: AppServer;
let browser: Browser;

beforeAll(async () => {
  app = await startAppServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("a new admin in the browser", () => {
  it("signs up, creates an organisation and lands on its dashboard", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    watchPageProblems(page, problems);

    await page.goto(`${app.url}/`);
    await page.getByRole("link", { name: "Create an organisation" }).click();
    await page.getByLabel("Your name").fill("Margaret Hamilton");
    await page.getByLabel("Work email").fill(uniqueEmail("margaret"));
    await page.getByLabel("Password").fill("apollo guidance 11");
    await page.getByLabel("Organisation name").fill("Apollo Software");
    await page.getByRole("button", { name: "Create organisation" }).click();

    await page.waitForURL(`${app.url}/dashboard`);
    await page.getByRole("heading", { level: 1, name: "Apollo Software" }).waitFor();
    await page.getByRole("link", { name: "Invite your leads and engineers" }).waitFor();

    // Client-side navigation works, so the app hydrated under its CSP.
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Framework", exact: true })
      .click();
    await page.waitForURL(`${app.url}/framework`);
    await page.getByRole("heading", { level: 2, name: /Core Node\.js Fundamentals/ }).waitFor();
    await page.getByText("12 categories · 60 topics").waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a message beside the field for a bad email, in the browser", async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/signup`);
    await page.getByLabel("Your name").fill("X");
    await page.getByLabel("Work email").fill("not-an-email");
    await page.getByLabel("Password").fill("long enough password");
    await page.getByLabel("Organisation name").fill("Y");
    await page.getByRole("button", { name: "Create organisation" }).click();
    await page.getByText("Enter a valid email address, like ada@example.com").waitFor();
    await expect(page.getByLabel("Work email").getAttribute("aria-invalid")).resolves.toBe("true");
    await page.close();
  });
});

describe("the HTTP layer", () => {
  it("sends security headers on every page", async () => {
    const res = await fetch(`${app.url}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });

  it("refuses a cross-site form post", async () => {
    const res = await fetch(`${app.url}/login`, {
      method: "POST",
      headers: {
        Origin: "https://evil.example",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: "email=a%40b.c&password=x",
      redirect: "manual",
    });
    expect(res.status).toBe(403);
  });

  it("reports health and readiness", async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { postgres: "ok" } });
  });

  it("answers 404 with a page for an unknown path", async () => {
    const res = await fetch(`${app.url}/no-such-page`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Page not found");
  });
});
