import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser";
import { startPortalProcess, type RunningServer } from "../support/server";
import { uniqueEmail } from "../support/factories";
import { testDb } from "../support/setup";

describe("in headless Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startPortalProcess(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("O-1: a person signs up with the keyboard-usable form and lands in their own organization", async () => {
    const context = await browser.newContext({ locale: "en-GB" });
    const page = await context.newPage();
    const email = uniqueEmail("browser");
    await page.goto(`${server.url}/signup`);
    await page.getByLabel("Your name").fill("Nina Graf");
    await page.getByLabel("E-mail (login)").fill(email);
    await page.getByLabel("Password").fill("a-browser-password");
    await page.getByLabel("Organization name (optional)").fill("Graf Webdesign");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]+$/);
    await expect(page.getByTestId("current-org").textContent()).resolves.toBe("Graf Webdesign");
    const user = await testDb().selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
    expect(user).toBeDefined();
    await context.close();
  });
});
