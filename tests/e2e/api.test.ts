import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousA11yViolations } from "../support/accessibility";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";
import { createOrgWithAdmin, PASSWORD } from "../support/factories";

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

describe("the API as an admin and a client meet it", () => {
  it("an admin creates a token in the browser; a client uses it over HTTP until it is revoked", async () => {
    const { admin } = await createOrgWithAdmin("Token Co");
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    watchPageProblems(page, problems);
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${app.url}/dashboard`);

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "API tokens" })
      .click();
    await page.waitForURL(`${app.url}/admin/api-tokens`);
    await page.getByText("No tokens yet").waitFor();
    await page.getByLabel("Name").fill("Reporting warehouse");
    await page.getByLabel("Scope").selectOption("read");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText("it is shown only once").waitFor();
    const secret = await page.getByLabel("API token Reporting warehouse").inputValue();
    expect(secret).toMatch(/^gapmap_/);
    expect(await seriousA11yViolations(page)).toEqual([]);

    const auth = { Authorization: `Bearer ${secret}` };
    const members = await fetch(`${app.url}/api/v1/members`, { headers: auth });
    expect(members.status).toBe(200);
    expect((await members.json()).data.map((m: { name: string }) => m.name)).toEqual(["Ada Admin"]);
    const etag = members.headers.get("etag")!;
    const again = await fetch(`${app.url}/api/v1/members`, {
      headers: { ...auth, "If-None-Match": etag },
    });
    expect(again.status).toBe(304);
    // A read-only token cannot write, even from a server-side client with no Origin.
    const write = await fetch(`${app.url}/api/v1/mentorships`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(write.status).toBe(403);
    expect(write.headers.get("content-type")).toBe("application/problem+json");

    await page.getByRole("button", { name: "Revoke Reporting warehouse" }).click();
    await page.getByText("Calls with it now get 401").waitFor();
    expect((await fetch(`${app.url}/api/v1/members`, { headers: auth })).status).toBe(401);

    // The reference is public, readable and accessible.
    await page.getByRole("link", { name: "REST API" }).click();
    await page.waitForURL(`${app.url}/api/v1/docs`);
    await page.getByRole("heading", { level: 1, name: "Gapmap API" }).waitFor();
    await page.getByRole("heading", { name: /POST \/ratings\/self/ }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    const openapi = await fetch(`${app.url}/api/v1/openapi.json`);
    expect((await openapi.json()).openapi).toBe("3.1.0");
    expect(problems).toEqual([]);
  });
});
