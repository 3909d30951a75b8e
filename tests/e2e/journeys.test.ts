import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousA11yViolations } from "../support/accessibility";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";
import { uniqueEmail } from "../support/factories";
import { createIsolatedDatabase } from "../support/isolated-database";

// The product as its users meet it: an organisation made through the sign-up page, people
// invited by email (read from the outbox), a whole quarter from self-assessment to report.
// The web process runs the worker too, on a database of its own, so the report the cycle's
// close triggers is the worker's. Every page on the way is checked with axe-core, the
// empty ones as a new admin first sees them and the full ones once the quarter has data.

let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
let app: AppServer;
let browser: Browser;

beforeAll(async () => {
  database = await createIsolatedDatabase();
  [app, browser] = await Promise.all([
    startAppServer(
      {
        DATABASE_URL: database.url,
        GAPMAP_QUEUE_PREFIX: `journeys-${randomBytes(4).toString("hex")}`,
        GAPMAP_DISPATCH_EVERY_MS: "500",
        GAPMAP_REPORT_SCAN_EVERY_MS: "1000",
      },
      { args: ["--with-worker"] },
    ),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await database?.drop();
});

const PASSWORD = "a long enough passphrase";
const problems: string[] = [];
const violations: string[] = [];

/** axe-core on the page as it stands; its serious and critical findings fail the test at the end. */
async function audit(page: Page) {
  violations.push(...(await seriousA11yViolations(page)));
}

async function newPage() {
  const context = await browser.newContext({ acceptDownloads: true });
  // A step that cannot happen fails on its own line, well inside the test's time.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  watchPageProblems(page, problems);
  return page;
}

async function nav(page: Page, name: string) {
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name, exact: true })
    .click();
}

/** Rates every topic with the keyboard, category by category, and submits. */
async function selfAssess(page: Page, level: (topicIndex: number) => number) {
  await nav(page, "Self-assessment");
  await page.waitForURL(`${app.url}/assessment`);
  await page.getByText("Keys:").waitFor();
  await audit(page);
  let index = 0;
  for (;;) {
    const heading = await page.locator("#category-heading").textContent();
    const rows = page.locator("[data-topic-row]");
    const count = await rows.count();
    await rows.first().locator("input[type=radio]").first().focus();
    for (let i = 0; i < count; i += 1) {
      await page.keyboard.press(String(level(index)));
      await page.keyboard.press("ArrowDown");
      index += 1;
    }
    const next = page.getByRole("button", { name: /^Next: / });
    if ((await next.count()) === 0) break;
    await next.click();
    await expect.poll(() => page.locator("#category-heading").textContent()).not.toBe(heading);
  }
  await page.getByText(`${index} of ${index} topics answered`).waitFor();
  await page.getByRole("button", { name: "Submit assessment" }).first().click();
  await page.getByText("Submitted. Your lead will review it.").waitFor();
  return index;
}

describe("the four journeys, from an empty organisation", () => {
  it("sign-up and invitations; self-assessment; gap view and calibration; mentoring; the quarter's report", async () => {
    const emails = {
      admin: uniqueEmail("ada"),
      lead: uniqueEmail("linus"),
      alan: uniqueEmail("alan"),
      grace: uniqueEmail("grace"),
    };

    // An admin signs up and creates the organisation.
    const admin = await newPage();
    await admin.goto(`${app.url}/`);
    await audit(admin);
    await admin.getByRole("link", { name: "Create an organisation" }).click();
    await admin.getByLabel("Your name").waitFor();
    await audit(admin);
    await admin.getByLabel("Your name").fill("Ada Admin");
    await admin.getByLabel("Work email").fill(emails.admin);
    await admin.getByLabel("Password").fill(PASSWORD);
    await admin.getByLabel("Organisation name").fill("Journey Works");
    await admin.getByRole("button", { name: "Create organisation" }).click();
    await admin.waitForURL(`${app.url}/dashboard`);

    // First run: the dashboard says what to do next.
    await admin.getByRole("heading", { level: 1, name: "Journey Works" }).waitFor();
    const nextSteps = admin.getByRole("region", { name: "Next steps" });
    await nextSteps.getByRole("link", { name: "Invite your leads and engineers" }).waitFor();
    await nextSteps.getByRole("link", { name: "Open the first review cycle" }).waitFor();
    await audit(admin);
    // So do the pages that stay empty until people have assessed.
    const main = admin.getByRole("main");
    for (const [label, path, advice] of [
      ["Team gaps", "/gaps", main.getByRole("link", { name: "Invite your leads and engineers" })],
      ["Mentoring", "/mentoring", main.getByText("No mentoring yet.")],
      ["Reports", "/reports", main.getByRole("link", { name: "Open the first review cycle" })],
    ] as const) {
      await nav(admin, label);
      await admin.waitForURL(`${app.url}${path}`);
      await advice.waitFor();
      await audit(admin);
    }

    // A team, then the invitations.
    await admin
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Teams" })
      .click();
    await admin.getByLabel("Team name").fill("Platform");
    await audit(admin);
    await admin.getByRole("button", { name: "Create team" }).click();
    await admin.getByRole("heading", { level: 1, name: "Platform" }).waitFor();
    const teamUrl = admin.url();
    await admin
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Members" })
      .click();
    await admin.waitForURL(`${app.url}/admin/members`);
    await audit(admin);
    for (const [email, role] of [
      [emails.lead, "Lead"],
      [emails.alan, "Engineer"],
      [emails.grace, "Engineer"],
    ] as const) {
      await admin.getByLabel("Email").fill(email);
      await admin.getByLabel("Role").selectOption({ label: role });
      await admin.getByLabel("Team (optional)").selectOption({ label: "Platform" });
      await admin.getByRole("button", { name: "Send invitation" }).click();
      await admin
        .getByText(
          `Invitation for ${email} created. Copy this link and give it to them: no mail server is configured`,
        )
        .waitFor();
    }

    // Each invitation's link, as its email reads in the outbox.
    await admin
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Outbox" })
      .click();
    await admin.waitForURL(`${app.url}/admin/outbox`);
    await audit(admin);
    const links: Record<string, string> = {};
    for (const email of [emails.lead, emails.alan, emails.grace]) {
      const row = admin.getByRole("row").filter({ hasText: email });
      await row.getByText("invited you to Journey Works").click();
      const body = (await row.locator("pre").textContent()) ?? "";
      links[email] = /Accept the invitation: (\S+)/.exec(body)?.[1] ?? "";
      expect(links[email]).toMatch(/\/invite\//);
    }

    const people: Record<"lead" | "alan" | "grace", Page> = {} as never;
    for (const [who, name] of [
      ["lead", "Linus Lead"],
      ["alan", "Alan Turing"],
      ["grace", "Grace Hopper"],
    ] as const) {
      const page = await newPage();
      await page.goto(links[emails[who]]!);
      await page.getByRole("heading", { name: "Join Journey Works" }).waitFor();
      await audit(page);
      await page.getByLabel("Your name").fill(name);
      await page.getByLabel("Choose a password").fill(PASSWORD);
      await page.getByRole("button", { name: "Accept and join" }).click();
      await page.waitForURL(`${app.url}/dashboard`);
      people[who] = page;
    }

    // The admin names the lead, then opens the first cycle.
    await admin.goto(teamUrl);
    await admin
      .getByRole("row", { name: /Linus Lead/ })
      .getByRole("button", { name: "Make lead" })
      .click();
    await admin
      .getByRole("row", { name: /Linus Lead/ })
      .getByText("Lead", { exact: true })
      .waitFor();
    await audit(admin);
    await admin
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Cycles" })
      .click();
    await admin.waitForURL(`${app.url}/admin/cycles`);
    await admin.getByRole("heading", { level: 2, name: "New cycle" }).waitFor();
    const cycle = await admin.getByLabel("Name").inputValue();
    await audit(admin);
    await admin.getByRole("button", { name: "Create cycle" }).click();
    await admin.getByRole("button", { name: `Open ${cycle}` }).click();
    await admin.getByText(/draft assessments started/).waitFor();

    // (a) Each engineer completes a self-assessment: Alan strong everywhere, Grace a beginner.
    const topics = await selfAssess(people.alan, () => 4);
    await selfAssess(people.grace, (i) => (i % 2 === 0 ? 1 : 2));
    await nav(people.grace, "My profile");
    await people.grace.getByRole("table", { name: /by category/i }).waitFor();
    await audit(people.grace);

    // (b) The lead opens the team's gap view, validates Grace and reads the calibration queue.
    const lead = people.lead;
    await lead.reload();
    await audit(lead);
    await lead.getByRole("link", { name: "Team gaps" }).first().click();
    await lead.waitForURL(/\/gaps(\?|$)/);
    const topGaps = lead.getByRole("region", { name: "Top gaps" });
    // Two engineers rated and their lead rates nothing: under the privacy floor of 3 every
    // aggregate is withheld, and says so (ADR 015); so is Grace's place in the team.
    await lead.getByText("Charts and totals of this view: Fewer than 3 people rated").waitFor();
    expect(await topGaps.locator("tbody tr").count()).toBe(0);
    expect(await lead.getByRole("heading", { name: "Average gap by category" }).count()).toBe(0);
    await audit(lead);
    await people.grace.reload();
    await people.grace.getByText("Withheld: fewer than 3 others rated").first().waitFor();
    // A small organisation may lower its floor: at 2 the team's figures show.
    await admin.goto(`${app.url}/admin/settings`);
    await admin.getByLabel("Privacy floor (people)").fill("2");
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.getByText("Settings saved.").waitFor();
    await admin.goto(`${app.url}/admin/cycles`);
    await lead.reload();
    await expect.poll(() => topGaps.locator("tbody tr").count()).toBeGreaterThan(0);
    await audit(lead);
    // The chart's table alternative opens from the keyboard.
    const chartTable = lead.getByRole("region", { name: "Average gap by category" });
    await chartTable.getByText("Show as table").focus();
    await lead.keyboard.press("Enter");
    await expect.poll(() => chartTable.getByRole("table").isVisible()).toBe(true);

    await lead.getByRole("link", { name: "Validation & calibration" }).click();
    await lead.waitForURL(/\/gaps\/review/);
    await lead.getByText("Nothing to calibrate").waitFor();
    await audit(lead);
    await lead.getByRole("link", { name: "Validate Grace Hopper" }).click();
    await lead.waitForURL(/\/gaps\/members\/[0-9a-f-]{36}\/validate/);
    await audit(lead);
    const firstLevel = lead.getByLabel(/^Your level for /).first();
    const topicName = ((await firstLevel.getAttribute("aria-label")) ?? "").replace(
      /^Your level for /,
      "",
    );
    await firstLevel.selectOption("3");
    await lead.getByText("2 apart: calibrate").waitFor();
    await lead.getByRole("button", { name: "Save and mark validated" }).click();
    await lead.waitForURL(/\/gaps\/review/);
    const queue = lead.getByRole("region", { name: "Calibration queue" });
    await expect.poll(() => queue.locator("tbody tr").count()).toBe(1);
    expect(await queue.locator("tbody tr").first().textContent()).toContain("Grace Hopper");

    // The heatmap: one tab stop, arrow keys between cells, each cell described in words.
    await lead.getByRole("link", { name: "Heatmap" }).click();
    await lead.waitForURL(/\/gaps\/heatmap/);
    await audit(lead);
    await lead.locator('.heatmap td[tabindex="0"]').focus();
    await lead.keyboard.press("ArrowDown");
    await expect
      .poll(() => lead.evaluate(() => document.activeElement?.getAttribute("aria-label")))
      .toMatch(/^Grace Hopper, .+: level \d/);

    // (c) The lead finds a mentor for one of Grace's top gaps; Alan accepts and logs a check-in.
    await lead
      .getByRole("navigation", { name: "Gap views" })
      .getByRole("link", { name: "Mentoring" })
      .click();
    await lead.waitForURL(/\/gaps\/mentoring/);
    await audit(lead);
    const findMentor = lead
      .getByRole("link", { name: /^Find a mentor for Grace Hopper on / })
      .first();
    const gapTopic = ((await findMentor.textContent()) ?? "").replace(/^.* on /, "");
    await findMentor.click();
    await lead.waitForURL(/\/gaps\/mentors\?/);
    await audit(lead);
    await lead.getByRole("radio", { name: /Alan Turing/ }).check();
    await lead.getByLabel("Goal level").selectOption("3");
    await lead.getByRole("button", { name: "Propose mentorship" }).click();
    await lead.waitForURL(/\/gaps\/mentoring\?/);
    const waiting = lead.getByRole("region", { name: "Waiting for the mentor" });
    await expect.poll(() => waiting.locator("tbody tr").count()).toBe(1);

    const alan = people.alan;
    await nav(alan, "Mentoring");
    await alan.waitForURL(`${app.url}/mentoring`);
    const answer = alan.getByRole("region", { name: "Waiting for your answer" });
    await answer.getByText(`Mentor Grace Hopper on ${gapTopic}`).waitFor();
    await audit(alan);
    await answer.getByRole("button", { name: "Accept" }).click();
    await alan.getByText("Accepted: log your first check-in when you meet.").waitFor();
    await alan
      .getByRole("region", { name: "You mentor" })
      .getByRole("link", { name: "Grace Hopper" })
      .click();
    await alan.getByRole("heading", { name: "Alan Turing mentors Grace Hopper" }).waitFor();
    await audit(alan);
    await alan.getByLabel("Notes").fill("Paired on the first exercise.");
    await alan.getByRole("button", { name: "Log check-in" }).click();
    await alan.getByText("Check-in logged.").waitFor();
    await expect
      .poll(() =>
        alan.getByRole("region", { name: "Check-ins" }).locator("tbody tr").first().textContent(),
      )
      .toContain("Paired on the first exercise.");

    // (d) The admin closes the cycle; the worker issues its reports; the lead reads the team's.
    await admin.reload();
    admin.once("dialog", (dialog) => void dialog.accept());
    await admin.getByRole("button", { name: `Close ${cycle}` }).click();
    await admin.getByText("Cycle closed. Its ratings are now locked.").waitFor();

    await nav(lead, "Reports");
    await lead.waitForURL(`${app.url}/reports`);
    const teamReports = lead.getByRole("region", { name: "Your teams' reports" });
    await expect
      .poll(
        async () => {
          await lead.reload();
          return teamReports.getByRole("link", { name: cycle }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await audit(lead);
    await teamReports.getByRole("link", { name: cycle }).click();
    await lead.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    await lead.getByRole("heading", { level: 1, name: `${cycle} report: Platform` }).waitFor();
    await audit(lead);
    const [download] = await Promise.all([
      lead.waitForEvent("download"),
      lead.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    const csv = await readFile((await download.path())!, "utf8");
    const lines = csv.trim().split("\n");
    expect(lines[0]).toMatch(/^cycle,previous_cycle,scope,member,category,topic,/);
    // One line per person and topic, the validated level among Grace's.
    expect(lines.filter((l) => l.includes(",Grace Hopper,"))).toHaveLength(topics);
    expect(csv).toMatch(new RegExp(`,Grace Hopper,[^\\n]*,${escape(topicName)},`));

    expect(problems).toEqual([]);

    // An unknown address, at the top or inside a section, gets a page that says so; the
    // browser logs the 404, nothing else (no hydration mismatch).
    for (const path of ["/no-such-page", "/gaps/no-such-view"]) {
      const missing = await admin.goto(`${app.url}${path}`);
      expect(missing?.status()).toBe(404);
      await admin.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
      await audit(admin);
    }
    expect(problems.filter((p) => !p.startsWith("Failed to load resource"))).toEqual([]);

    expect(violations).toEqual([]);
  }, 600_000); // a hang's limit: ~100 s alone, over 400 s beside the rest of the suite on 2 cores

  it("the accessibility check reports a page's serious and critical faults, not its minor ones", async () => {
    const page = await browser.newPage();
    await page.setContent(
      `<html lang="en"><head><title>Faults</title></head><body><main><h1>Faults</h1>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <button></button>
        <p style="color:#bbb;background:#fff">Grey on white</p></main></body></html>`,
    );
    const found = await seriousA11yViolations(page);
    expect(found.map((line) => line.split(" ")[1]).sort()).toEqual([
      "button-name",
      "color-contrast",
      "image-alt",
    ]);
    // A page with only a moderate finding (content outside any landmark) passes.
    await page.setContent(
      `<html lang="en"><head><title>Fine</title></head><body><h1>Fine</h1><p>Text</p></body></html>`,
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });
});

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
