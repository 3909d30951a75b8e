import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization } from "~/modules/accounts/organizations.server";
import { hashPassword } from "~/modules/accounts/passwords.server";
import { seriousA11yViolations } from "../support/accessibility";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";
import { seedOrganizationWithNewCycle } from "../support/cycle-opening";
import { PASSWORD } from "../support/factories";
import { startReceiver } from "../support/http-receiver";
import { createIsolatedDatabase } from "../support/isolated-database";

// Issue 27's "done when", in Chromium against the production server and its worker: an admin
// connects a team's Slack webhook (a local https receiver standing in for Slack), tests it,
// opens a cycle, and the receiver gets the announcement once; an engineer's calendar link
// holds the due date and the next check-in; bad input is refused beside the field.

let browser: Browser;
let app: AppServer;
let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
let certDir: string;
let tls: { key: string; cert: string };
const ids = { teamId: "", otherTeamId: "", cycleId: "" };
const SCREENSHOTS = process.env.GAPMAP_SCREENSHOT_DIR;

beforeAll(async () => {
  // A certificate for 127.0.0.1 that the app server trusts (NODE_EXTRA_CA_CERTS): the
  // channel is https, as production requires.
  certDir = mkdtempSync(path.join(tmpdir(), "gapmap-receiver-"));
  const made = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    path.join(certDir, "key.pem"),
    "-out",
    path.join(certDir, "cert.pem"),
  ]);
  expect(made.status, String(made.stderr)).toBe(0);
  tls = {
    key: readFileSync(path.join(certDir, "key.pem"), "utf8"),
    cert: readFileSync(path.join(certDir, "cert.pem"), "utf8"),
  };

  database = await createIsolatedDatabase();
  const { organizationId, cycleId } = await seedOrganizationWithNewCycle(database.db, 3);
  ids.cycleId = cycleId;
  const hash = await hashPassword(PASSWORD);
  await database.db
    .updateTable("users")
    .set({ password_hash: hash })
    .where("email", "in", ["admin@fanout.gapmap.test", "person-1@fanout.gapmap.test"])
    .execute();
  const members = await database.db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.id", "u.email"])
    .where("m.organization_id", "=", organizationId)
    .execute();
  const memberOf = (email: string) => members.find((m) => m.email === email)!.id;
  const team = await database.db
    .insertInto("teams")
    .values({ organization_id: organizationId, name: "Platform" })
    .returning("id")
    .executeTakeFirstOrThrow();
  ids.teamId = team.id;
  await database.db
    .insertInto("team_members")
    .values([
      {
        organization_id: organizationId,
        team_id: team.id,
        membership_id: memberOf("person-1@fanout.gapmap.test"),
        is_lead: false,
      },
      {
        organization_id: organizationId,
        team_id: team.id,
        membership_id: memberOf("person-2@fanout.gapmap.test"),
        is_lead: false,
      },
    ])
    .execute();
  // Person 2 mentors Person 1 every 14 days since a week ago: the next check-in is in a week.
  const topic = await database.db
    .selectFrom("topics")
    .select("id")
    .where("organization_id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  await database.db
    .insertInto("mentorships")
    .values({
      organization_id: organizationId,
      mentor_id: memberOf("person-2@fanout.gapmap.test"),
      mentee_id: memberOf("person-1@fanout.gapmap.test"),
      topic_id: topic.id,
      goal_level: 3,
      cadence_days: 14,
      status: "active",
      starts_on: weekAgo,
    })
    .execute();
  // Another organisation and its team.
  const outsider = await database.db
    .insertInto("users")
    .values({ email: "other@other.test", display_name: "Other", password_hash: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  const other = await database.db
    .transaction()
    .execute((trx) => createOrganization(trx, { name: "Other Org", userId: outsider.id }));
  ids.otherTeamId = (
    await database.db
      .insertInto("teams")
      .values({ organization_id: other.organizationId, name: "Theirs" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;

  [app, browser] = await Promise.all([
    startAppServer(
      {
        DATABASE_URL: database.url,
        NODE_EXTRA_CA_CERTS: path.join(certDir, "cert.pem"),
        GAPMAP_REMINDER_SCAN_EVERY_MS: "2000",
        GAPMAP_DISPATCH_EVERY_MS: "1000",
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
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

async function logIn(page: Page, email: string) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${app.url}/dashboard`);
}

async function shoot(page: Page, name: string) {
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 900 });
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth),
      `${name} at ${width}px`,
    ).toBeLessThanOrEqual(width);
    if (SCREENSHOTS)
      await page.screenshot({
        path: path.join(SCREENSHOTS, `${name}-${width}.png`),
        fullPage: true,
      });
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

describe("team channels and the calendar in Chromium", () => {
  it("an admin connects Slack, tests it and opens a cycle: the announcement arrives once; an engineer's calendar has the due date and next check-in", async () => {
    const slack = await startReceiver([200], { tls });
    const admin = await (await browser.newContext()).newPage();
    await logIn(admin, "admin@fanout.gapmap.test");
    await admin.goto(`${app.url}/admin/teams/${ids.teamId}`);
    await admin.getByRole("link", { name: "Slack, Teams and webhooks" }).click();
    await admin.waitForURL(`${app.url}/admin/teams/${ids.teamId}/channels`);

    const url = admin.getByLabel("Webhook URL");
    await admin.getByLabel("Kind").selectOption("slack");
    await url.fill("http://hooks.example.com/services/T0/B0/x");
    await admin.getByRole("button", { name: "Save channel" }).click();
    await admin.getByText("The URL must start with https://.").waitFor();
    // What was typed is still there to correct.
    expect(await url.inputValue()).toBe("http://hooks.example.com/services/T0/B0/x");
    await url.fill(`https://hooks.slack.com/services/${"x".repeat(20_000)}`);
    await admin.getByRole("button", { name: "Save channel" }).click();
    await admin.getByText("A webhook URL is at most 2,048 characters.").waitFor();

    await url.fill(slack.url("/services/T0/B0/secret"));
    await admin.getByRole("button", { name: "Save channel" }).click();
    await admin.getByText(/Slack channel saved \(127\.0\.0\.1:\d+\)\./).waitFor();
    const connected = admin.getByRole("region", { name: "Connected" });
    expect(await connected.textContent()).not.toContain("/services/T0/B0/secret");
    await connected.getByRole("button", { name: "Send a test message" }).click();
    await admin.getByText("Test message delivered.").waitFor();
    expect(slack.accepted()).toHaveLength(1);
    expect(JSON.parse(slack.accepted()[0]!.body).text).toContain("Test message from Gapmap");
    expect(await seriousA11yViolations(admin)).toEqual([]);
    await shoot(admin, "team-channels");

    // Another organisation's team: not found, and nothing of it shown.
    const foreign = await admin.goto(`${app.url}/admin/teams/${ids.otherTeamId}/channels`);
    expect(foreign?.status()).toBe(404);

    await admin.goto(`${app.url}/admin/cycles`);
    await admin.getByRole("button", { name: "Open Fan-out quarter" }).click();
    await admin.getByRole("button", { name: "Close Fan-out quarter" }).waitFor();
    const announcements = () =>
      slack.accepted().filter((r) => !JSON.parse(r.body).text.startsWith("Test message"));
    await expect.poll(() => announcements().length, { timeout: 30_000 }).toBe(1);
    expect(JSON.parse(announcements()[0]!.body).text).toBe(
      "Fan-out quarter is open: time for self-assessments",
    );
    // Several more scans later, still once.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(announcements()).toHaveLength(1);
    await admin.goto(`${app.url}/admin/outbox`);
    await admin
      .getByRole("region", { name: "Team channels" })
      .getByText("Fan-out quarter is open: time for self-assessments")
      .waitFor();
    // The messages sort by any column (the order in the URL, as on every sortable table).
    const messages = admin.getByRole("region", { name: "Messages" });
    const recipients = () => messages.locator("tbody tr td:nth-child(2)").allTextContents();
    const byAddress = (a: string, b: string) =>
      a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
    await messages.getByRole("link", { name: /^To/ }).click();
    await admin.waitForURL(/sort-messages=to\.asc/);
    const sortedBy = async (order: (a: string, b: string) => number) => {
      const shown = await recipients();
      return new Set(shown).size > 1 && shown.join() === shown.toSorted(order).join();
    };
    await expect.poll(() => sortedBy(byAddress)).toBe(true);
    await messages.getByRole("link", { name: /^To/ }).click();
    await admin.waitForURL(/sort-messages=to\.desc/);
    await expect.poll(() => sortedBy((a, b) => byAddress(b, a))).toBe(true);
    // Every kind previewed, the cycle's real announcement among them.
    await admin.goto(`${app.url}/admin/emails`);
    await admin.getByRole("heading", { name: "A review cycle opened" }).waitFor();
    // Invitation, reset, the two mentorship emails, "validated" and the 7 reminder kinds.
    expect(await admin.locator("iframe.email-preview").count()).toBe(12);
    await shoot(admin, "message-previews");
    await admin.close();

    const engineer = await (await browser.newContext()).newPage();
    await logIn(engineer, "person-1@fanout.gapmap.test");
    await engineer
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Calendar" })
      .click();
    await engineer.waitForURL(`${app.url}/calendar`);
    await engineer.getByRole("button", { name: "Make my calendar link" }).click();
    const link = engineer.getByRole("textbox", { name: "Calendar link", exact: true });
    await link.waitFor();
    const feedUrl = await link.inputValue();
    expect(feedUrl).toMatch(new RegExp(`^${app.url}/feeds/[a-z2-7]{32}\\.ics$`));
    expect(await seriousA11yViolations(engineer)).toEqual([]);
    await shoot(engineer, "calendar");
    const feed = await (await fetch(feedUrl)).text();
    const due = new Date(Date.now() + 20 * 86_400_000)
      .toISOString()
      .slice(0, 10)
      .replaceAll("-", "");
    const checkIn = new Date(Date.now() + 7 * 86_400_000)
      .toISOString()
      .slice(0, 10)
      .replaceAll("-", "");
    expect(feed).toContain("SUMMARY:Self-assessment due: Fan-out quarter");
    expect(feed).toContain(`DTSTART;VALUE=DATE:${due}`);
    expect(feed).toMatch(/SUMMARY:Mentoring check-in with Person 2/);
    expect(feed).toContain(`DTSTART;VALUE=DATE:${checkIn}`);
    await engineer.close();
  }, 240_000);
});
