import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { createOrgWithAdmin, createTeamRow, PASSWORD } from "../support/factories";
import {
  launchBrowser,
  startAppServer,
  watchPageProblems,
  type AppServer,
} from "../support/app-server";
import { startTestProvider, type TestProvider } from "../support/oidc-provider";

let app: AppServer;
let browser: Browser;
let provider: TestProvider;

beforeAll(async () => {
  app = await startAppServer();
  browser = await launchBrowser();
  provider = await startTestProvider({ redirectUris: [`${app.url}/sso/callback`] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await provider?.close();
  await app?.stop();
});

describe("single sign-on in the browser", () => {
  it("an admin sets up SSO and signs out; a new engineer signs in through the provider and lands on the dashboard in the default team", async () => {
    const org = await createOrgWithAdmin(`Orbit ${randomUUID().slice(0, 6)}`);
    await createTeamRow(org.organizationId, "Newcomers");
    const domain = `orbit-${randomUUID().slice(0, 8)}.test`;
    const page = await browser.newPage();
    const problems: string[] = [];
    watchPageProblems(page, problems);

    await page.goto(`${app.url}/login`);
    await page.getByLabel("Email").fill(org.admin.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${app.url}/dashboard`);

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Single sign-on" })
      .click();
    await page.waitForURL(`${app.url}/admin/sso`);
    await expect(page.getByLabel("Redirect URI").inputValue()).resolves.toBe(
      `${app.url}/sso/callback`,
    );
    await page.getByLabel("Issuer URL").fill(provider.issuer);
    await page.getByLabel("Client ID").fill(provider.clientId);
    await page.getByLabel("Client secret").fill(provider.clientSecret);
    await page.getByLabel("Allowed email domains").fill(domain);
    await page
      .getByLabel("Team for people joining through SSO")
      .selectOption({ label: "Newcomers" });
    await page.getByRole("button", { name: "Save single sign-on" }).click();
    await page.getByText("Single sign-on saved.").waitFor();
    // The secret is not shown again.
    await expect(page.getByLabel("Client secret").inputValue()).resolves.toBe("");
    expect(await page.content()).not.toContain(provider.clientSecret);

    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${app.url}/login`);
    await page.getByRole("heading", { name: "Log in" }).waitFor();

    const email = `eve@${domain}`;
    provider.addAccount({ email, name: "Eve Engineer" });
    await page.getByLabel("Email").fill(email);
    await expect.poll(() => page.getByLabel("Email").inputValue()).toBe(email);
    await page.getByRole("button", { name: "Continue with SSO" }).click();
    // Failed once in CI (the page stayed on /sso, nothing in the server's log): should Gapmap
    // answer instead of sending the browser on, the failure says what the page showed.
    await page.waitForURL(`${provider.issuer}/interaction/**`).catch(async (error: unknown) => {
      const shown = await page.locator("body").innerText();
      throw new Error(
        `still at ${page.url()}, showing:\n${shown}\nbrowser problems: ${JSON.stringify(problems)}`,
        { cause: error },
      );
    });
    await expect(page.getByLabel("Email").inputValue()).resolves.toBe(email);
    await page.getByRole("button", { name: "Sign in" }).click();

    await page.waitForURL(`${app.url}/dashboard`);
    await page.getByRole("heading", { level: 1, name: /Orbit/ }).waitFor();
    const member = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .innerJoin("team_members as tm", "tm.membership_id", "m.id")
      .innerJoin("teams as t", "t.id", "tm.team_id")
      .select(["m.role", "t.name", "u.display_name"])
      .where("u.email", "=", email)
      .executeTakeFirstOrThrow();
    expect(member).toEqual({ role: "engineer", name: "Newcomers", display_name: "Eve Engineer" });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
