import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { generateDueReports } from "~/modules/reports/due-reports.server";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";
import { PASSWORD } from "../support/factories";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";

let app: AppServer;
let browser: Browser;
let data: GapData;

beforeAll(async () => {
  [app, browser, data] = await Promise.all([startAppServer(), launchBrowser(), buildGapData()]);
  // Hand-worked figures of topics two people rated: tests/e2e/journeys.test.ts meets the floor.
  await showEveryFigure(data.organizationId);
  // The quarter closes; the worker's report scan issues its reports.
  await db
    .updateTable("cycles")
    .set({ status: "closed", closed_at: new Date() })
    .where("id", "=", data.cycleId)
    .execute();
  await generateDueReports(new Date(), { organizationId: data.organizationId });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function logIn(page: Page, email: string) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${app.url}/dashboard`);
}

describe("a quarterly report in the browser", () => {
  it("a lead opens the quarter's report, sees its charts, downloads the CSV and prints it clean", async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await logIn(page, data.lee.email);

    await page.getByRole("link", { name: "Reports" }).click();
    await page.waitForURL(`${app.url}/reports`);
    // Lee leads Team T only: its 2026-Q4 report (and Q3's), not Team U's or the organisation's.
    const listed = page.getByRole("region", { name: "Your teams' reports" });
    await expect
      .poll(() => listed.locator("tbody td:first-of-type").allTextContents())
      .toEqual(["Team T", "Team T"]);
    await listed.getByRole("link", { name: "2026-Q4" }).click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);

    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toBe("2026-Q4 report: Team T");
    const headlines = page.getByRole("region", { name: "Headlines" });
    await expect.poll(() => headlines.textContent()).toContain("67%"); // 2 of 3 must-haves
    // Both charts draw (recharts renders SVG in the browser) and have table alternatives.
    await expect
      .poll(() => page.locator(".chart svg.recharts-surface").count())
      .toBeGreaterThanOrEqual(2);
    await page
      .getByRole("region", { name: "Average level by category, before and after" })
      .getByText("Show as table")
      .click();
    await expect
      .poll(() => page.getByRole("row", { name: /^A\b/ }).first().textContent())
      .toContain("2.2");
    const movers = page.getByRole("region", { name: "Biggest movers" });
    await expect.poll(() => movers.locator("tbody th").allTextContents()).toEqual(["Ben"]);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("gapmap-report-team-t-2026-q4.csv");
    const csv = await readFile((await download.path())!, "utf8");
    expect(csv.split("\n")[0]).toBe(
      "cycle,previous_cycle,scope,member,category,topic,priority,target_level,level_before,level_after,delta,change,mentored",
    );
    expect(csv).toContain("2026-Q4,2026-Q3,Team T,Ben,A,a1,must_have,3,3,1,-2,regressed,yes");

    // Printed, the page is the document alone.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".sidebar").isVisible()).toBe(false);
    expect(await page.getByRole("link", { name: "Download CSV" }).isVisible()).toBe(false);
    expect(await page.locator(".chart svg.recharts-surface").first().isVisible()).toBe(true);
    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");

    expect(errors).toEqual([]);
    await page.close();
  });

  it("an engineer reads the organisation's report as figures only, naming no one", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await logIn(page, data.ben.email);
    await page.goto(`${app.url}/reports`);
    const listed = page.getByRole("region", { name: "The organisation's reports" });
    await listed.getByRole("link", { name: "2026-Q4" }).click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    await page
      .getByRole("heading", { level: 1, name: "2026-Q4 report: the whole organisation" })
      .waitFor();
    await page.getByText("The organisation's figures only: no one is named").waitFor();
    const headlines = page.getByRole("region", { name: "Headlines" });
    await expect.poll(() => headlines.textContent()).toContain("Must-have targets met");
    expect(await page.getByRole("link", { name: "Download CSV" }).count()).toBe(0);
    expect(await page.getByRole("region", { name: "Biggest movers" }).count()).toBe(0);
    expect(await page.getByRole("region", { name: "Each person's page" }).count()).toBe(0);
    const main = (await page.locator("main").innerText()).replace(/\s+/g, " ");
    for (const name of ["Ann", "Cat", "Dan", "Lee"])
      expect(main).not.toMatch(new RegExp(`\\b${name}\\b`));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    expect(errors).toEqual([]);
    await page.close();
  });
});
