import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { closeCycle, openCycle } from "~/modules/assessments/cycles.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { addStaffProfile } from "../growth/growth-data";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";
import { PASSWORD } from "../support/factories";
import { buildRequest } from "../support/remix";

// The growth loop in Chromium: Ben opens "Next level", makes a plan from his two blocking
// topics (a1 and b1, both to 4 by 2027-Q1), proposes Cat as mentor from the suggestions; his
// lead Lee comments from the team readiness table; in 2027-Q1 Ben reaches 4 on a1, and the
// Q1 report shows 1 met, 1 carried over on his report page.

let app: AppServer;
let browser: Browser;
let data: GapData;
let q1: string;

beforeAll(async () => {
  [app, browser, data] = await Promise.all([startAppServer(), launchBrowser(), buildGapData()]);
  await addStaffProfile(data);
  q1 = (
    await db
      .insertInto("cycles")
      .values({
        organization_id: data.organizationId,
        framework_version_id: data.versionId,
        name: "2027-Q1",
        starts_on: "2027-01-01",
        due_on: "2027-02-15",
        ends_on: "2027-03-31",
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
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

/** What sticks out sideways on a 390 px phone (nothing, when the page fits). */
async function overflowOnPhone(page: Page) {
  await page.setViewportSize({ width: 390, height: 844 });
  const culprits = await page.evaluate(() =>
    document.documentElement.scrollWidth > window.innerWidth
      ? [...document.querySelectorAll("body *")]
          .filter(
            (e) =>
              e.getBoundingClientRect().right > window.innerWidth + 1 &&
              !e.parentElement?.closest(".table-wrap"),
          )
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
      : [],
  );
  await page.setViewportSize({ width: 1366, height: 900 });
  return culprits;
}

describe("growth in the browser", () => {
  it("plans from the blocking topics, links a mentor, takes the lead's comment, and reports 1 met, 1 carried over", async () => {
    const problems: string[] = [];
    const ben = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    watchPageProblems(ben, problems);
    await logIn(ben, data.ben.email);
    await ben.getByRole("link", { name: "Next level" }).click();
    await ben.waitForURL(/\/growth$/);
    await ben.getByRole("heading", { name: "Readiness for Staff" }).waitFor();
    expect(await ben.getByTestId("must-have").textContent()).toBe("0 of 1");
    expect(await ben.getByTestId("score").textContent()).toBe("15");

    for (const topic of ["a1", "b1"]) {
      await ben.getByRole("button", { name: `Add ${topic} as a goal` }).click();
      await ben.getByText("Goal added to the plan.").waitFor();
    }
    await expect.poll(() => ben.getByTestId("goal").count()).toBe(2);
    expect(await ben.getByTestId("goal").first().textContent()).toMatch(
      /a1: level 4 by 2027-Q1 · now 1/,
    );

    await ben.getByTestId("goal").first().getByRole("link", { name: "Find a mentor" }).click();
    await ben.getByRole("heading", { name: "Mentors for a1" }).waitFor();
    await ben.getByRole("button", { name: "Propose Cat" }).click();
    await ben.getByText("Mentor linked to the goal.").waitFor();
    await expect
      .poll(() => ben.getByTestId("goal").first().textContent())
      .toMatch(/Mentor: Cat \(proposed\)/);
    expect(await overflowOnPhone(ben)).toEqual([]);

    const lee = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    watchPageProblems(lee, problems);
    await logIn(lee, data.lee.email);
    await lee.getByRole("link", { name: "Team readiness" }).click();
    await lee.waitForURL(/\/growth\/team/);
    const benRow = lee.getByRole("row", { name: /Ben/ });
    expect(await benRow.textContent()).toMatch(/Staff.*0 of 1.*15/);
    expect(await overflowOnPhone(lee)).toEqual([]);
    await benRow.getByRole("link", { name: "Ben" }).click();
    await lee.waitForURL(/\/growth\/members\//);
    await lee
      .getByRole("textbox", { name: "Comment", exact: true })
      .fill("Pair with Cat on a1 first.");
    await lee.getByRole("button", { name: "Add comment" }).click();
    await lee.getByText("Comment added.").waitFor();
    await lee.close();

    await ben.reload();
    await expect
      .poll(() => ben.getByTestId("comment").textContent())
      .toMatch(/Lee Lead.*Pair with Cat on a1 first\./);

    // The next cycle: Q4 closes, Q1 opens, Ben's level on a1 reaches 4 (validated by Lee).
    const admin = await requireMember(buildRequest("/admin/cycles", { cookie: data.admin.cookie }));
    await closeCycle(admin, data.cycleId);
    await openCycle(admin, q1);
    await db
      .insertInto("ratings")
      .values({
        organization_id: data.organizationId,
        cycle_id: q1,
        member_id: data.ben.membershipId,
        topic_id: data.topic.a1,
        source: "self",
        level: 4,
      })
      .execute();

    // Lee generates the Q1 report from the reports page; Ben reads his page of it.
    const leeAgain = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    watchPageProblems(leeAgain, problems);
    await logIn(leeAgain, data.lee.email);
    await leeAgain.goto(`${app.url}/reports`);
    await leeAgain.getByLabel("Cycle").selectOption({ label: "2027-Q1 (open: so far)" });
    await leeAgain.getByRole("button", { name: "Make report" }).click();
    await leeAgain.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    const reportId = leeAgain.url().split("/").pop()!;
    await leeAgain.close();

    await ben.goto(`${app.url}/reports/${reportId}/members/${data.ben.membershipId}`);
    await ben.getByRole("heading", { name: "Development plan" }).waitFor();
    expect(await ben.getByTestId("plan-outcomes").textContent()).toBe(
      "1 met, 0 missed, 1 carried over",
    );
    expect(await overflowOnPhone(ben)).toEqual([]);
    await ben.close();
    expect(problems).toEqual([]);
  });
});
