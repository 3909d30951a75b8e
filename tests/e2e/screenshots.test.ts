import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_LOGINS, demoCycles } from "#seeds/demo";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";
import { createIsolatedDatabase } from "../support/isolated-database";

// The README's pictures, taken from the demo data as `npm start` seeds it. Every run visits
// the pages and checks they render; only UPDATE_SCREENSHOTS=1 writes docs/screenshots/.

const SCREENSHOTS = "docs/screenshots";
const update = process.env.UPDATE_SCREENSHOTS === "1";

let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
let app: AppServer;
let browser: Browser;

beforeAll(async () => {
  database = await createIsolatedDatabase();
  [app, browser] = await Promise.all([
    // As `npm start` runs it (the demo brings the closed quarters' reports with it).
    startAppServer({ DATABASE_URL: database.url }, { args: ["--with-worker", "--demo"] }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await database?.drop();
});

async function shoot(page: Page, name: string) {
  if (!update) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, animations: "disabled" });
}

/** Waits until the page's charts have drawn their marks. */
async function chartsDrawn(page: Page, atLeast: number) {
  await expect
    .poll(() => page.locator(".chart svg.recharts-surface").count(), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(atLeast);
}

describe("the demo, as the README shows it", () => {
  it("the lead's dashboard, gap view, mentoring and a quarterly report render", async () => {
    const context = await browser.newContext({
      viewport: { width: 1366, height: 860 },
      reducedMotion: "reduce",
    });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems: string[] = [];
    watchPageProblems(page, problems);
    const lead = DEMO_LOGINS.find((l) => l.role === "lead")!;

    await page.goto(`${app.url}/login`);
    await page.getByLabel("Email").fill(lead.email);
    await page.getByLabel("Password").fill(lead.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${app.url}/dashboard`);
    await page.getByRole("heading", { level: 2, name: "Team gaps" }).waitFor();
    await page.getByText(`Welcome, ${lead.name}.`).waitFor();
    await shoot(page, "dashboard");

    await page.getByRole("link", { name: "Team gaps" }).first().click();
    await page.waitForURL(/\/gaps(\?|$)/);
    const topGaps = page.getByRole("region", { name: "Top gaps" });
    await expect.poll(() => topGaps.locator("tbody tr").count()).toBeGreaterThan(2);
    await chartsDrawn(page, 1);
    await shoot(page, "gap-view");

    await page
      .getByRole("navigation", { name: "Gap views" })
      .getByRole("link", { name: "Heatmap" })
      .click();
    await page.waitForURL(/\/gaps\/heatmap/);
    await expect.poll(() => page.locator(".heatmap tbody tr").count()).toBeGreaterThan(2);
    await shoot(page, "heatmap");

    await page
      .getByRole("navigation", { name: "Gap views" })
      .getByRole("link", { name: "Mentoring" })
      .click();
    await page.waitForURL(/\/gaps\/mentoring/);
    await expect.poll(() => page.locator("main tbody tr").count()).toBeGreaterThan(2);
    await shoot(page, "mentoring");

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Reports" })
      .click();
    await page.waitForURL(`${app.url}/reports`);
    // The demo's last closed quarter (its cycles end with the current quarter).
    const lastClosed = demoCycles(new Date())[2]!.name;
    const q3 = page
      .getByRole("region", { name: "Your teams' reports" })
      .getByRole("link", { name: lastClosed })
      .first();
    await q3.click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { level: 1, name: `${lastClosed} report: Platform` }).waitFor();
    await chartsDrawn(page, 2);
    await shoot(page, "report");

    // The same gap view on a phone: the navigation folded behind its Menu button.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/gaps`);
    await page.getByRole("button", { name: "Menu" }).waitFor();
    await chartsDrawn(page, 1);
    await shoot(page, "gap-view-phone");

    expect(problems).toEqual([]);
    // Five pages with charts in one test: more than the default 30 s on a loaded machine.
  }, 150_000);
});
