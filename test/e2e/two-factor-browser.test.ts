import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../support/browser";
import { startPortalProcess, type RunningServer } from "../support/server";
import { createUser } from "../support/factories";
import { totpAt, unusedTotp } from "../support/two-factor";

describe("two-factor authentication in headless Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startPortalProcess(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signInWithPassword(page: Page, user: { email: string; password: string }) {
    await page.goto(`${server.url}/login`);
    await page.getByLabel("E-mail (login)").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/login\/second-factor$/);
  }

  it("S-3, S-4: enrols by reading the secret from the page, signs out, signs in with a code, then with an emergency code that afterwards no longer works", async () => {
    const user = await createUser({ name: "Tara Brunner" });
    const context = await browser.newContext({ locale: "en-GB", acceptDownloads: true });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(err.message));

    await page.goto(`${server.url}/login`);
    await page.getByLabel("E-mail (login)").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(new RegExp(`/orgs/${user.orgId}$`));

    await page.goto(`${server.url}/account`);
    await page.getByRole("link", { name: "Set up two-factor authentication" }).click();
    await page.getByRole("button", { name: "Start the setup" }).click();
    await page.getByTestId("totp-qr").waitFor();
    const secret = (await page.getByTestId("totp-secret").textContent())!.replace(/\s+/g, "");
    await page.getByLabel("6-digit code from the app").fill(await totpAt(secret));
    await page.getByRole("button", { name: "Confirm and switch on" }).click();
    await page.getByTestId("recovery-codes").waitFor();
    const codes = (await page.getByTestId("recovery-codes").locator("li code").allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download as a text file" }).click()]);
    expect(download.suggestedFilename()).toBe("partner-portal-emergency-codes.txt");

    // Sign out, then in with a code from the app.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await signInWithPassword(page, user);
    await page.getByLabel("Code").fill((await unusedTotp(secret, { userId: user.userId }))!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(new RegExp(`/orgs/${user.orgId}$`));

    // Out again, and in with an emergency code.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await signInWithPassword(page, user);
    await page.getByLabel("Code").fill(codes[0]);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(new RegExp(`/orgs/${user.orgId}$`));
    await page.goto(`${server.url}/account`);
    await expect(page.getByTestId("codes-left").textContent()).resolves.toBe("Emergency codes left: 9 of 10.");

    // The same emergency code no longer works.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await signInWithPassword(page, user);
    await page.getByLabel("Code").fill(codes[0]);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("This code is not valid").waitFor();
    expect(page.url()).toMatch(/\/login\/second-factor$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("S-3: a sign-in on a new browser is approved live on the already signed-in one", async () => {
    const user = await createUser({ name: "Nico Amrein" });
    const trusted = await browser.newContext({ locale: "en-GB" });
    trusted.setDefaultTimeout(20_000);
    const first = await trusted.newPage();
    await first.goto(`${server.url}/login`);
    await first.getByLabel("E-mail (login)").fill(user.email);
    await first.getByLabel("Password").fill(user.password);
    await first.getByRole("button", { name: "Sign in" }).click();
    await first.waitForURL(new RegExp(`/orgs/${user.orgId}$`));
    await first.goto(`${server.url}/account/two-factor`);
    await first.getByRole("button", { name: "Start the setup" }).click();
    const secret = (await first.getByTestId("totp-secret").textContent())!.replace(/\s+/g, "");
    await first.getByLabel("6-digit code from the app").fill(await totpAt(secret));
    await first.getByRole("button", { name: "Confirm and switch on" }).click();
    await first.getByTestId("recovery-codes").waitFor();
    await first.goto(`${server.url}/account`);

    const fresh = await browser.newContext({ locale: "en-GB" });
    fresh.setDefaultTimeout(20_000);
    const second = await fresh.newPage();
    await signInWithPassword(second, user);
    await second.getByRole("button", { name: "Ask my signed-in device" }).click();
    await second.getByTestId("approval-waiting").waitFor();

    // The open account page shows the prompt without being reloaded.
    const prompt = first.getByTestId("approval-prompt");
    await prompt.waitFor();
    await expect(prompt.textContent()).resolves.toContain("Chrome on Linux");
    await prompt.getByRole("button", { name: "Yes, it is me" }).click();
    await first.getByText("You approved the sign-in.").waitFor();

    // The waiting browser notices by itself and is signed in.
    await second.waitForURL(new RegExp(`/orgs/${user.orgId}$`));
    await fresh.close();
    await trusted.close();
  });
});
