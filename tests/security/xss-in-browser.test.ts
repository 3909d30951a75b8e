import type { Browser } from "playwright-core";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { tenantParams, tenantSearch } from "../support/action-forms";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";
import { appRoutes, fillPattern, isPage, type AppRoute } from "../support/route-manifest";
import { buildTenant, type Tenant } from "../support/tenant-fixture";

// Script and HTML stored in every text a person can type that the app shows again, then
// every page opened in Chromium: no dialog may fire and no injected element may exist.

/** Each payload gives its element an id starting "xss", so one selector finds any that got in. */
const payload = (n: number) =>
  [
    `<img src=x id=xss-img-${n} onerror="alert('img ${n}')">`,
    `"><script id=xss-script-${n}>alert('script ${n}')</script>`,
    `'><svg id=xss-svg-${n} onload="alert('svg ${n}')">`,
    `</title><iframe id=xss-frame-${n} src="javascript:alert('frame ${n}')"></iframe>`,
  ].join(" ");

let app: AppServer;
let browser: Browser;
let t: Tenant;
let routes: AppRoute[];

/** Appends a payload to every shown text column of the organisation (a fresh one per column). */
async function storePayloads(org: string) {
  let n = 0;
  const next = () => payload(++n);
  await db.updateTable("organizations").set({ name: sql`name || ${next()}` }).where("id", "=", org).execute();
  await db
    .updateTable("users")
    .set({ display_name: sql`display_name || ${next()}` })
    .where("id", "in", db.selectFrom("memberships").select("user_id").where("organization_id", "=", org))
    .execute();
  await db.updateTable("memberships").set({ title: next() }).where("organization_id", "=", org).execute();
  for (const table of ["teams", "target_profiles", "cycles"] as const) {
    await db.updateTable(table).set({ name: sql`name || ${next()}` }).where("organization_id", "=", org).execute();
  }
  for (const table of ["frameworks", "category_revisions", "topic_revisions"] as const) {
    await db
      .updateTable(table)
      .set({ name: sql`name || ${next()}`, description: next() })
      .where("organization_id", "=", org)
      .execute();
  }
  await db.updateTable("level_descriptors").set({ label: next(), description: next() }).where("organization_id", "=", org).execute();
  await db.updateTable("check_ins").set({ notes: next() }).where("organization_id", "=", org).execute();
  await db
    .updateTable("notifications")
    .set({ subject: next(), body_text: next(), last_error: next() })
    .where("organization_id", "=", org)
    .execute();
  await db.updateTable("invitations").set({ email: next() }).where("organization_id", "=", org).execute();
  await db
    .updateTable("audit_log")
    .set({ details: JSON.stringify({ name: next() }), object_id: next() })
    .where("organization_id", "=", org)
    .execute();
  // Ben's development plan: a goal's actions and links, a comment, and a topic's learning link.
  const plan = await db
    .insertInto("development_plans")
    .values({ organization_id: org, member_id: t.ben.membershipId, cycle_id: t.cycleId })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("plan_goals")
    .values({
      organization_id: org,
      plan_id: plan.id,
      topic_id: t.topic.a1,
      target_level: 4,
      due_cycle_id: t.cycleId,
      actions: next(),
      learning_urls: [`javascript:alert('link ${n}')`],
      position: 0,
    })
    .execute();
  await db.insertInto("plan_comments").values({ organization_id: org, plan_id: plan.id, body: next() }).execute();
  await db
    .insertInto("topic_resources")
    .values({ organization_id: org, topic_id: t.topic.a1, title: next(), url: "https://example.com/", position: 0 })
    .execute();
  // Ratings are append-only: the newest self and lead ratings carry note and evidence.
  for (const source of ["self", "lead"] as const) {
    await db
      .insertInto("ratings")
      .values({
        organization_id: org,
        cycle_id: t.cycleId,
        member_id: t.ben.membershipId,
        topic_id: t.topic.a1,
        source,
        level: 2,
        note: next(),
        evidence_urls: [`javascript:alert('evidence ${n}')`, next()],
      })
      .execute();
  }
}

beforeAll(async () => {
  [app, browser, t, routes] = await Promise.all([startAppServer(), launchBrowser(), buildTenant(), appRoutes()]);
  await storePayloads(t.organizationId);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("stored script in the browser", () => {
  // One case per person, each with its own limit: every page opened twice in one case ran past
  // two minutes beside the rest of the suite on two cores.
  it.each(["admin", "engineer"] as const)(
    "never runs and never becomes an element, on any page, for an %s",
    async (who) => {
      const problems: string[] = [];
      const pages = routes.filter(isPage);
      // Pages whose text shows a payload: proof the stored text was on the page, as text.
      let shown = 0;
      const context = await browser.newContext();
      const token = (await t.session(who)).split("=")[1]!;
      await context.addCookies([{ name: "gapmap_session", value: token, url: app.url }]);
      const page = await context.newPage();
      page.on("dialog", (dialog) => {
        problems.push(`${who} on ${page.url()}: dialog "${dialog.message()}"`);
        void dialog.dismiss();
      });
      for (const route of pages) {
        const { url } = fillPattern(route.pattern, tenantParams(t, route.id));
        const response = await page.goto(`${app.url}${url}${tenantSearch(t, route.id)}`, { waitUntil: "load" });
        expect(response?.status(), `${who} ${url}`).toBeLessThan(500);
        const injected = await page.locator('[id^="xss"], a[href^="javascript:" i]').count();
        if (injected) problems.push(`${who} on ${url}: ${injected} injected element(s)`);
        if ((await page.locator("body").innerText()).includes("onerror=")) shown += 1;
      }
      await context.close();
      expect(problems).toEqual([]);
      expect(pages.length).toBeGreaterThan(40);
      // An engineer sees fewer stored texts (no admin pages' names, no one else's notes).
      expect(shown).toBeGreaterThan(who === "admin" ? 40 : 15);
    },
    240_000,
  );
});
