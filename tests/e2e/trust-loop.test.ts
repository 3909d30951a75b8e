import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";
import { PASSWORD } from "../support/factories";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";

// The lead's judgement as a loop, in Chromium: Cat submits; Lee validates without a field
// pre-filled from Cat's levels, agrees to one category and changes two topics with comments;
// the gap figures move only on validation; Cat reads both comments and the message and
// acknowledges; Lee resolves a calibration item with "discussed, keep both".
//
// Hand-built data (tests/gaps/gap-data.ts), Team T against Senior (a1 3 must-have, a2 2
// good-to-have, b1 4 advanced; weights 3, 2, 1). Cat: a1 4 (own), a2 own 0 with her lead's 1
// validated in 2026-Q3, b1 unrated until she rates it 2. Top gaps then: a1 6 (Ben 2 short),
// b1 5 (Ben 3 short, Cat 2), a2 2 (Cat 1 short). Lee's a1 2 and a2 2 for Cat, validated:
// a1 9 (Cat 1 short), b1 5, a2 met.

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

/** The overview's top gaps for Team T, as "topic score". */
async function topGaps(page: Page) {
  await page.goto(`${app.url}/gaps?team=${data.teamT.id}`);
  const rows = page.getByRole("region", { name: "Top gaps" }).locator("tbody tr");
  await rows.first().waitFor();
  return Promise.all(
    (await rows.all()).map(
      async (row) =>
        `${await row.locator("th a").textContent()} ${await row.locator("td").nth(1).textContent()}`,
    ),
  );
}

describe("validation, feedback and calibration in the browser", () => {
  it("runs from an engineer's submission to a resolved calibration item", async () => {
    const problems: string[] = [];
    const cat = await browser.newPage();
    const lee = await browser.newPage();
    watchPageProblems(cat, problems);
    watchPageProblems(lee, problems);

    // Cat's assessment opens at the first category with work left (B: b1 is unrated), with
    // her target and priority beside the topic; she rates b1 and submits.
    await logIn(cat, data.cat.email);
    await cat.goto(`${app.url}/assessment`);
    await cat.getByRole("heading", { name: /^B \(2 of 2\)/ }).waitFor();
    const b1 = cat.getByRole("group", { name: "b1" });
    await b1.getByText("Target: 4 Expert (advanced)").waitFor();
    await b1.getByLabel(/2 Working/).check();
    await b1.getByText("Saved").waitFor();
    await b1.getByText("· 2 below").waitFor();
    await cat.getByRole("button", { name: "Submit assessment" }).first().click();
    await cat.getByText("Submitted. Your lead will review it.").waitFor();

    // Lee's figures before anything is validated.
    await logIn(lee, data.lee.email);
    expect(await topGaps(lee)).toEqual(["a1 6", "b1 5", "a2 2"]);

    // The validate page: no field starts from Cat's own levels.
    await lee.goto(
      `${app.url}/gaps/members/${data.cat.membershipId}/validate?team=${data.teamT.id}`,
    );
    const field = (topic: string) => lee.getByLabel(`Your level for ${topic}`);
    expect(await field("a1").inputValue()).toBe(""); // Cat's own 4, no lead level: empty
    expect(await field("a2").inputValue()).toBe("1"); // Lee's level from 2026-Q3, not Cat's 0
    expect(await field("b1").inputValue()).toBe(""); // Cat's own 2, no lead level: empty
    await lee.getByText("3 topics have no level from you this cycle").waitFor();

    // Agree to category B (b1 becomes Lee's 2); change a1 and a2 with comments; save.
    await lee.getByRole("button", { name: /^Agree with the rest of B/ }).click();
    await lee.getByText("Saved: 1 topic changed. 2 topics have no level from you yet.").waitFor();
    await expect.poll(() => field("b1").inputValue()).toBe("2");
    await field("a1").selectOption("2");
    await lee.getByLabel("Comment on a1").fill("Strong, but not yet without help on a1.");
    await field("a2").selectOption("2");
    await lee.getByLabel("Comment on a2").fill("Clearly grown on a2 since the summer.");
    await lee.getByRole("button", { name: "Save", exact: true }).click();
    await lee.getByText("Saved: 2 topics changed.").waitFor();

    // Saved but not validated: the gap figures have not moved.
    const other = await browser.newPage();
    watchPageProblems(other, problems);
    await logIn(other, data.lee.email);
    expect(await topGaps(other)).toEqual(["a1 6", "b1 5", "a2 2"]);

    // Validated: a1 gains Cat's 1 short (×3); a2 is met; b1 is unchanged (Lee agreed).
    await lee.getByRole("button", { name: "Save and mark validated" }).click();
    await lee.waitForURL(/\/gaps\/review/);
    expect(await topGaps(other)).toEqual(["a1 9", "b1 5"]);

    // Cat sees both comments and the message, and acknowledges.
    await cat.goto(`${app.url}/assessment`);
    const feedback = cat.getByRole("region", { name: "Your lead's validation" });
    await feedback.getByText("“Strong, but not yet without help on a1.”").waitFor();
    await feedback.getByText("“Clearly grown on a2 since the summer.”").waitFor();
    await cat.goto(`${app.url}/messages`);
    await cat.getByText("Lee Lead validated your 2026-Q4 assessment").click();
    await cat
      .getByText(/a2: yours 0, your lead's 2 — “Clearly grown on a2 since the summer.”/)
      .waitFor();
    await cat.goto(`${app.url}/assessment`);
    await cat.getByRole("button", { name: "Acknowledge" }).click();
    await cat.getByText("Acknowledged: your lead can see you have read it.").waitFor();

    // Lee sees who acknowledged, and resolves Cat's a2 (0 vs 2) as discussed.
    await lee.goto(`${app.url}/gaps/review?team=${data.teamT.id}`);
    const validated = lee.getByRole("region", { name: "Validated this cycle" });
    await expect
      .poll(() => validated.getByRole("row", { name: /Cat/ }).textContent())
      .toContain("Acknowledged");
    await expect
      .poll(() => validated.getByRole("row", { name: /Ann/ }).textContent())
      .toContain("Not yet");
    const queue = lee.getByRole("region", { name: "Calibration queue" });
    const item = queue.getByRole("row", { name: /Cat.*a2/ });
    await item.getByText("Resolve…").click();
    await item.getByLabel("Discussed, keep both").check();
    await item.getByRole("button", { name: "Resolve" }).click();
    await item.getByText("Say what was discussed: the note is what the history keeps.").waitFor();
    await item.getByLabel("Note").fill("Talked in our 1:1: she will re-rate a2 next quarter.");
    await item.getByRole("button", { name: "Resolve" }).click();
    await lee.getByText("Resolved: discussed, both kept.").waitFor();
    await expect.poll(() => queue.getByRole("row", { name: /Cat.*a2/ }).count()).toBe(0);
    const resolved = lee.getByRole("region", { name: "Recently resolved" });
    await resolved
      .getByText("Talked in our 1:1: she will re-rate a2 next quarter.", { exact: false })
      .waitFor();
    expect(await resolved.textContent()).toMatch(
      /Cat.*a2.*Discussed, both kept.*self 0, lead 2.*by Lee Lead/,
    );

    // The one refusal on purpose: the resolve form posted without its note (422).
    expect(problems.filter((p) => !p.includes("status of 422"))).toEqual([]);
  });
});
