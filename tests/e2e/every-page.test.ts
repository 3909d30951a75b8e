import type { Browser, Page } from "playwright-core";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { tenantParams, tenantSearch } from "../support/action-forms";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";
import { appRoutes, fillPattern, isPage, type AppRoute } from "../support/route-manifest";
import { buildTenant, type Tenant } from "../support/tenant-fixture";

// Every page of the route manifest in Chromium, as an admin, a lead and an engineer, with
// script and HTML stored in every text a person can type that the app shows again:
// - no dialog fires and no injected element exists (the stored text is shown as text);
// - on a laptop (1366×768) and a phone (390×844) the document is never wider than the
//   window, so no page scrolls sideways as a whole (a wide table scrolls inside its own
//   card instead), long stored texts included.
// One pass opens each page once for both checks.

const VIEWPORTS = [
  { width: 1366, height: 768 },
  { width: 390, height: 844 },
] as const;

let app: AppServer;
let browser: Browser;
let t: Tenant;
let routes: AppRoute[];

/** Each payload gives its element an id starting "xss", so one selector finds any that got in. */
const payload = (n: number) =>
  [
    `<img src=x id=xss-img-${n} onerror="alert('img ${n}')">`,
    `"><script id=xss-script-${n}>alert('script ${n}')</script>`,
    `'><svg id=xss-svg-${n} onload="alert('svg ${n}')">`,
    `</title><iframe id=xss-frame-${n} src="javascript:alert('frame ${n}')"></iframe>`,
  ].join(" ");

/** Appends a payload to every shown text column of the organisation (a fresh one per column). */
async function storePayloads(org: string) {
  let n = 0;
  const next = () => payload(++n);
  await db
    .updateTable("organizations")
    .set({ name: sql`name || ${next()}` })
    .where("id", "=", org)
    .execute();
  await db
    .updateTable("users")
    .set({ display_name: sql`display_name || ${next()}` })
    .where(
      "id",
      "in",
      db.selectFrom("memberships").select("user_id").where("organization_id", "=", org),
    )
    .execute();
  await db
    .updateTable("memberships")
    .set({ title: next() })
    .where("organization_id", "=", org)
    .execute();
  for (const table of ["teams", "target_profiles", "cycles"] as const) {
    await db
      .updateTable(table)
      .set({ name: sql`name || ${next()}` })
      .where("organization_id", "=", org)
      .execute();
  }
  for (const table of ["frameworks", "category_revisions", "topic_revisions"] as const) {
    await db
      .updateTable(table)
      .set({ name: sql`name || ${next()}`, description: next() })
      .where("organization_id", "=", org)
      .execute();
  }
  await db
    .updateTable("level_descriptors")
    .set({ label: next(), description: next() })
    .where("organization_id", "=", org)
    .execute();
  await db
    .updateTable("check_ins")
    .set({ notes: next() })
    .where("organization_id", "=", org)
    .execute();
  await db
    .updateTable("notifications")
    .set({ subject: next(), body_text: next(), last_error: next() })
    .where("organization_id", "=", org)
    .execute();
  await db
    .updateTable("invitations")
    .set({ email: next() })
    .where("organization_id", "=", org)
    .execute();
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
  await db
    .insertInto("plan_comments")
    .values({ organization_id: org, plan_id: plan.id, body: next() })
    .execute();
  await db
    .insertInto("topic_resources")
    .values({
      organization_id: org,
      topic_id: t.topic.a1,
      title: next(),
      url: "https://example.com/",
      position: 0,
    })
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

/** After the charts have measured their boxes: two frames and the resize observers' turn. */
async function settled(page: Page) {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50))),
      ),
  );
}

/** The document's width beyond the window's, and the elements that stick out furthest. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const extra = document.documentElement.scrollWidth - viewport;
    if (extra <= 0) return { extra, culprits: [] as string[] };
    // Where the overflow starts: elements wider than the window inside a parent that is not,
    // and not inside a box that scrolls or clips them.
    const sticksOut = (el: Element | null) =>
      !!el && el.getBoundingClientRect().right > viewport + 1;
    const contained = (el: Element) => {
      for (let up = el.parentElement; up; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== "visible") return true;
      }
      return false;
    };
    const culprits = [...document.querySelectorAll("body *")]
      .filter((el) => sticksOut(el) && !sticksOut(el.parentElement) && !contained(el))
      .slice(0, 3)
      .map((el) => {
        const box = el.getBoundingClientRect();
        const parent = el.parentElement!;
        const name = (e: Element) =>
          `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${[...e.classList].map((c) => `.${c}`).join("")}`;
        return `${name(parent)} > ${name(el)} (${Math.round(box.left)}–${Math.round(box.right)}px)`;
      });
    return { extra, culprits };
  });
}

beforeAll(async () => {
  [app, browser, t, routes] = await Promise.all([
    startAppServer(),
    launchBrowser(),
    buildTenant(),
    appRoutes(),
  ]);
  await storePayloads(t.organizationId);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("every page, with script stored in every text", () => {
  // One case per person, each with its own limit: the pages take minutes beside the rest of
  // the suite on two cores.
  it.each(["admin", "leadOwn", "engineer"] as const)(
    "as %s: never runs the script or makes it an element, and fits 390 and 1366 px",
    async (who) => {
      const problems: string[] = [];
      const tooWide: string[] = [];
      // Pages whose text shows a payload: proof the stored text was on the page, as text.
      let shown = 0;
      const context = await browser.newContext({ viewport: VIEWPORTS[0], reducedMotion: "reduce" });
      const token = (await t.session(who)).split("=")[1]!;
      await context.addCookies([{ name: "gapmap_session", value: token, url: app.url }]);
      const page = await context.newPage();
      page.on("dialog", (dialog) => {
        problems.push(`on ${page.url()}: dialog "${dialog.message()}"`);
        void dialog.dismiss();
      });
      const visited = new Set<string>();
      for (const route of routes.filter(isPage)) {
        const { url } = fillPattern(route.pattern, tenantParams(t, route.id));
        const address = `${url}${tenantSearch(t, route.id)}`;
        // A layout route and its index page share an address.
        if (visited.has(address)) continue;
        visited.add(address);
        await page.setViewportSize(VIEWPORTS[0]);
        const response = await page.goto(`${app.url}${address}`, { waitUntil: "load" });
        expect(response?.status(), address).toBeLessThan(500);
        const injected = await page.locator('[id^="xss"], a[href^="javascript:" i]').count();
        if (injected) problems.push(`on ${address}: ${injected} injected element(s)`);
        if ((await page.locator("body").innerText()).includes("onerror=")) shown += 1;
        // The wide window first, then the same page narrowed, as a phone turned or a window resized.
        for (const viewport of VIEWPORTS) {
          await page.setViewportSize(viewport);
          await settled(page);
          const { extra, culprits } = await overflow(page);
          if (extra > 0)
            tooWide.push(
              `${address} at ${viewport.width}px: ${extra}px too wide (${culprits.join("; ")})`,
            );
        }
      }
      await context.close();
      expect(problems).toEqual([]);
      expect(tooWide).toEqual([]);
      expect(visited.size).toBeGreaterThan(40);
      expect(shown).toBeGreaterThan(15);
    },
    400_000,
  );
});
