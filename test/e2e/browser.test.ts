import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser";
import { startPortalProcess, type RunningServer } from "../support/server";
import { createStaff, createUser, uniqueEmail } from "../support/factories";
import { testDb } from "../support/setup";
import { totpAt } from "../support/two-factor";

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

  it("O-4: an administrator invites a user with a product permission, the person joins, and the permission is changed", async () => {
    const admin = await browser.newContext({ locale: "en-GB" });
    admin.setDefaultTimeout(20_000);
    const page = await admin.newPage();
    const adminEmail = uniqueEmail("admin");
    await page.goto(`${server.url}/signup`);
    await page.getByLabel("Your name").fill("Reto Kaufmann");
    await page.getByLabel("E-mail (login)").fill(adminEmail);
    await page.getByLabel("Password").fill("an-admin-password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]+$/);
    const orgId = new URL(page.url()).pathname.split("/")[2];
    const db = testDb();
    const product = await db
      .insertInto("products")
      .values({ org_id: orgId, type: "hosting", name: "kaufmann.ch hosting" })
      .returning("id")
      .executeTakeFirstOrThrow();

    // Invite with the permission set at once (keyboard-usable form: labels, fieldsets).
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("link", { name: "Invite a user" }).click();
    await page.getByRole("heading", { name: "Invite a user" }).waitFor();
    const inviteeEmail = uniqueEmail("invitee");
    await page.getByLabel("E-mail", { exact: true }).fill(inviteeEmail);
    await page.getByLabel("Restricted user").check();
    await page.getByLabel("kaufmann.ch hosting").selectOption("read");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.waitForURL(/\/members(\?.*)?$/);

    // The invitation mail carries the link; the invitee creates the account on acceptance.
    const mail = await db
      .selectFrom("email_outbox")
      .select("body_text")
      .where("to_address", "=", inviteeEmail)
      .executeTakeFirstOrThrow();
    const link = mail.body_text.match(/https?:\/\/\S+\/invitations\/\S+/)![0];
    const invitee = await browser.newContext({ locale: "en-GB" });
    invitee.setDefaultTimeout(20_000);
    const inviteePage = await invitee.newPage();
    await inviteePage.goto(`${server.url}${new URL(link).pathname}`);
    await inviteePage.getByLabel("Your name").fill("Sara Frei");
    await inviteePage.getByLabel("Password").fill("an-invitee-password");
    await inviteePage.getByRole("button", { name: "Create account and join" }).click();
    await inviteePage.waitForURL(new RegExp(`/orgs/${orgId}$`));
    const user = await db.selectFrom("users").select("id").where("email", "=", inviteeEmail).executeTakeFirstOrThrow();
    const granted = await db
      .selectFrom("product_permissions")
      .select("level")
      .where("product_id", "=", product.id)
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(granted.level).toBe("read");

    // The administrator raises the permission in the editor.
    await page.goto(`${server.url}/orgs/${orgId}/members/${user.id}`);
    await page.getByLabel("Own permission for kaufmann.ch hosting").selectOption("manage");
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(async () =>
        (
          await db
            .selectFrom("product_permissions")
            .select("level")
            .where("product_id", "=", product.id)
            .where("user_id", "=", user.id)
            .executeTakeFirst()
        )?.level,
      )
      .toBe("manage");
    await invitee.close();
    await admin.close();
  });

  it("K-1: a staff member signs in to the back office in the browser and reaches the staff accounts", async () => {
    const staff = await createStaff("administrator");
    const context = await browser.newContext({ locale: "en-GB" });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/backoffice/login`);
    await page.getByLabel("E-mail").fill(staff.email);
    await page.getByLabel("Password").fill(staff.password);
    await page.getByRole("button", { name: /sign in/i }).click();
    // S-3: staff must use two factors: the code from the authenticator app comes next.
    await page.waitForURL(/\/backoffice\/second-factor$/);
    await page.getByLabel("Code").fill(await totpAt(staff.totpSecret!));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/backoffice$/);
    await page.getByRole("link", { name: "Staff accounts", exact: true }).click();
    await page.waitForURL(/\/backoffice\/staff$/);
    await expect(page.getByText(staff.email).count()).resolves.toBeGreaterThan(0);
    await context.close();
  });

  it("O-4: a signed-in member moves through every page of the organization menu without errors", async () => {
    const user = await createUser({ name: "Menu Walker" });
    const context = await browser.newContext({ locale: "en-GB" });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    await page.goto(`${server.url}/login`);
    await page.getByLabel("E-mail (login)").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(new RegExp(`/orgs/${user.orgId}$`));
    const menu = page.getByRole("complementary");
    for (const [name, path] of [
      ["Users", "/members"],
      ["Teams", "/teams"],
      ["Products", "/products"],
      ["Organization data", "/settings"],
      ["Audit log", "/audit"],
      ["Legal representative", "/legal-representative"],
      ["Leave organization", "/leave"],
      ["Overview", ""],
    ]) {
      await menu.getByRole("link", { name, exact: true }).click();
      await page.waitForURL(new RegExp(`/orgs/${user.orgId}${path}$`));
      await expect(page.getByRole("heading", { level: 1 }).count()).resolves.toBe(1);
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});
