import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";
import { PASSWORD, addMember } from "../support/factories";
import { seriousA11yViolations } from "../support/accessibility";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";

let app: AppServer;
let browser: Browser;
let data: GapData;

beforeAll(async () => {
  [app, browser, data] = await Promise.all([startAppServer(), launchBrowser(), buildGapData()]);
  // Hand-worked figures of topics two people rated: tests/e2e/journeys.test.ts meets the floor.
  await showEveryFigure(data.organizationId);
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

function topGapNames(page: Page) {
  return page.getByRole("region", { name: "Top gaps" }).locator("tbody th a").allTextContents();
}

describe("a lead's gap view in the browser", () => {
  it("filters to one category, opens a topic, validates an assessment and sees the calibration queue change", async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`${page.url()} ${e.message}`));
    await logIn(page, data.lee.email);

    // The dashboard counts the team's risks and reviews.
    const dashboardRow = page.getByRole("row", { name: /Team T/ });
    await expect.poll(() => dashboardRow.textContent()).toContain("2 of 3");

    await page.getByRole("link", { name: "Team gaps" }).click();
    await page.waitForURL(/\/gaps\?team=|\/gaps$/);
    await expect.poll(() => topGapNames(page)).toEqual(["a1", "b1", "a2"]);
    await expect
      .poll(() => page.getByRole("heading", { name: "Average gap by category" }).count())
      .toBe(1);

    // Any column sorts the table, by click or keyboard; the order is in the URL.
    const topGaps = page.getByRole("region", { name: "Top gaps" });
    await topGaps.getByRole("link", { name: /^Topic/ }).click();
    await page.waitForURL(/sort-top=topic\.asc/);
    await expect.poll(() => topGapNames(page)).toEqual(["a1", "a2", "b1"]);
    expect(
      await topGaps.getByRole("columnheader", { name: /^Topic/ }).getAttribute("aria-sort"),
    ).toBe("ascending");
    await topGaps.getByRole("link", { name: /^Topic/ }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/sort-top=topic\.desc/);
    await expect.poll(() => topGapNames(page)).toEqual(["b1", "a2", "a1"]);
    await page.reload();
    await expect.poll(() => topGapNames(page)).toEqual(["b1", "a2", "a1"]);

    // Filter to category B: the URL keeps the filter, the ranking follows it.
    await page.getByLabel("Category", { exact: true }).selectOption({ label: "B" });
    await page.waitForURL(new RegExp(`category=${data.categoryOf.b1}`));
    await expect.poll(() => topGapNames(page)).toEqual(["b1"]);

    // The topic page: who is strong, who is short.
    await page.getByRole("link", { name: "b1", exact: true }).click();
    await page.waitForURL(new RegExp(`/gaps/topics/${data.topic.b1}`));
    const short = page.getByRole("region", { name: /Below target/ });
    await expect.poll(() => short.locator("tbody th a").allTextContents()).toEqual(["Ben"]);
    const strong = page.getByRole("region", { name: /possible mentors/ });
    await expect.poll(() => strong.locator("tbody th a").allTextContents()).toEqual(["Ann"]);

    // Nothing in category B to calibrate yet; Ben waits for validation.
    await page.getByRole("link", { name: "Validation & calibration" }).click();
    await page.waitForURL(/\/gaps\/review/);
    await page.getByText("Nothing to calibrate").waitFor();
    await page.getByRole("link", { name: "Validate Ben" }).click();
    await page.waitForURL(new RegExp(`/gaps/members/${data.ben.membershipId}/validate`));

    // Ben rated himself 1 on b1; the lead has no level yet, so the field starts empty (never
    // from Ben's own level); the lead puts 3, which is two apart.
    const b1 = page.getByLabel("Your level for b1");
    expect(await b1.inputValue()).toBe("");
    await b1.selectOption("3");
    await page.getByText("2 apart: calibrate").waitFor();
    await page.getByLabel("Comment on b1").fill("Led the b1 migration on his own.");
    await page.getByRole("button", { name: "Save and mark validated" }).click();

    // Back on the review tab with the same filter: the queue now holds Ben's b1.
    await page.waitForURL(new RegExp(`/gaps/review\\?.*category=${data.categoryOf.b1}`));
    const queue = page.getByRole("region", { name: "Calibration queue" });
    await expect.poll(() => queue.locator("tbody tr").count()).toBe(1);
    expect(await queue.locator("tbody tr").first().textContent()).toMatch(/Ben.*b1.*1.*3/);
    await page.getByText("No submitted assessments are waiting").waitFor();

    // The heatmap is one tab stop; arrow keys move between cells.
    await page.getByRole("link", { name: "Heatmap" }).click();
    await page.waitForURL(/\/gaps\/heatmap/);
    await page.locator('.heatmap td[tabindex="0"]').focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Ben, b1: level 3 (lead-validated); target 4, 1 below",
    );
    // The tooltip shows the same words.
    await expect
      .poll(() => page.locator(".hm-tip").textContent())
      .toBe("Ben, b1: level 3 (lead-validated); target 4, 1 below");

    // Topics × people: the same cell, now in b1's row and Ben's column.
    await page.getByRole("link", { name: "topics × people" }).click();
    await page.waitForURL(/axis=topics/);
    await expect.poll(() => page.locator(".heatmap tbody th a").allTextContents()).toEqual(["b1"]);
    await page.locator('.heatmap td[tabindex="0"]').focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Ben, b1: level 3 (lead-validated); target 4, 1 below",
    );
    // A category folds into one row of "topics below target" and unfolds again.
    const fold = page.getByRole("button", { name: "B", exact: true });
    await fold.click();
    expect(await fold.getAttribute("aria-expanded")).toBe("false");
    await page.locator('.heatmap td[tabindex="0"]').focus();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label")))
      .toMatch(/^\w+, B: \d of 1 topics below target$/);
    await fold.click();
    expect(await fold.getAttribute("aria-expanded")).toBe("true");

    // The matrix as filtered, as a CSV download.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    const csv = await readFile((await download.path()) as string, "utf8");
    expect(csv.split("\n").slice(0, 3)).toEqual([
      "Member,Title,Target profile,Compared against,B / b1,Topics below target,Weighted shortfall",
      "Ann,,Senior,Senior,4,0,0",
      "Ben,,Senior,Senior,3,1,1",
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("compares the teams on an admin's dashboard, sorted by click or keyboard, the order in the URL", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await logIn(page, data.admin.email);
    const teams = page.getByRole("region", { name: "Team gaps" });
    const order = () => teams.locator("tbody th a").allTextContents();
    await expect.poll(order).toEqual(["Team T", "Team U"]);
    // The organisation's row stays below the teams whatever the order.
    expect(await teams.locator("tfoot th").textContent()).toBe("Whole organisation");
    const teamT = teams.getByRole("row", { name: /^Team T/ });
    // 2 of Team T's 4 assessed; 2 overdue (due 2026-11-15); must-have 67% now, 100% at 2026-Q3.
    expect(await teamT.textContent()).toMatch(/50% 2\/4.*2.*67%.*▼ -33 pts/);
    await page
      .getByRole("heading", { name: "Must-have targets met across the organisation" })
      .waitFor();

    await teams.getByRole("link", { name: /^People/ }).click();
    await page.waitForURL(/sort-teams=people\.asc/);
    await expect.poll(order).toEqual(["Team U", "Team T"]);
    expect(
      await teams.getByRole("columnheader", { name: /^People/ }).getAttribute("aria-sort"),
    ).toBe("ascending");
    await teams.getByRole("link", { name: /^People/ }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/sort-teams=people\.desc/);
    await expect.poll(order).toEqual(["Team T", "Team U"]);
    await teams.getByRole("link", { name: /^Overdue/ }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/sort-teams=overdue\.asc/);
    await page.reload();
    await expect.poll(order).toEqual(["Team U", "Team T"]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("tells a lead who leads no team why the gap view is closed", async () => {
    const lead = await addMember(data.organizationId, "lead", "Nora Noteam");
    const page = await browser.newPage();
    await logIn(page, lead.email);
    await page.goto(`${app.url}/gaps`);
    await page.getByRole("heading", { name: "No access" }).waitFor();
    await page
      .getByText("You do not lead a team yet. An admin can name you lead of a team.")
      .waitFor();
    await page.close();
  });
});
