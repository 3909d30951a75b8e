import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantParams, tenantSearch } from "../support/action-forms";
import { launchBrowser, startAppServer, type AppServer } from "../support/app-server";
import { appRoutes, fillPattern, isPage, type AppRoute } from "../support/route-manifest";
import { buildTenant, type Tenant } from "../support/tenant-fixture";

// Every page of the route manifest, as an admin, a lead and an engineer, on a phone
// (390×844) and a laptop (1366×768): the document is never wider than the window, so no
// page scrolls sideways as a whole (a wide table scrolls inside its own card instead).

const VIEWPORTS = [
  { width: 1366, height: 768 },
  { width: 390, height: 844 },
] as const;

let app: AppServer;
let browser: Browser;
let t: Tenant;
let routes: AppRoute[];

beforeAll(async () => {
  [app, browser, t, routes] = await Promise.all([
    startAppServer(),
    launchBrowser(),
    buildTenant(),
    appRoutes(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

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

describe("every page fits the window", () => {
  it("at 390 and 1366 px wide, for an admin, a lead and an engineer", async () => {
    const tooWide: string[] = [];
    let measured = 0;
    for (const who of ["admin", "leadOwn", "engineer"] as const) {
      const context = await browser.newContext({ viewport: VIEWPORTS[0], reducedMotion: "reduce" });
      const token = (await t.session(who)).split("=")[1]!;
      await context.addCookies([{ name: "gapmap_session", value: token, url: app.url }]);
      const page = await context.newPage();
      const visited = new Set<string>();
      for (const route of routes.filter(isPage)) {
        const { url } = fillPattern(route.pattern, tenantParams(t, route.id));
        const address = `${url}${tenantSearch(t, route.id)}`;
        // A layout route and its index page share an address.
        if (visited.has(address)) continue;
        visited.add(address);
        await page.setViewportSize(VIEWPORTS[0]);
        const response = await page.goto(`${app.url}${address}`, { waitUntil: "load" });
        expect(response?.status(), `${who} ${address}`).toBeLessThan(500);
        // The wide window first, then the same page narrowed, as a phone turned or a window resized.
        for (const viewport of VIEWPORTS) {
          await page.setViewportSize(viewport);
          await settled(page);
          const { extra, culprits } = await overflow(page);
          measured += 1;
          if (extra > 0)
            tooWide.push(
              `${who} ${address} at ${viewport.width}px: ${extra}px too wide (${culprits.join("; ")})`,
            );
        }
      }
      await context.close();
    }
    expect(tooWide).toEqual([]);
    expect(measured).toBeGreaterThan(200);
  }, 600_000);
});
