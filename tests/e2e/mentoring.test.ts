import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { PASSWORD } from "../support/factories";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";

let app: AppServer;
let browser: Browser;
let data: GapData;

beforeAll(async () => {
  [app, browser, data] = await Promise.all([startAppServer(), launchBrowser(), buildGapData()]);
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

describe("mentoring in the browser", () => {
  it("a lead assigns a suggested mentor from the gap view; the mentor accepts and logs a check-in", async () => {
    const errors: string[] = [];
    const lead = await browser.newPage();
    lead.on("pageerror", (e) => errors.push(e.message));
    await logIn(lead, data.lee.email);

    // From the gap view's mentoring tab: Ben's gap on b1 has no mentor yet.
    await lead.getByRole("link", { name: "Team gaps" }).click();
    await lead
      .getByRole("navigation", { name: "Gap views" })
      .getByRole("link", { name: "Mentoring" })
      .click();
    await lead.waitForURL(/\/gaps\/mentoring/);
    await lead.getByRole("link", { name: "Find a mentor for Ben on b1" }).click();
    await lead.waitForURL(/\/gaps\/mentors\?/);

    // Ann is suggested with her reason; the lead proposes her.
    const ann = lead.getByRole("radio", { name: /Ann/ });
    await ann.waitFor();
    await expect
      .poll(() => lead.getByText("Expert · 1 of 3 slots used · same team").count())
      .toBe(1);
    await ann.check();
    await lead.getByLabel("Goal level").selectOption("3");
    await lead.getByRole("button", { name: "Propose mentorship" }).click();
    await lead.waitForURL(/\/gaps\/mentoring\?/);
    // The proposal redirected here; its confirmation came along, once.
    await lead
      .getByRole("status")
      .filter({ hasText: "Mentorship proposed: the mentor is asked to accept it." })
      .waitFor();
    const waiting = lead.getByRole("region", { name: "Waiting for the mentor" });
    await expect.poll(() => waiting.locator("tbody tr").count()).toBe(1);
    expect(await waiting.locator("tbody tr").textContent()).toMatch(/Ben.*Ann.*b1/);
    await lead.close();

    const outbox = await db
      .selectFrom("notifications")
      .select("recipient_email")
      .where("kind", "=", "mentorship_proposed")
      .where("organization_id", "=", data.organizationId)
      .execute();
    expect(outbox.map((n) => n.recipient_email).sort()).toEqual(
      [data.ann.email, data.ben.email].sort(),
    );

    // Ann accepts on her mentoring page and logs the first check-in.
    const mentor = await browser.newPage();
    mentor.on("pageerror", (e) => errors.push(e.message));
    await logIn(mentor, data.ann.email);
    await mentor.getByRole("link", { name: "Mentoring", exact: true }).click();
    await mentor.waitForURL(/\/mentoring$/);
    const answer = mentor.getByRole("region", { name: "Waiting for your answer" });
    await answer.getByText("Mentor Ben on b1").waitFor();
    await answer.getByRole("button", { name: "Accept" }).click();
    await mentor.getByText("Accepted: log your first check-in when you meet.").waitFor();
    // The answer went to the index route (?index), which the address no longer shows.
    await expect.poll(() => new URL(mentor.url()).search).toBe("");
    expect(new URL(mentor.url()).pathname).toBe("/mentoring");

    const mentoring = mentor.getByRole("region", { name: "You mentor" });
    await mentoring.getByRole("row", { name: /b1/ }).getByRole("link", { name: "Ben" }).click();
    await mentor.waitForURL(/\/mentoring\/[0-9a-f-]{36}$/);
    await mentor.getByRole("heading", { name: "Ann mentors Ben" }).waitFor();
    await mentor.getByLabel("Notes").fill("Walked through the b1 runbook together.");
    await mentor.getByLabel("Ben's level now (optional)").selectOption("2");
    await mentor.getByRole("button", { name: "Log check-in" }).click();
    await mentor.getByRole("status").filter({ hasText: "Check-in logged." }).waitFor();
    const checkIns = mentor.getByRole("region", { name: "Check-ins" });
    await expect
      .poll(() => checkIns.locator("tbody tr").first().textContent())
      .toContain("Walked through the b1 runbook together.");
    // The form is empty again: a second click cannot log the same check-in twice.
    await expect.poll(() => mentor.getByLabel("Notes").inputValue()).toBe("");
    expect(await mentor.getByLabel("Ben's level now (optional)").inputValue()).toBe("");
    expect(await checkIns.locator("tbody tr").count()).toBe(1);
    expect(errors).toEqual([]);
    await mentor.close();
  });

  it("without JavaScript, a form on an index page confirms its save at the page's own address", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await logIn(page, data.admin.email);
    await page.goto(`${app.url}/admin/cycles`);
    const create = page.locator("form", {
      has: page.getByRole("button", { name: "Create cycle" }),
    });
    await create.getByLabel("Name").fill("2027-Q1");
    await create.getByLabel("Starts").fill("2027-01-01");
    await create.getByLabel("Self-assessment due").fill("2027-01-20");
    await create.getByLabel("Closes").fill("2027-03-31");
    await create.getByRole("button", { name: "Create cycle" }).click();
    await page.getByText("2027-Q1 created. Open it when you are ready.").waitFor();
    // The post went to "?index"; the answer was a redirect back to the page itself.
    expect(new URL(page.url()).pathname).toBe("/admin/cycles");
    expect(new URL(page.url()).search).toBe("");
    await page.reload();
    expect(await page.getByText("2027-Q1 created.").count()).toBe(0);

    // An invitation: the link the script would show in place is under the pending ones.
    await page.goto(`${app.url}/admin/members`);
    await page.getByLabel("Email").fill("no-script@example.test");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page
      .getByText(/no-script@example\.test: its link is under Pending invitations/)
      .waitFor();
    expect(new URL(page.url()).search).toBe("");
    await page
      .getByRole("region", { name: "Pending invitations" })
      .getByText("no-script@example.test")
      .waitFor();
    await page.close();
  });
});
