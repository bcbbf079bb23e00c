import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser";
import { uniqueEmail } from "../support/factories";
import { startPortalProcess, type RunningServer } from "../support/server";
import { testDb } from "../support/setup";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp";
import { deadlineIn, partnerOrg, tenderTokenIn } from "../support/tenders";

/** A port free right now: the portal must know its public URL (for the links in its mails) before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe("a tender from posting to selection, in headless Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    const port = await freePort();
    [server, browser] = await Promise.all([startPortalProcess({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}`, SMTP_URL: smtp.url }), launchChromium()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
  });

  it("T-1/T-2/P-6: a visitor posts a tender, confirms it through the link mailed by the real SMTP server, a partner answers, and the visitor selects the answer", async () => {
    const visitorEmail = uniqueEmail("browser-visitor");
    const title = `Website for Atelier Blau ${Date.now()}`;
    const visitor = await browser.newContext({ locale: "en-GB" });
    visitor.setDefaultTimeout(20_000);
    const page = await visitor.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(err.message));

    // T-1: the public form, no account.
    await page.goto(`${server.url}/tenders/new`);
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Description of the project").fill("A new website with a booking form for our <b>ceramics</b> workshop, German and French.");
    await page.getByRole("checkbox", { name: "Website" }).check();
    await page.getByLabel("Budget from").fill("2500");
    await page.getByLabel("Budget up to").fill("4000");
    await page.getByLabel("Region").selectOption("CH-BE");
    await page.getByLabel("Language", { exact: true }).selectOption("fr");
    await page.getByLabel("Deadline for proposals").fill(deadlineIn(10));
    await page.getByLabel("Your e-mail address").fill(visitorEmail);
    await page.getByRole("button", { name: "Send the tender" }).click();
    await page.getByText("we sent you an e-mail with a link").waitFor();

    // The confirmation link arrives over SMTP; opening it and confirming publishes the tender.
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(visitorEmail));
    expect(mail.subject).toBe(`Confirm your tender: ${title}`);
    const link = `${server.url}/tenders/t/${tenderTokenIn(mail.text)}`;
    await page.goto(link);
    await page.getByRole("button", { name: "Confirm and publish" }).click();
    await page.getByText("your tender is published").waitFor();
    const tender = await testDb().selectFrom("tenders").select(["id", "status"]).where("title", "=", title).executeTakeFirstOrThrow();
    expect(tender.status).toBe("open");

    // T-2: a partner finds it on its board and answers; the P-6 reminder is shown.
    const partner = await partnerOrg({ name: "Bern Pixel AG" });
    const partnerContext = await browser.newContext({ locale: "en-GB" });
    partnerContext.setDefaultTimeout(20_000);
    const partnerPage = await partnerContext.newPage();
    partnerPage.on("pageerror", (err) => problems.push(err.message));
    await partnerPage.goto(`${server.url}/login`);
    await partnerPage.getByLabel("E-mail (login)").fill(partner.email);
    await partnerPage.getByLabel("Password").fill(partner.password);
    await partnerPage.getByRole("button", { name: "Sign in" }).click();
    await partnerPage.waitForURL(new RegExp(`/orgs/${partner.orgId}$`));
    await partnerPage.goto(`${server.url}/orgs/${partner.orgId}/tender-board`);
    await partnerPage.getByRole("link", { name: title }).click();
    await partnerPage.getByTestId("p6-reminder").waitFor();
    await expect(partnerPage.getByTestId("tender-description").textContent()).resolves.toContain("<b>ceramics</b>");
    await partnerPage.getByLabel("Proposal", { exact: true }).fill("We design and host the site with the provider's hosting; bilingual from day one.");
    await partnerPage.getByLabel("Price from (CHF)").fill("3200");
    await partnerPage.getByLabel("Price up to (CHF)").fill("3800");
    await partnerPage.getByLabel("Timeline").fill("Online in five weeks");
    await partnerPage.getByRole("button", { name: "Send the proposal" }).click();
    await partnerPage.getByText("Your proposal was sent.").waitFor();

    // The visitor compares and selects it, with a confirmation step.
    await page.goto(link);
    await page.getByRole("link", { name: "Select the proposal of Bern Pixel AG" }).click();
    await page.getByRole("button", { name: "Confirm the selection" }).click();
    await page.getByText("The proposal is selected").waitFor();
    const proposal = await testDb().selectFrom("tender_proposals").select(["status", "org_id"]).where("tender_id", "=", tender.id).executeTakeFirstOrThrow();
    expect(proposal).toEqual({ status: "selected", org_id: partner.orgId });
    expect(await testDb().selectFrom("tenders").select(["status", "closed_reason"]).where("id", "=", tender.id).executeTakeFirstOrThrow()).toEqual({ status: "closed", closed_reason: "awarded" });
    // The partner is told over SMTP, with the visitor's contact.
    const selected = await smtp.waitForMail((m) => m.envelopeTo.includes(partner.email) && m.subject.startsWith("Your proposal was selected"));
    expect(selected.text).toContain(visitorEmail);
    expect(problems).toEqual([]);
    await partnerContext.close();
    await visitor.close();
  });
});
