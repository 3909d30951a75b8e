import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_LOGINS } from "#seeds/demo";
import { seriousA11yViolations } from "../support/accessibility";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";
import { createIsolatedDatabase } from "../support/isolated-database";

// Moving installations, as an admin does it in Chromium: export the demo organisation on one
// installation (the worker builds the archive while the page shows its progress), download
// it, sign up on a fresh installation, import it there, and find the same dashboard.

let source: { database: Awaited<ReturnType<typeof createIsolatedDatabase>>; app: AppServer };
let target: { database: Awaited<ReturnType<typeof createIsolatedDatabase>>; app: AppServer };
let browser: Browser;

beforeAll(async () => {
  const [a, b] = await Promise.all([
    createIsolatedDatabase({ prefix: "gapmap_move_from" }),
    createIsolatedDatabase({ prefix: "gapmap_move_to" }),
  ]);
  const [appA, appB, chromium] = await Promise.all([
    startAppServer({ DATABASE_URL: a.url }, { args: ["--with-worker", "--demo"] }),
    startAppServer({ DATABASE_URL: b.url }, { args: ["--with-worker"] }),
    launchBrowser(),
  ]);
  source = { database: a, app: appA };
  target = { database: b, app: appB };
  browser = chromium;
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([source?.app.stop(), target?.app.stop()]);
  await Promise.all([source?.database.drop(), target?.database.drop()]);
});

/** The dashboard's main content, as the admin reads it. */
async function dashboardText(page: Page, url: string) {
  await page.goto(`${url}/dashboard`);
  await page.getByRole("heading", { level: 2, name: "Team gaps" }).waitFor();
  // Charts draw in the browser only (the server sends their frame), once hydrated and once
  // the browser has measured their card: wait until every frame shows its axes.
  const frames = await page.locator("main .chart").count();
  await expect
    .poll(() => page.locator("main .chart:has(.recharts-cartesian-axis-tick)").count(), {
      timeout: 30_000,
    })
    .toBe(frames);
  return (await page.locator("main").innerText()).replace(/\s+/g, " ").trim();
}

describe("moving an organisation to another installation", () => {
  it("an admin exports, downloads, imports into a fresh installation and sees the same dashboard", async () => {
    const admin = DEMO_LOGINS.find((l) => l.role === "admin")!;
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      acceptDownloads: true,
    });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const problems: string[] = [];
    watchPageProblems(page, problems);

    await page.goto(`${source.app.url}/login`);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${source.app.url}/dashboard`);
    const before = await dashboardText(page, source.app.url);

    await page.getByRole("link", { name: "Organisation data" }).click();
    await page.getByRole("heading", { level: 1, name: "Organisation data" }).waitFor();
    await page.getByRole("button", { name: "Export everything" }).click();
    await page.getByText("Export started").waitFor();
    // The page follows the worker by itself until the archive is ready.
    const link = page.getByRole("link", { name: /^Download/ });
    await link.waitFor({ timeout: 120_000 });
    expect(await seriousA11yViolations(page)).toEqual([]);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^gapmap-acme-engineering.*\.tar\.gz$/);
    const archivePath = await download.path();
    expect(readFileSync(archivePath).length).toBeGreaterThan(100_000);

    // The fresh installation: the admin signs up with the same email, then imports.
    const fresh = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    fresh.setDefaultTimeout(60_000);
    const there = await fresh.newPage();
    watchPageProblems(there, problems);
    await there.goto(`${target.app.url}/signup`);
    await there.getByLabel("Your name").fill(admin.name);
    await there.getByLabel("Work email").fill(admin.email);
    await there.getByLabel("Password").fill("another-long-password-2026");
    await there.getByLabel("Organisation name").fill("Landing pad");
    await there.getByRole("button", { name: "Create organisation" }).click();
    await there.waitForURL(/\/(dashboard|admin)/);
    await there.goto(`${target.app.url}/admin/organisation-data`);
    await there.getByLabel("Export archive (.tar.gz)").setInputFiles(archivePath);
    await there.getByRole("button", { name: "Import" }).click();
    await there.getByText(/was created from the archive/).waitFor({ timeout: 120_000 });
    await there.getByRole("button", { name: "Open Acme Engineering" }).click();
    await there.waitForURL(/\/dashboard/);
    const after = await dashboardText(there, target.app.url);

    expect(after).toBe(before);
    expect(problems).toEqual([]);
    await context.close();
    await fresh.close();
  }, 400_000);
});
