import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { formatMoney } from "../../app/domain/billing/money";
import { TEST_CARDS } from "../../app/domain/payments/sandbox-gateway.server";
import { createRenewableProduct } from "../support/billing";
import { launchChromium } from "../support/browser";
import { uniqueEmail } from "../support/factories";
import { invoicesOf, orderOf, pdfText } from "../support/payments";
import { startPortalProcess, type RunningServer } from "../support/server";

/** A port free right now: the portal must know its own public URL before it starts (the sandbox posts its webhooks there). */
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

async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("paying renewals in headless Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    const port = await freePort();
    [server, browser] = await Promise.all([startPortalProcess({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}` }), launchChromium()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("B-6/B-12/B-11: two renewals are selected and paid with a test card on the hosted page; the signed webhook marks the order paid and the invoice PDF names both products and the total", async () => {
    const context = await browser.newContext({ locale: "en-GB", acceptDownloads: true });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/signup`);
    await page.getByLabel("Your name").fill("Lea Brunner");
    await page.getByLabel("E-mail (login)").fill(uniqueEmail("payer"));
    await page.getByLabel("Password").fill("a-paying-password");
    await page.getByLabel("Organization name (optional)").fill("Brunner Design");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]+$/);
    const orgId = new URL(page.url()).pathname.split("/")[2];

    // Two renewals due within the default 2-month view.
    const now = new Date();
    await createRenewableProduct(orgId, { code: "domain-ch", from: now, expiresInDays: 20, name: "brunner-design.ch", months: 12 });
    await createRenewableProduct(orgId, { code: "hosting-business", from: now, expiresInDays: 30, name: "brunner-hosting" });

    await page.getByRole("link", { name: "To pay" }).click();
    await page.getByLabel("Select brunner-design.ch").check();
    await page.getByLabel("Select brunner-hosting").check();
    await page.getByRole("button", { name: "Pay my selection" }).click();
    await page.waitForURL(/\/billing\/checkout\?/);
    await page.getByLabel("Visa").check();
    await page.getByRole("button", { name: "Continue to payment" }).click();

    // The sandbox provider's hosted page.
    await page.waitForURL(/\/sandbox-gateway\/checkout\//);
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    expect(TEST_CARDS.success).toBe("4242424242424242");
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.waitForURL(/\/billing\/orders\?returned=/);

    // The provider's signed webhook travels over HTTP to the portal process.
    const order = await waitUntil("the order to be paid", async () => (await orderOf(orgId)).find((o) => o.status === "paid"));
    expect(order).toMatchObject({ kind: "renewal", net_amount: 21490, total_amount: 23231 });
    const [invoice] = await invoicesOf(orgId);
    expect(invoice.order_id).toBe(order.id);

    await page.getByRole("link", { name: "Invoices" }).click();
    const link = page.getByRole("link", { name: `Download PDF of invoice ${invoice.number}` });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe(`invoice-${invoice.number}.pdf`);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdfText(pdf);
    expect(text).toContain(invoice.number);
    expect(text).toContain("brunner-design.ch");
    expect(text).toContain("brunner-hosting");
    expect(text).toContain(formatMoney(23231, "CHF", "en-CH").replace(/^CHF\s*/, ""));
    await context.close();
  });
});
