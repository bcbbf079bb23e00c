import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { formatMoney } from "../../../app/domain/billing/money";
import { setClock } from "../../../app/lib/clock";
import { textOf, type Client } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { createMember, createUser, signedIn } from "../../support/factories";
import { givePrepaid, invoicesOf, pdfText } from "../../support/payments";
import { testDb } from "../../support/setup";

// C-5 (P-9): a partner that pays for a client re-invoices it with its own invoice (its
// numbering, its prices) as a PDF, through the real routes against the real database.
const NOW = new Date("2026-06-10T10:00:00Z");

beforeEach(() => setClock(() => NOW));

async function partnerOrg(name = `Partner ${randomBytes(3).toString("hex")}`) {
  const rep = await createUser({ name: "Partner Rep", organizationName: name });
  await testDb().updateTable("organizations").set({ street: "Bahnhofstrasse 1", postal_code: "8001", city: "Zürich", vat_id: "CHE-123.456.789 MWST" }).where("id", "=", rep.orgId).execute();
  await testDb().insertInto("program_memberships").values({ org_id: rep.orgId, program: "partner", since: NOW }).execute();
  return rep;
}

async function linkedClient(partnerOrgId: string, opts: { payer?: "client" | "partner"; name?: string } = {}) {
  const rep = await createUser({ name: "Client Rep", organizationName: opts.name ?? `Client ${randomBytes(3).toString("hex")}` });
  await testDb().updateTable("organizations").set({ street: "Rue du Lac 5", postal_code: "1003", city: "Lausanne" }).where("id", "=", rep.orgId).execute();
  const link = await testDb()
    .insertInto("partner_client_links")
    .values({ org_id: partnerOrgId, client_org_id: rep.orgId, state: "active", payer: opts.payer ?? "partner", access: "full", since: new Date("2026-01-01T00:00:00Z") })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { ...rep, linkId: link.id };
}

/** The partner pays one of the client's products through the real route: a partner-paid invoice. */
async function paidInvoice(browser: Client, partnerOrgId: string, clientOrgId: string, productName = "kunde.ch") {
  const product = await createRenewableProduct(clientOrgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: productName, months: 12 });
  await givePrepaid(partnerOrgId, 10_000);
  const paid = await browser.post(`/orgs/${partnerOrgId}/partner/clients/${clientOrgId}`, { "ids[]": [product], method: "prepaid" });
  expect(paid.status).toBe(302);
  const invoice = (await invoicesOf(partnerOrgId)).find((i) => i.client_org_id === clientOrgId)!;
  expect(invoice).toBeDefined();
  return { product, invoice };
}

function reinvoiceForm(lines: Array<{ description: string; quantity: string; unit: string; from?: string; to?: string }>, extra: Record<string, string> = {}) {
  return {
    "description[]": lines.map((l) => l.description),
    "quantity[]": lines.map((l) => l.quantity),
    "unit[]": lines.map((l) => l.unit),
    "periodFrom[]": lines.map((l) => l.from ?? ""),
    "periodTo[]": lines.map((l) => l.to ?? ""),
    vatRate: "8.1",
    ...extra,
  };
}

const chf = (minor: number) => formatMoney(minor, "CHF", "en-CH");
const line = { description: "Domain kunde.ch", quantity: "1", unit: "20.00" };

async function reinvoicesOf(partnerOrgId: string) {
  return testDb().selectFrom("partner_reinvoices").selectAll().where("org_id", "=", partnerOrgId).orderBy("sequence").execute();
}

describe("C-5: the partner re-invoices a client it pays for", () => {
  it("C-5: from an invoice it paid, the partner's legal representative issues its own invoice (prefilled lines, its prices, its number RE-2026-0001, the invoice's VAT rate) as a PDF with the partner as issuer and the client as recipient; it is immutable and the client never sees it", async () => {
    const partner = await partnerOrg("Alpen Reseller AG");
    const client = await linkedClient(partner.orgId, { name: "Kunde Muster GmbH" });
    const browser = await signedIn(partner);
    const { invoice } = await paidInvoice(browser, partner.orgId, client.orgId);

    // The client page lists the paid invoice with a link to re-invoice it.
    const page = textOf((await browser.get(`/orgs/${partner.orgId}/partner/clients/${client.orgId}`)).html);
    expect(page).toContain(`Re-invoice ${invoice.number}`);
    expect(page).toContain("No re-invoices yet.");

    // The form is prefilled from the provider invoice: description, period, quantity, its unit price and VAT rate.
    const form = await browser.get(`/orgs/${partner.orgId}/partner/clients/${client.orgId}/reinvoice?invoice=${invoice.id}`);
    expect(form.status).toBe(200);
    const providerLine = await testDb().selectFrom("invoice_lines").selectAll().where("invoice_id", "=", invoice.id).executeTakeFirstOrThrow();
    expect(form.html).toContain(`value="${providerLine.description}"`);
    expect(form.html).toContain(`value="${providerLine.period_from!.toISOString().slice(0, 10)}"`);
    expect(form.html).toContain(`value="${providerLine.period_to!.toISOString().slice(0, 10)}"`);
    expect(form.html).toContain('value="15.90"');
    expect(form.html).toContain(`value="${invoice.vat_rate_bp / 100}"`);
    expect(textOf(form.html)).toContain(`Prefilled from invoice ${invoice.number}`);

    // The partner sets its own price (24.50 instead of 15.90) and adds nothing else.
    const from = providerLine.period_from!.toISOString().slice(0, 10);
    const to = providerLine.period_to!.toISOString().slice(0, 10);
    const issued = await browser.post(
      `/orgs/${partner.orgId}/partner/clients/${client.orgId}/reinvoice`,
      reinvoiceForm([{ description: providerLine.description, quantity: "1", unit: "24.50", from, to }], { invoiceId: invoice.id }),
    );
    expect(issued.status).toBe(302);
    expect(issued.location).toBe(`/orgs/${partner.orgId}/partner/clients/${client.orgId}?issued=RE-2026-0001`);

    const [re] = await reinvoicesOf(partner.orgId);
    // 24.50 net, VAT 8.1 % = 1.9845 → 1.98 (half up to the centime), total 26.48.
    expect(re).toMatchObject({ number: "RE-2026-0001", year: 2026, sequence: 1, client_org_id: client.orgId, invoice_id: invoice.id, currency: "CHF", net_amount: 2450, vat_rate_bp: 810, vat_amount: 198, total_amount: 2648, issued_by: partner.userId, language: "en" });
    expect(re.issuer).toMatchObject({ name: "Alpen Reseller AG", street: "Bahnhofstrasse 1", city: "Zürich", vatId: "CHE-123.456.789 MWST" });
    expect(re.bill_to).toMatchObject({ name: "Kunde Muster GmbH", street: "Rue du Lac 5", city: "Lausanne" });
    const lines = await testDb().selectFrom("partner_reinvoice_lines").selectAll().where("reinvoice_id", "=", re.id).execute();
    expect(lines).toMatchObject([{ org_id: partner.orgId, position: 1, description: providerLine.description, quantity: 1, unit_amount: 2450, net_amount: 2450, period_from: new Date(`${from}T00:00:00Z`), period_to: new Date(`${to}T00:00:00Z`) }]);
    expect(await testDb().selectFrom("audit_log").select(["org_id", "action"]).where("target_id", "=", re.id).execute()).toEqual([{ org_id: partner.orgId, action: "partner.reinvoice_issued" }]);

    // Listed on the client page with its download link; the PDF names the partner as issuer and the client as recipient.
    const after = await browser.get(`/orgs/${partner.orgId}/partner/clients/${client.orgId}?issued=RE-2026-0001`);
    expect(textOf(after.html)).toContain("Invoice RE-2026-0001 was issued.");
    expect(after.html).toContain(`href="/orgs/${partner.orgId}/partner/reinvoices/${re.id}.pdf"`);
    const pdf = await browser.download(`/orgs/${partner.orgId}/partner/reinvoices/${re.id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("content-disposition")).toContain("RE-2026-0001.pdf");
    const text = pdfText(pdf.body);
    expect(text).toContain("Invoice RE-2026-0001");
    expect(text).toContain("From");
    expect(text).toContain("Alpen Reseller AG");
    expect(text).toContain("Bahnhofstrasse 1");
    expect(text).toContain("CHE-123.456.789 MWST");
    expect(text).toContain("Bill to");
    expect(text).toContain("Kunde Muster GmbH");
    expect(text).toContain("Rue du Lac 5");
    expect(text).toContain(providerLine.description);
    expect(text).toContain(`1 ${chf(2450)} ${chf(2450)}`);
    expect(text).toContain(`VAT 8.1 %: ${chf(198)}`);
    expect(text).toContain(`Total: ${chf(2648)}`);
    expect(text.indexOf("Alpen Reseller AG")).toBeLessThan(text.indexOf("Kunde Muster GmbH"));

    // Issued once: the database refuses any change or deletion.
    await expect(sql`update partner_reinvoices set net_amount = 1 where id = ${re.id}`.execute(testDb())).rejects.toThrow(/cannot be changed/);
    await expect(sql`delete from partner_reinvoice_lines where reinvoice_id = ${re.id}`.execute(testDb())).rejects.toThrow(/cannot be changed/);

    // The client sees neither the re-invoice nor the provider's invoice; the PDF URL is not found for it.
    const clientBrowser = await signedIn(client);
    const clientInvoices = textOf((await clientBrowser.get(`/orgs/${client.orgId}/billing/invoices`)).html);
    expect(clientInvoices).not.toContain("RE-2026-0001");
    expect(clientInvoices).not.toContain(invoice.number);
    expect((await clientBrowser.download(`/orgs/${client.orgId}/partner/reinvoices/${re.id}.pdf`)).status).toBe(404);
    expect((await clientBrowser.download(`/orgs/${partner.orgId}/partner/reinvoices/${re.id}.pdf`)).status).toBe(404);
  });

  it("C-5: from a selection of the client's products the form is prefilled at the catalog price for the period; lines can be edited and several lines are summed", async () => {
    const partner = await partnerOrg();
    const client = await linkedClient(partner.orgId);
    const product = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: "auswahl.ch", months: 12 });
    const browser = await signedIn(partner);
    const form = await browser.get(`/orgs/${partner.orgId}/partner/clients/${client.orgId}/reinvoice?ids[]=${product}`);
    expect(form.status).toBe(200);
    expect(form.html).toContain('value=".ch domain name: auswahl.ch"');
    expect(form.html).toContain('value="15.90"');
    expect(form.html).toContain('value="2026-06-30"');
    expect(form.html).toContain('value="2027-06-30"');
    expect(textOf(form.html)).toContain("Prefilled from the selected products");

    const issued = await browser.post(
      `/orgs/${partner.orgId}/partner/clients/${client.orgId}/reinvoice`,
      reinvoiceForm([
        { description: ".ch domain name: auswahl.ch", quantity: "1", unit: "19.90", from: "2026-06-30", to: "2027-06-30" },
        { description: "Setup and support", quantity: "3", unit: "45,5" },
      ], { vatRate: "0" }),
    );
    expect(issued.status).toBe(302);
    const [re] = await reinvoicesOf(partner.orgId);
    expect(re).toMatchObject({ number: "RE-2026-0001", invoice_id: null, net_amount: 1990 + 13650, vat_rate_bp: 0, vat_amount: 0, total_amount: 15640 });
    const lines = await testDb().selectFrom("partner_reinvoice_lines").select(["position", "quantity", "unit_amount", "net_amount", "period_from"]).where("reinvoice_id", "=", re.id).orderBy("position").execute();
    expect(lines).toEqual([
      { position: 1, quantity: 1, unit_amount: 1990, net_amount: 1990, period_from: new Date("2026-06-30T00:00:00Z") },
      { position: 2, quantity: 3, unit_amount: 4550, net_amount: 13650, period_from: null },
    ]);
  });

  it("C-5: numbering is per partner and year and gap-free: consecutive and concurrent issues get consecutive numbers, another partner starts at 0001, a refused issue uses no number, a new year starts again", async () => {
    const partner = await partnerOrg();
    const client = await linkedClient(partner.orgId);
    const other = await linkedClient(partner.orgId);
    const browser = await signedIn(partner);
    const url = (c: string) => `/orgs/${partner.orgId}/partner/clients/${c}/reinvoice`;

    expect((await browser.post(url(client.orgId), reinvoiceForm([line]))).location).toContain("RE-2026-0001");
    // A refused issue (invalid price) takes no number.
    expect((await browser.post(url(client.orgId), reinvoiceForm([{ ...line, unit: "-1" }]))).status).toBe(400);
    expect((await browser.post(url(other.orgId), reinvoiceForm([line]))).location).toContain("RE-2026-0002");
    // Three at once: three distinct consecutive numbers.
    const concurrent = await Promise.all([0, 1, 2].map(() => browser.post(url(client.orgId), reinvoiceForm([line]))));
    expect(concurrent.map((p) => p.status)).toEqual([302, 302, 302]);
    expect((await reinvoicesOf(partner.orgId)).map((r) => r.number)).toEqual(["RE-2026-0001", "RE-2026-0002", "RE-2026-0003", "RE-2026-0004", "RE-2026-0005"]);

    // Another partner has its own numbering.
    const second = await partnerOrg();
    const itsClient = await linkedClient(second.orgId);
    const secondBrowser = await signedIn(second);
    expect((await secondBrowser.post(`/orgs/${second.orgId}/partner/clients/${itsClient.orgId}/reinvoice`, reinvoiceForm([line]))).location).toContain("RE-2026-0001");

    // A new year starts again at 0001.
    setClock(() => new Date("2027-01-02T09:00:00Z"));
    const nextYear = await signedIn(partner);
    expect((await nextYear.post(url(client.orgId), reinvoiceForm([line]))).location).toContain("RE-2027-0001");
    expect(await testDb().selectFrom("partner_reinvoice_counters").select(["year", "last_sequence"]).where("org_id", "=", partner.orgId).orderBy("year").execute()).toEqual([
      { year: 2026, last_sequence: 5 },
      { year: 2027, last_sequence: 1 },
    ]);
  });

  it("C-5: invalid input answers 400 with a message per field, keeps what was typed and changes nothing", async () => {
    const partner = await partnerOrg();
    const client = await linkedClient(partner.orgId);
    const browser = await signedIn(partner);
    const url = `/orgs/${partner.orgId}/partner/clients/${client.orgId}/reinvoice`;
    const bad = await browser.post(
      url,
      reinvoiceForm(
        [
          { description: "", quantity: "0", unit: "12.345" },
          { description: "Hosting", quantity: "2", unit: "abc", from: "2026-07-01", to: "2026-06-01" },
        ],
        { vatRate: "120" },
      ),
    );
    expect(bad.status).toBe(400);
    const text = textOf(bad.html);
    expect(text).toContain("Enter a description of at most 200 characters.");
    expect(text).toContain("Enter a whole quantity from 1 to 10000.");
    expect(text).toContain("Enter an amount such as 12.50 (at most two decimals).");
    expect(text).toContain("Enter a VAT rate from 0 to 100 % with at most two decimals.");
    expect(text).toContain("The period cannot end before it starts.");
    expect(bad.html).toContain('value="12.345"');
    expect(bad.html).toContain('value="abc"');
    expect(bad.html).toMatch(/<input id="f-unit-0"[^>]*aria-invalid="true"/);
    expect(bad.html).toMatch(/<input id="f-unit-1"[^>]*aria-invalid="true"/);
    expect(bad.html).not.toMatch(/<input id="f-quantity-1"[^>]*aria-invalid="true"/);
    // No lines at all, and an invoice of another client: nothing either.
    expect((await browser.post(url, { vatRate: "8.1" })).status).toBe(400);
    const otherClient = await linkedClient(partner.orgId);
    const { invoice } = await paidInvoice(browser, partner.orgId, otherClient.orgId);
    expect((await browser.post(url, reinvoiceForm([line], { invoiceId: invoice.id }))).status).toBe(404);
    expect((await browser.get(`${url}?invoice=${invoice.id}`)).status).toBe(404);

    expect(await reinvoicesOf(partner.orgId)).toEqual([]);
    expect(await testDb().selectFrom("partner_reinvoice_counters").selectAll().where("org_id", "=", partner.orgId).execute()).toEqual([]);
    expect(await testDb().selectFrom("audit_log").select("id").where("org_id", "=", partner.orgId).where("action", "=", "partner.reinvoice_issued").execute()).toEqual([]);
  });

  it("C-5: refused paths change nothing: a client that pays itself (409), a restricted member of the partner (403), another organization and an ended relationship (404); an administrator of the partner may issue", async () => {
    const partner = await partnerOrg();
    const paying = await linkedClient(partner.orgId);
    const selfPaying = await linkedClient(partner.orgId, { payer: "client" });
    const browser = await signedIn(partner);
    const url = (c: string, org = partner.orgId) => `/orgs/${org}/partner/clients/${c}/reinvoice`;

    // The client pays itself: no re-invoicing.
    const product = await createRenewableProduct(selfPaying.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20 });
    expect((await browser.get(`${url(selfPaying.orgId)}?ids[]=${product}`)).status).toBe(409);
    const conflict = await browser.post(url(selfPaying.orgId), reinvoiceForm([line]));
    expect(conflict.status).toBe(409);
    // Its page says so and offers no re-invoicing.
    const clientPage = textOf((await browser.get(`/orgs/${partner.orgId}/partner/clients/${selfPaying.orgId}`)).html);
    expect(clientPage).toContain("This client pays its invoices itself.");
    expect(clientPage).not.toContain("Re-invoice the selected products");
    expect(clientPage).not.toContain("Write a new invoice to this client");

    // A restricted member of the partner: forbidden, including the list and the PDFs.
    expect((await browser.post(url(paying.orgId), reinvoiceForm([line]))).status).toBe(302);
    const [re] = await reinvoicesOf(partner.orgId);
    const restricted = await signedIn(await createMember(partner.orgId, "restricted"));
    expect((await restricted.post(url(paying.orgId), reinvoiceForm([line]))).status).toBe(403);
    expect((await restricted.get(`${url(paying.orgId)}?ids[]=${product}`)).status).toBe(403);
    expect((await restricted.download(`/orgs/${partner.orgId}/partner/reinvoices/${re.id}.pdf`)).status).toBe(403);

    // Another organization: its own URL does not reach the partner's client or re-invoice; the partner's URL is not found.
    const stranger = await createUser();
    const sb = await signedIn(stranger);
    expect((await sb.post(url(paying.orgId, stranger.orgId), reinvoiceForm([line]))).status).toBe(404);
    expect((await sb.post(url(paying.orgId), reinvoiceForm([line]))).status).toBe(404);
    expect((await sb.download(`/orgs/${stranger.orgId}/partner/reinvoices/${re.id}.pdf`)).status).toBe(404);
    expect((await sb.download(`/orgs/${partner.orgId}/partner/reinvoices/${re.id}.pdf`)).status).toBe(404);
    expect((await browser.post(url(stranger.orgId), reinvoiceForm([line]))).status).toBe(404);

    // An ended relationship: not found; the re-invoices already issued stay downloadable by the partner.
    await testDb().updateTable("partner_client_links").set({ state: "ended", ended_at: NOW }).where("id", "=", paying.linkId).execute();
    expect((await browser.post(url(paying.orgId), reinvoiceForm([line]))).status).toBe(404);
    expect((await browser.download(`/orgs/${partner.orgId}/partner/reinvoices/${re.id}.pdf`)).status).toBe(200);

    expect((await reinvoicesOf(partner.orgId)).map((r) => r.number)).toEqual(["RE-2026-0001"]);

    // An administrator (not the legal representative) of the partner may issue.
    const other = await linkedClient(partner.orgId);
    const admin = await signedIn(await createMember(partner.orgId, "admin"));
    expect((await admin.post(url(other.orgId), reinvoiceForm([line]))).location).toContain("RE-2026-0002");
  });
});
