import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatReference, isQRReferenceValid, isSCORReferenceValid } from "swissqrbill/utils";
import { epcPayload } from "../../../app/domain/billing/proforma-pdf.server";
import { setClock } from "../../../app/lib/clock";
import { textOf, type Client } from "../../support/app";
import { auditEntries as staffAuditEntries, staffSignedIn } from "../../support/backoffice";
import { createRenewableProduct, renewalState } from "../../support/billing";
import { camt054, uploadCamt } from "../../support/camt";
import { startSelectionPayment } from "../../support/checkout-flow";
import { createStaff, signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { invoicesOf, orderOf, paymentsOf, pdfText, prepaidBalance, useEuro } from "../../support/payments";
import { testDb } from "../../support/setup";

// Paying by IBAN transfer through the real routes: the customer's checkout and proforma,
// the bank's camt.054 file uploaded in the back office, the staff's own confirmations.
const NOW = new Date("2027-03-01T09:00:00Z");
const HOUR = 3_600_000;
const YEAR_LATER = (d: Date) => new Date(Date.UTC(d.getUTCFullYear() + 1, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()));

beforeEach(() => setClock(() => NOW));
afterEach(() => setClock(undefined));

// domain-ch 15.90 + hosting-business 199.00 = 214.90 net; 8.1 % VAT 17.41; total 232.31.
const TOTAL = 23231;

async function twoRenewals(name: string) {
  const org = await orgWithStaff(name);
  await testDb().updateTable("organizations").set({ street: "Seestrasse 5", postal_code: "8002", city: "Zürich", country: "CH" }).where("id", "=", org.orgId).execute();
  const domain = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: `${name.toLowerCase()}.ch`, months: 12 });
  const hosting = await createRenewableProduct(org.orgId, { code: "hosting-business", from: NOW, expiresInDays: 30, name: `${name.toLowerCase()}-hosting` });
  return { ...org, domain, hosting };
}

/** The selection paid by IBAN through the checkout: the proforma's order. */
async function payByIban(client: Client, org: { orgId: string; domain: string; hosting: string }) {
  const started = await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "iban");
  expect(started.status).toBe(302);
  const [order] = await orderOf(org.orgId);
  expect(started.location).toBe(`/orgs/${org.orgId}/billing/orders?scope=all&proforma=${order.id}`);
  const proforma = await testDb().selectFrom("proformas").selectAll().where("order_id", "=", order.id).executeTakeFirstOrThrow();
  return { started, order, proforma };
}

async function billingAgent() {
  const staff = await createStaff("billing_agent");
  return { staff, client: await staffSignedIn(staff) };
}

async function transfersOf(orderId: string) {
  return testDb().selectFrom("bank_transfers").selectAll().where("order_id", "=", orderId).orderBy("received_at").execute();
}

async function fetchPdf(client: Client, path: string): Promise<Buffer> {
  const res = await client.download(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("application/pdf");
  return res.body;
}

describe("paying by IBAN transfer", () => {
  it("B-6/B-8: a selection paid by IBAN gets a proforma (its own number and reference, not an invoice) and stays pending; nothing renews", async () => {
    const org = await twoRenewals("Proforma");
    const before = await renewalState(org.domain);
    const client = await signedIn(org.rep);
    const choice = textOf((await client.get(`/orgs/${org.orgId}/billing/checkout?ids[]=${org.domain}&ids[]=${org.hosting}`)).html);
    expect(choice).toContain("IBAN bank transfer (proforma; bank fees are the payer's)");

    const { started, order, proforma } = await payByIban(client, org);
    expect(order).toMatchObject({ kind: "renewal", status: "pending", total_amount: TOTAL });
    expect(proforma).toMatchObject({ org_id: org.orgId, amount: TOTAL, currency: "CHF", creditor_iban: "CH4431999123000889012" });
    expect(proforma.number).toMatch(/^PF-2027-\d{6}$/);
    expect(proforma.reference).toMatch(/^2027\d{23}$/);
    expect(isQRReferenceValid(proforma.reference)).toBe(true);
    // Not an invoice: no invoice, no number drawn from the invoice sequence, no payment, no renewal.
    expect(await invoicesOf(org.orgId)).toEqual([]);
    expect(await testDb().selectFrom("invoice_counters").selectAll().where("year", "=", 2027).execute()).toEqual([]);
    expect(await paymentsOf(org.orgId)).toEqual([]);
    expect((await renewalState(org.domain)).expires_at).toEqual(before.expires_at);
    expect(await auditEntries(org.orgId, "proforma.issued")).toHaveLength(1);

    const page = textOf((await client.follow(started)).html);
    expect(page).toContain("bank fees are the payer's");
    expect(page).toContain("Nothing is renewed or credited until the transfer arrives");
    expect(page).toContain(`Proforma ${proforma.number}`);
    expect(page).toContain(`Reference: ${proforma.reference}`);
  });

  it("B-6/B-8: the CHF proforma PDF shows the Swiss QR-bill with the QR-IBAN, the QR reference and the bank fees wording; another organization gets 404", async () => {
    const org = await twoRenewals("Qrbill");
    const client = await signedIn(org.rep);
    const { order, proforma } = await payByIban(client, org);
    const orders = await client.get(`/orgs/${org.orgId}/billing/orders?scope=all`);
    expect(orders.html).toContain(`/orgs/${org.orgId}/billing/proformas/${order.id}.pdf`);

    const raw = await fetchPdf(client, `/orgs/${org.orgId}/billing/proformas/${order.id}.pdf`);
    expect(raw.subarray(0, 4).toString()).toBe("%PDF");
    const text = pdfText(raw);
    expect(text).toContain(`Proforma invoice ${proforma.number}`);
    expect(text).toContain("This proforma is not an invoice");
    expect(text).toContain("All bank fees are borne by the payer");
    expect(text).toContain("CH44 3199 9123 0008 8901 2");
    expect(text).toContain(formatReference(proforma.reference));
    expect(text).toContain("CHF 232.31");
    // The QR-bill's payment part (swissqrbill), in the order's language.
    expect(text).toContain("Payment part");
    expect(text).toContain("Account / Payable to");

    const other = await orgWithStaff("Fremd");
    const stranger = await signedIn(other.rep);
    expect((await stranger.download(`/orgs/${org.orgId}/billing/proformas/${order.id}.pdf`)).status).toBe(404);
    expect((await stranger.download(`/orgs/${other.orgId}/billing/proformas/${order.id}.pdf`)).status).toBe(404);
    const restricted = await signedIn(org.restricted);
    expect((await restricted.download(`/orgs/${org.orgId}/billing/proformas/${order.id}.pdf`)).status).toBe(403);
  });

  it("B-8: the EUR proforma carries an EPC (SEPA) QR code with the IBAN, BIC, amount and an RF creditor reference", async () => {
    const org = await twoRenewals("Euro");
    await useEuro(org.orgId, "DE");
    const client = await signedIn(org.rep);
    const { order, proforma } = await payByIban(client, org);
    expect(proforma.currency).toBe("EUR");
    expect(proforma.reference).toMatch(/^RF\d{2}2027\d{6}$/);
    expect(isSCORReferenceValid(proforma.reference)).toBe(true);
    expect(proforma.amount).toBe(order.total_amount);

    const raw = await fetchPdf(client, `/orgs/${org.orgId}/billing/proformas/${order.id}.pdf`);
    const text = pdfText(raw);
    expect(text).toContain("IBAN: CH93 0076 2011 6238 5295 7");
    expect(text).toContain("BIC: UBSWCHZH80A");
    expect(text).toContain(formatReference(proforma.reference));
    expect(text).toContain("bank fees are borne by the payer");
    expect(text).toContain("EPC SEPA credit transfer");
    expect(raw.toString("latin1")).toMatch(/\/Subtype \/Image/);
    expect(text).not.toContain("Payment part");

    const amount = `EUR${Math.floor(order.total_amount / 100)}.${String(order.total_amount % 100).padStart(2, "0")}`;
    expect(epcPayload({ bic: "UBSWCHZH80A", name: "Partner Portal Cloud AG", iban: "CH9300762011623852957", amount: order.total_amount, reference: proforma.reference }).split("\n")).toEqual([
      "BCD",
      "002",
      "1",
      "SCT",
      "UBSWCHZH80A",
      "Partner Portal Cloud AG",
      "CH9300762011623852957",
      amount,
      "",
      proforma.reference,
    ]);
  });

  it("B-6: importing a camt.054 with the matching reference and amount pays the order, issues the numbered invoice and extends the expiries; re-importing the same file changes nothing", async () => {
    const org = await twoRenewals("Camt");
    const before = [await renewalState(org.domain), await renewalState(org.hosting)];
    const { order, proforma } = await payByIban(await signedIn(org.rep), org);
    const { staff, client } = await billingAgent();
    expect(textOf((await client.get("/backoffice/transfers")).html)).toContain(proforma.number);
    const xml = camt054({ entryId: "ENTRY-1", credits: [{ id: "TX-1", amount: TOTAL, reference: formatReference(proforma.reference) }], debit: { amount: 500 } });

    setClock(() => new Date(NOW.getTime() + 2 * HOUR));
    const imported = await uploadCamt(client, xml, "camt054-2027-03-02.xml");
    expect(imported.status).toBe(302);
    expect(imported.location).toBe("/backoffice/transfers?imported=1&matched=1&held=0&duplicates=0");
    expect(textOf((await client.follow(imported)).html)).toContain("File imported: 1 paid, 0 held for review, 0 already known.");

    expect((await orderOf(org.orgId))[0]).toMatchObject({ id: order.id, status: "paid" });
    expect(await paymentsOf(org.orgId)).toMatchObject([{ method: "iban", amount: TOTAL, status: "succeeded" }]);
    const invoices = await invoicesOf(org.orgId);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ number: "2027-000001", total_amount: TOTAL, paid_by: [{ method: "iban", amount: TOTAL }] });
    expect((await renewalState(org.domain)).expires_at).toEqual(YEAR_LATER(before[0].expires_at!));
    expect((await renewalState(org.hosting)).expires_at).toEqual(YEAR_LATER(before[1].expires_at!));
    expect(await transfersOf(order.id)).toMatchObject([{ status: "matched", source: "camt054", amount: TOTAL, reference: proforma.reference, booked_on: "2027-03-02", debtor_name: "Muster AG" }]);
    expect((await staffAuditEntries({ action: "payment.iban_received", actorStaffId: staff.staffId })).map((a) => a.org_id)).toEqual([org.orgId]);
    expect(await staffAuditEntries({ action: "bank_transfers.imported", actorStaffId: staff.staffId })).toHaveLength(1);

    const snapshot = async () => ({
      transfers: await testDb().selectFrom("bank_transfers").select(["id", "status"]).where("org_id", "=", org.orgId).execute(),
      payments: await paymentsOf(org.orgId),
      invoices: await invoicesOf(org.orgId),
      expiry: (await renewalState(org.domain)).expires_at,
    });
    const after = await snapshot();
    const again = await uploadCamt(client, xml, "camt054-2027-03-02.xml");
    expect(again.location).toBe("/backoffice/transfers?imported=1&matched=0&held=0&duplicates=1");
    expect(await snapshot()).toEqual(after);
    expect(await testDb().selectFrom("bank_transfers").select("id").where("status", "=", "held").execute()).toEqual([]);
  });

  it("B-6: a wrong amount or an unknown reference is held for review (oldest first) and nothing is paid; staff assign a held transfer by hand", async () => {
    const org = await twoRenewals("Held");
    const before = await renewalState(org.domain);
    const { order, proforma } = await payByIban(await signedIn(org.rep), org);
    const { staff, client } = await billingAgent();

    const unknown = camt054({ entryId: "ENTRY-U", credits: [{ id: "TX-U", amount: 99000, reference: "210000000003139471430009017", debtor: "Unbekannt GmbH" }] });
    expect((await uploadCamt(client, unknown)).location).toBe("/backoffice/transfers?imported=1&matched=0&held=1&duplicates=0");
    setClock(() => new Date(NOW.getTime() + HOUR));
    const short = camt054({ entryId: "ENTRY-S", credits: [{ id: "TX-S", amount: TOTAL - 100, reference: proforma.reference, debtor: "Knapp AG" }, { id: "TX-N", amount: 2500, reference: null, debtor: "Ohne Referenz" }] });
    expect((await uploadCamt(client, short)).location).toBe("/backoffice/transfers?imported=1&matched=0&held=2&duplicates=0");

    expect((await orderOf(org.orgId))[0].status).toBe("pending");
    expect(await paymentsOf(org.orgId)).toEqual([]);
    expect(await invoicesOf(org.orgId)).toEqual([]);
    expect((await renewalState(org.domain)).expires_at).toEqual(before.expires_at);
    const held = await testDb().selectFrom("bank_transfers").selectAll().where("status", "=", "held").orderBy("received_at").orderBy("amount").execute();
    expect(held.map((h) => [h.entry_reference, h.hold_reason, h.order_id])).toEqual([
      ["ENTRY-U/TX-U", "unknown_reference", null],
      ["ENTRY-S/TX-N", "unknown_reference", null],
      ["ENTRY-S/TX-S", "amount_mismatch", order.id],
    ]);

    const page = await client.get("/backoffice/transfers");
    const queue = page.html.slice(page.html.indexOf('data-testid="held-transfers"'));
    expect(queue.indexOf("held-ENTRY-U/TX-U")).toBeGreaterThan(0);
    expect(queue.indexOf("held-ENTRY-U/TX-U")).toBeLessThan(queue.indexOf("held-ENTRY-S/TX-S"));
    expect(textOf(page.html)).toContain("Amount differs from what is due");

    // More than is due is refused; the short transfer pays part of the order, the rest is confirmed by hand.
    const tooMuch = held[0];
    const refused = await client.post(`/backoffice/transfers?match=${tooMuch.id}`, { intent: "match", transferId: tooMuch.id, reference: proforma.reference, confirm: "yes" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("The transfer is more than the order still owes");
    const partial = held[2];
    const unconfirmed = await client.post(`/backoffice/transfers?match=${partial.id}`, { intent: "match", transferId: partial.id, reference: proforma.reference });
    expect(unconfirmed.status).toBe(400);
    const matched = await client.post(`/backoffice/transfers?match=${partial.id}`, { intent: "match", transferId: partial.id, reference: formatReference(proforma.reference), confirm: "yes" });
    expect(matched.status).toBe(302);
    expect((await orderOf(org.orgId))[0].status).toBe("pending");
    expect(await paymentsOf(org.orgId)).toMatchObject([{ method: "iban", amount: TOTAL - 100, status: "succeeded" }]);
    expect(await invoicesOf(org.orgId)).toEqual([]);

    setClock(() => new Date(NOW.getTime() + 2 * HOUR));
    const confirmed = await client.post(`/backoffice/transfers?confirm=${order.id}`, { intent: "confirm", orderId: order.id, confirm: "yes" });
    expect(confirmed.status).toBe(302);
    expect((await orderOf(org.orgId))[0].status).toBe("paid");
    expect((await invoicesOf(org.orgId))[0]).toMatchObject({ total_amount: TOTAL, paid_by: [{ method: "iban", amount: TOTAL }] });
    expect((await transfersOf(order.id)).map((t) => [t.status, t.amount, t.source])).toEqual([
      ["matched", TOTAL - 100, "camt054"],
      ["matched", 100, "manual"],
    ]);
    expect(await staffAuditEntries({ action: "bank_transfer.matched_by_hand", actorStaffId: staff.staffId })).toHaveLength(1);
    expect(await staffAuditEntries({ action: "bank_transfer.held", actorStaffId: staff.staffId })).toHaveLength(3);
  });

  it("B-6: a billing agent confirms a transfer by hand (with the confirmation box); a support agent gets 403 and nothing changes", async () => {
    const org = await twoRenewals("Hand");
    const before = await renewalState(org.domain);
    const { order } = await payByIban(await signedIn(org.rep), org);

    const transfersBefore = await testDb().selectFrom("bank_transfers").select("id").execute();
    const support = await staffSignedIn(await createStaff("support_agent"));
    expect((await support.get("/backoffice")).html).not.toContain('href="/backoffice/transfers"');
    expect((await support.get("/backoffice/transfers")).status).toBe(403);
    expect((await support.post("/backoffice/transfers", { intent: "confirm", orderId: order.id, confirm: "yes" })).status).toBe(403);
    expect((await uploadCamt(support, camt054({ entryId: "E-SUP", credits: [{ id: "T", amount: TOTAL, reference: null }] }))).status).toBe(403);
    expect((await orderOf(org.orgId))[0].status).toBe("pending");
    expect(await testDb().selectFrom("bank_transfers").select("id").execute()).toEqual(transfersBefore);

    const { staff, client } = await billingAgent();
    expect((await client.get("/backoffice")).html).toContain('href="/backoffice/transfers"');
    const step = textOf((await client.get(`/backoffice/transfers?confirm=${order.id}`)).html);
    expect(step).toContain("I confirm the transfer has arrived in full");
    const unticked = await client.post(`/backoffice/transfers?confirm=${order.id}`, { intent: "confirm", orderId: order.id });
    expect(unticked.status).toBe(400);
    expect((await orderOf(org.orgId))[0].status).toBe("pending");

    const done = await client.post(`/backoffice/transfers?confirm=${order.id}`, { intent: "confirm", orderId: order.id, confirm: "yes" });
    expect(done.status).toBe(302);
    expect((await orderOf(org.orgId))[0].status).toBe("paid");
    expect(await invoicesOf(org.orgId)).toHaveLength(1);
    expect((await renewalState(org.domain)).expires_at).toEqual(YEAR_LATER(before.expires_at!));
    expect(await transfersOf(order.id)).toMatchObject([{ status: "matched", source: "manual", amount: TOTAL }]);
    expect(await staffAuditEntries({ action: "bank_transfer.confirmed_by_hand", actorStaffId: staff.staffId })).toHaveLength(1);

    const twice = await client.post(`/backoffice/transfers?confirm=${order.id}`, { intent: "confirm", orderId: order.id, confirm: "yes" });
    expect(twice.status).toBe(409);
    expect(await invoicesOf(org.orgId)).toHaveLength(1);

    // The bank's notice of the same money arrives afterwards: kept, held for review, nothing paid twice.
    const proforma = await testDb().selectFrom("proformas").selectAll().where("order_id", "=", order.id).executeTakeFirstOrThrow();
    setClock(() => new Date(NOW.getTime() + HOUR));
    const late = await uploadCamt(client, camt054({ entryId: "LATE-1", credits: [{ id: "L1", amount: TOTAL, reference: proforma.reference }] }));
    expect(late.location).toContain("held=1");
    expect(await transfersOf(order.id)).toMatchObject([
      { status: "matched", source: "manual" },
      { status: "held", hold_reason: "order_not_pending", source: "camt054", amount: TOTAL },
    ]);
    expect(await paymentsOf(org.orgId)).toHaveLength(1);
    expect(await invoicesOf(org.orgId)).toHaveLength(1);
  });

  it("B-10: a top-up by IBAN gets a proforma, credits nothing until the transfer arrives, and credits the prepaid account on match", async () => {
    const org = await orgWithStaff("Topup");
    const client = await signedIn(org.rep);
    const started = await client.post(`/orgs/${org.orgId}/billing/prepaid`, { amount: "50.00", method: "iban" });
    expect(started.status).toBe(302);
    const [order] = await orderOf(org.orgId);
    expect(order).toMatchObject({ kind: "topup", status: "pending", total_amount: 5000 });
    expect(started.location).toBe(`/orgs/${org.orgId}/billing/orders?scope=all&proforma=${order.id}`);
    const proforma = await testDb().selectFrom("proformas").selectAll().where("order_id", "=", order.id).executeTakeFirstOrThrow();
    expect(await prepaidBalance(org.orgId)).toBeNull();

    const { client: agent } = await billingAgent();
    const wrong = await uploadCamt(agent, camt054({ entryId: "TOP-1", credits: [{ id: "T1", amount: 4999, reference: proforma.reference }] }));
    expect(wrong.location).toContain("held=1");
    expect(await prepaidBalance(org.orgId)).toBeNull();

    const right = await uploadCamt(agent, camt054({ entryId: "TOP-2", credits: [{ id: "T2", amount: 5000, reference: proforma.reference }] }));
    expect(right.location).toContain("matched=1");
    expect(await prepaidBalance(org.orgId)).toBe(5000);
    expect((await orderOf(org.orgId))[0].status).toBe("paid");
    expect(await auditEntries(org.orgId, "prepaid.topped_up")).toHaveLength(1);
  });

  it("B-6: a file that is not a camt.054 notification is refused and records nothing", async () => {
    const { client } = await billingAgent();
    const before = await testDb().selectFrom("bank_transfers").select("id").execute();
    const res = await uploadCamt(client, "<Document><Other/></Document>", "statement.xml");
    expect(res.status).toBe(400);
    expect(textOf(res.html)).toContain("This is not an ISO 20022 camt.054 notification file.");
    expect(await testDb().selectFrom("bank_transfers").select("id").execute()).toEqual(before);
  });
});
