import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { PASSWORD, addMember, createOrgWithAdmin } from "../support/factories";
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

async function logIn(page: Page, email: string) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${app.url}/dashboard`);
}

describe("an engineer's self-assessment in the browser", () => {
  it("an admin opens a cycle; the engineer rates a whole category with the keyboard, submits and sees the radar", async () => {
    const { organizationId, admin } = await createOrgWithAdmin("Keyboard Co");
    const eng = await addMember(organizationId, "engineer", "Kay Board");
    const { current_version_id: versionId } = await db
      .selectFrom("organizations as o")
      .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
      .select("f.current_version_id")
      .where("o.id", "=", organizationId)
      .executeTakeFirstOrThrow();
    const topics = await db
      .selectFrom("topic_revisions as t")
      .innerJoin("category_revisions as c", (j) =>
        j
          .onRef("c.framework_version_id", "=", "t.framework_version_id")
          .onRef("c.category_id", "=", "t.category_id"),
      )
      .select(["t.topic_id", "t.name", "c.category_id", "c.name as category_name"])
      .where("t.framework_version_id", "=", versionId as string)
      .orderBy("c.position")
      .orderBy("t.position")
      .execute();
    const first = topics.filter((t) => t.category_id === topics[0]!.category_id);

    // Last quarter the engineer rated everything but the first category.
    const q3 = await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: versionId as string,
        name: "2026-Q3",
        status: "closed",
        starts_on: "2026-07-01",
        due_on: "2026-07-22",
        ends_on: "2026-09-30",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("ratings")
      .values(
        topics
          .filter((t) => t.category_id !== first[0]!.category_id)
          .map((t) => ({
            organization_id: organizationId,
            cycle_id: q3.id,
            member_id: eng.membershipId,
            topic_id: t.topic_id,
            source: "self" as const,
            level: 2,
            created_at: new Date("2026-07-10T09:00:00Z"),
          })),
      )
      .execute();

    const problems: string[] = [];
    const watch = (page: Page) => watchPageProblems(page, problems);

    // The admin creates the suggested next cycle and opens it.
    const adminPage = await (await browser.newContext()).newPage();
    watch(adminPage);
    await logIn(adminPage, admin.email);
    await adminPage
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Cycles" })
      .click();
    await adminPage.waitForURL(`${app.url}/admin/cycles`);
    await expect(adminPage.getByLabel("Name").inputValue()).resolves.toBe("2026-Q4");
    await adminPage.getByRole("button", { name: "Create cycle" }).click();
    await adminPage.getByRole("button", { name: "Open 2026-Q4" }).click();
    await adminPage.getByText(/draft assessments started/).waitFor();

    // The engineer lands on the first category with something left to rate.
    const page = await (await browser.newContext()).newPage();
    watch(page);
    await logIn(page, eng.email);
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Self-assessment" })
      .click();
    await page.waitForURL(`${app.url}/assessment`);
    await page
      .getByRole("heading", { level: 2, name: new RegExp(escape(first[0]!.category_name)) })
      .waitFor();
    await page
      .getByText(`${topics.length - first.length} of ${topics.length} topics answered`)
      .waitFor();

    // Keyboard only: a digit rates the focused topic, ↓ moves to the next one.
    const levels = first.map((_, i) => (i % 4) + 1);
    // The shortcuts work once the page has hydrated; it says so.
    await page.getByText("Keys:").waitFor();
    await page.locator("[data-topic-row] input[type=radio]").first().focus();
    for (const level of levels) {
      await page.keyboard.press(String(level));
      await page.keyboard.press("ArrowDown");
    }
    await page.getByText(`${topics.length} of ${topics.length} topics answered`).waitFor();
    const saved = await db
      .selectFrom("current_levels as cr")
      .innerJoin("cycles as c", "c.id", "cr.self_cycle_id")
      .select(["cr.topic_id", "cr.self_level as level", "c.name"])
      .where("cr.member_id", "=", eng.membershipId)
      .where(
        "cr.topic_id",
        "in",
        first.map((t) => t.topic_id),
      )
      .execute();
    expect(Object.fromEntries(saved.map((r) => [r.topic_id, `${r.name}:${r.level}`]))).toEqual(
      Object.fromEntries(first.map((t, i) => [t.topic_id, `2026-Q4:${levels[i]}`])),
    );
    // Moving on did not change the level chosen before.
    await expect(
      page
        .locator("[data-topic-row]")
        .first()
        .locator("input[type=radio]:checked")
        .getAttribute("value"),
    ).resolves.toBe(String(levels[0]));

    await page.getByRole("button", { name: "Submit assessment" }).first().click();
    await page.getByText("Submitted. Your lead will review it.").waitFor();
    await page.getByRole("heading", { level: 1, name: /Submitted/ }).waitFor();

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "My profile" })
      .click();
    await page.waitForURL(`${app.url}/profile`);
    const radar = page.getByRole("img", { name: /radar/i });
    await radar.waitFor();
    await radar.locator("svg").first().waitFor();
    await page.getByRole("table", { name: /by category/i }).waitFor();

    expect(problems).toEqual([]);
  });
});

describe("the self-assessment without JavaScript", () => {
  it("saves a category with a plain form post and shows field errors beside the topic", async () => {
    const { organizationId } = await createOrgWithAdmin("Plain Forms Ltd");
    const eng = await addMember(organizationId, "engineer", "Noscript Nell");
    const { current_version_id: versionId } = await db
      .selectFrom("organizations as o")
      .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
      .select("f.current_version_id")
      .where("o.id", "=", organizationId)
      .executeTakeFirstOrThrow();
    await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: versionId as string,
        name: "2026-Q4",
        status: "open",
        starts_on: "2026-10-01",
        due_on: "2026-10-22",
        ends_on: "2026-12-31",
      })
      .execute();

    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await logIn(page, eng.email);
    await page.goto(`${app.url}/assessment`);
    const rows = page.locator("[data-topic-row]");
    await rows.first().getByText("Proficient").click();
    await rows.nth(1).getByText("N/A").click();
    await rows.nth(1).getByText("Note and evidence").click();
    await rows
      .nth(1)
      .getByLabel(/Evidence links/)
      .fill("not a link");
    await page.getByRole("button", { name: "Save category" }).click();
    await page.getByText("Each evidence link must be a full http(s) address").waitFor();
    const none = await db
      .selectFrom("ratings")
      .select("id")
      .where("member_id", "=", eng.membershipId)
      .execute();
    expect(none).toEqual([]);

    await page.locator("[data-topic-row]").first().getByText("Proficient").click();
    await page.getByRole("button", { name: "Save category" }).click();
    await page.getByText("Saved.").waitFor();
    await page.getByText(/^1 of \d+ topics answered$/).waitFor();
    const saved = await db
      .selectFrom("ratings")
      .select("level")
      .where("member_id", "=", eng.membershipId)
      .execute();
    expect(saved).toEqual([{ level: 3 }]);
  });
});

describe("the framework editor in the browser", () => {
  it("shows a duplicate topic name beside the field it belongs to, and saves a rename in place", async () => {
    const { admin } = await createOrgWithAdmin("Editor Co");
    const page = await (await browser.newContext()).newPage();
    await logIn(page, admin.email);
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Frameworks" })
      .click();
    await page
      .getByRole("link", { name: /Node\.js/ })
      .first()
      .click();
    const first = page.getByRole("form", { name: /^Edit Event loop/ });
    await first.getByLabel("Name").fill("Streams, Buffers, and Pipes");
    await first.getByRole("button", { name: "Save" }).click();
    await first.getByText("This category already has a topic with this name.").waitFor();
    await first.getByLabel("Name").fill("The event loop");
    await first.getByRole("button", { name: "Save" }).click();
    await page.getByRole("form", { name: "Edit The event loop" }).waitFor();
  });
});

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
