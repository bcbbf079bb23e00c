import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineAbilityFor } from "../../../app/auth/ability";
import { loadUserActor } from "../../../app/auth/actor.server";
import { topUpPrepaid } from "../../../app/domain/billing/checkout.server";
import { Invalid } from "../../../app/domain/errors";
import { setSandboxWebhookTransport, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { setClock } from "../../../app/lib/clock";
import { textOf, type Client } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { deliver, onHostedPage, startSelectionPayment } from "../../support/checkout-flow";
import { signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { invoicesOf, orderOf, pdfText, prepaidBalance, useEuro } from "../../support/payments";
import { appDb, testDb } from "../../support/setup";

const NOW = new Date("2027-12-30T10:00:00Z");

beforeEach(() => setClock(() => NOW));
afterEach(() => setSandboxWebhookTransport(undefined));

async function payOne(client: Client, orgId: string, name: string) {
  const id = await createRenewableProduct(orgId, { code: "domain-com", from: NOW, expiresInDays: 10, name });
  await deliver((await onHostedPage(client, await startSelectionPayment(client, orgId, [id], "visa"), { cardNumber: TEST_CARDS.success })).webhooks);
}

describe("invoices", () => {
  it("B-11: every invoice downloads as a PDF with its number, lines, VAT and what each method paid; other organizations get 404, restricted users 403", async () => {
    const org = await orgWithStaff("Pdf");
    const client = await signedIn(org.rep);
    await payOne(client, org.orgId, "pdf-kunde.com");
    const [invoice] = await invoicesOf(org.orgId);
    const list = await client.get(`/orgs/${org.orgId}/billing/invoices`);
    expect(list.html).toContain(`/orgs/${org.orgId}/billing/invoices/${invoice.id}.pdf`);

    const raw = await fetchPdf(client, `/orgs/${org.orgId}/billing/invoices/${invoice.id}.pdf`);
    expect(raw.subarray(0, 4).toString()).toBe("%PDF");
    const text = pdfText(raw);
    expect(text).toContain(`Invoice ${invoice.number}`);
    expect(text).toContain("pdf-kunde.com");
    expect(text).toContain("VAT 8.1 %");
    expect(text).toContain("Paid by Visa");

    const other = await orgWithStaff("Andere");
    const stranger = await signedIn(other.rep);
    expect((await stranger.get(`/orgs/${other.orgId}/billing/invoices/${invoice.id}.pdf`)).status).toBe(404);
    expect((await stranger.get(`/orgs/${org.orgId}/billing/invoices/${invoice.id}.pdf`)).status).toBe(404);
    expect((await (await signedIn(org.restricted)).get(`/orgs/${org.orgId}/billing/invoices/${invoice.id}.pdf`)).status).toBe(403);
  });

  it("B-11: invoice numbers are sequential without gaps per year and start again at 1 in a new year", async () => {
    const org = await orgWithStaff("Nummern");
    const client = await signedIn(org.admin);
    await payOne(client, org.orgId, "eins.com");
    await payOne(client, org.orgId, "zwei.com");
    // A failed payment issues no invoice and takes no number.
    const id = await createRenewableProduct(org.orgId, { code: "domain-com", from: NOW, expiresInDays: 10, name: "fehl.com" });
    await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [id], "visa"), { cardNumber: TEST_CARDS.declined })).webhooks);
    await payOne(client, org.orgId, "drei.com");
    setClock(() => new Date("2028-01-02T08:00:00Z"));
    const later = await signedIn(org.admin);
    await payOne(later, org.orgId, "vier.com");
    await payOne(later, org.orgId, "fuenf.com");
    // The sequence is the provider's, shared by all organizations: this file's other tests
    // may have taken earlier 2027 numbers, but this organization's follow each other.
    const invoices = await invoicesOf(org.orgId);
    const y2027 = invoices.filter((i) => i.year === 2027).map((i) => i.sequence).sort((a, b) => a - b);
    expect(y2027).toEqual([y2027[0], y2027[0] + 1, y2027[0] + 2]);
    expect(invoices.filter((i) => i.year === 2028).map((i) => i.number).sort()).toEqual(["2028-000001", "2028-000002"]);
    const { rows } = await sql<{ year: number; last_number: number }>`select year, last_number from invoice_counters order by year`.execute(testDb());
    expect(rows.find((r) => r.year === 2027)?.last_number).toBe(y2027[2]);
    // No gaps: every number of 2027 up to the counter is issued.
    const all2027 = await testDb().selectFrom("invoices").select("sequence").where("year", "=", 2027).orderBy("sequence").execute();
    expect(all2027.map((r) => r.sequence)).toEqual(Array.from({ length: y2027[2] }, (_, i) => i + 1));
  });

  it("B-11: an issued invoice refuses UPDATE and DELETE, even by the owner", async () => {
    const org = await orgWithStaff("Fest");
    await payOne(await signedIn(org.rep), org.orgId, "fest.com");
    const [invoice] = await invoicesOf(org.orgId);
    await expect(testDb().updateTable("invoices").set({ total_amount: 1 }).where("id", "=", invoice.id).execute()).rejects.toThrow(/cannot be changed/);
    await expect(testDb().deleteFrom("invoices").where("id", "=", invoice.id).execute()).rejects.toThrow(/cannot be changed/);
    await expect(testDb().updateTable("invoice_lines").set({ net_amount: 1 }).where("invoice_id", "=", invoice.id).execute()).rejects.toThrow(/cannot be changed/);
    expect((await invoicesOf(org.orgId))[0]).toEqual(invoice);
  });

  it("B-11: an EU business with a VAT id pays no VAT and its invoice notes the reverse charge", async () => {
    const org = await orgWithStaff("Gmbh");
    await useEuro(org.orgId, "DE");
    await testDb().updateTable("organizations").set({ vat_id: "DE123456789" }).where("id", "=", org.orgId).execute();
    const client = await signedIn(org.rep);
    await payOne(client, org.orgId, "gmbh.com");
    const [invoice] = await invoicesOf(org.orgId);
    expect(invoice).toMatchObject({ currency: "EUR", net_amount: 1790, vat_rate_bp: 0, vat_amount: 0, total_amount: 1790, reverse_charge: true });
    const text = pdfText(await fetchPdf(client, `/orgs/${org.orgId}/billing/invoices/${invoice.id}.pdf`));
    expect(text).toContain("Reverse charge");
  });
});

async function fetchPdf(client: Client, path: string): Promise<Buffer> {
  const res = await client.download(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("application/pdf");
  return res.body;
}

describe("the prepaid account", () => {
  it("B-10: top-ups of 0.10 and 9999.00 are accepted and credited after the signed confirmation; 0.09 and 9999.01 are refused", async () => {
    const org = await orgWithStaff("Aufladen");
    const client = await signedIn(org.rep);
    for (const amount of ["0.09", "9999.01", "abc"]) {
      const refused = await client.post(`/orgs/${org.orgId}/billing/prepaid`, { amount, method: "visa" });
      expect({ amount, status: refused.status }).toEqual({ amount, status: 400 });
      expect(textOf(refused.html)).toContain("One deposit is between 0.10 and 9999.00.");
    }
    expect(await orderOf(org.orgId)).toEqual([]);

    for (const amount of ["0.10", "9999.00"]) {
      const started = await client.post(`/orgs/${org.orgId}/billing/prepaid`, { amount, method: "visa" });
      const { back, webhooks } = await onHostedPage(client, started, { cardNumber: TEST_CARDS.success });
      expect(back.location).toContain(`/orgs/${org.orgId}/billing/prepaid?returned=`);
      await deliver(webhooks);
    }
    expect(await prepaidBalance(org.orgId)).toBe(10 + 999900);
    const page = textOf((await client.get(`/orgs/${org.orgId}/billing/prepaid`)).html);
    expect(page).toMatch(/Available balance: CHF 9.999\.10/);
    expect(await auditEntries(org.orgId, "prepaid.topped_up")).toHaveLength(2);
    // A top-up is a deposit, not a sale: no invoice.
    expect(await invoicesOf(org.orgId)).toEqual([]);
  });

  it("B-10: the limits hold in the domain and in the database", async () => {
    const org = await orgWithStaff("Grenzen");
    const actor = await loadUserActor(appDb(), { id: org.rep.userId, email: org.rep.email });
    const acting = { actor, ability: defineAbilityFor(actor) };
    for (const amount of [9, 999901]) {
      await expect(topUpPrepaid(appDb(), acting, org.orgId, amount, "visa", "en")).rejects.toBeInstanceOf(Invalid);
    }
    await expect(
      testDb().insertInto("orders").values({ org_id: org.orgId, kind: "topup", currency: "CHF", language: "en", net_amount: 9, total_amount: 9 }).execute(),
    ).rejects.toThrow(/orders_topup_limits/);
    await expect(
      testDb().insertInto("orders").values({ org_id: org.orgId, kind: "topup", currency: "CHF", language: "en", net_amount: 999901, total_amount: 999901 }).execute(),
    ).rejects.toThrow(/orders_topup_limits/);
    await testDb().insertInto("prepaid_accounts").values({ org_id: org.orgId, currency: "CHF", balance: 0, updated_at: NOW }).execute();
    await expect(testDb().insertInto("prepaid_entries").values({ org_id: org.orgId, kind: "topup", amount: 999901, created_at: NOW }).execute()).rejects.toThrow(/prepaid_entries_topup_limits/);
    await expect(testDb().insertInto("prepaid_entries").values({ org_id: org.orgId, kind: "topup", amount: 9, created_at: NOW }).execute()).rejects.toThrow(/prepaid_entries_topup_limits/);
    // And the balance never goes below zero.
    await expect(testDb().updateTable("prepaid_accounts").set({ balance: -1 }).where("org_id", "=", org.orgId).execute()).rejects.toThrow(/check/);
    expect(await orderOf(org.orgId)).toEqual([]);
  });

  it("B-10: a PostFinance top-up is refused for a EUR organization; a card one works", async () => {
    const org = await orgWithStaff("EuroTop");
    await useEuro(org.orgId, "FR");
    const client = await signedIn(org.rep);
    const refused = await client.post(`/orgs/${org.orgId}/billing/prepaid`, { amount: "50.00", method: "postfinance" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("PostFinance Card is only accepted");
    expect(await orderOf(org.orgId)).toEqual([]);
    const started = await client.post(`/orgs/${org.orgId}/billing/prepaid`, { amount: "50,00", method: "cb" });
    await deliver((await onHostedPage(client, started, { cardNumber: TEST_CARDS.success })).webhooks);
    expect(await prepaidBalance(org.orgId)).toBe(5000);
    expect((await testDb().selectFrom("prepaid_accounts").select("currency").where("org_id", "=", org.orgId).executeTakeFirstOrThrow()).currency).toBe("EUR");
  });
});
