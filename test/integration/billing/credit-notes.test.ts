import { beforeEach, describe, expect, it } from "vitest";
import { issueInvoice } from "../../../app/domain/billing/invoices.server";
import type { Tx } from "../../../app/domain/tx.server";
import { setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createStaff, signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { pdfText, prepaidBalance } from "../../support/payments";
import { testDb } from "../../support/setup";

const NOW = new Date("2027-03-01T09:00:00Z");

beforeEach(() => {
  setClock(() => NOW);
});

/** A paid order of two lines (10.00 and 20.00 net, 8.1 % VAT) and its issued invoice. */
async function paidInvoice(orgId: string) {
  const order = await testDb()
    .insertInto("orders")
    .values({ org_id: orgId, kind: "renewal", status: "paid", currency: "CHF", language: "de", net_amount: 3000, vat_rate_bp: 810, vat_amount: 243, total_amount: 3243, paid_at: NOW })
    .returning("id")
    .executeTakeFirstOrThrow();
  await testDb()
    .insertInto("order_lines")
    .values([
      { org_id: orgId, order_id: order.id, position: 1, product_type_code: "domain-ch", description: "Domain eins.ch", months: 12, unit_amount: 1000, net_amount: 1000 },
      { org_id: orgId, order_id: order.id, position: 2, product_type_code: "domain-ch", description: "Domain zwei.ch", months: 12, unit_amount: 2000, net_amount: 2000 },
    ])
    .execute();
  await testDb()
    .insertInto("payments")
    .values({ org_id: orgId, order_id: order.id, method: "visa", amount: 3243, currency: "CHF", status: "succeeded", idempotency_key: `cn-${order.id}`, gateway_reference: `pay_cn_${order.id}`, settled_at: NOW })
    .execute();
  const issued = await testDb().transaction().execute((trx) => issueInvoice(trx as unknown as Tx, order.id, new Map()));
  const invoice = await testDb().selectFrom("invoices").selectAll().where("id", "=", issued.id).executeTakeFirstOrThrow();
  const lines = await testDb().selectFrom("invoice_lines").selectAll().where("invoice_id", "=", issued.id).orderBy("position").execute();
  return { invoice, lines };
}

const creditNotesOf = (orgId: string) => testDb().selectFrom("credit_notes").selectAll().where("org_id", "=", orgId).orderBy("sequence").execute();

describe("credit notes", () => {
  it("B-11/B-9: a billing agent corrects an invoice with a credit note; the invoice itself never changes; the note is numbered in the invoices' sequence, credited to the prepaid balance, audited and downloadable in the organization's language", async () => {
    const org = await orgWithStaff("Gutschrift");
    const { invoice, lines } = await paidInvoice(org.orgId);
    const agent = await staffSignedIn(await createStaff("billing_agent"));

    const found = await agent.get(`/backoffice/credit-notes?invoice=${invoice.number}`);
    expect(found.status).toBe(200);
    expect(textOf(found.html)).toContain(`Invoice ${invoice.number} of Gutschrift AG`);
    expect(textOf((await agent.get("/backoffice/credit-notes?invoice=1999-000001")).html)).toContain("No invoice has this number.");

    const issued = await agent.post("/backoffice/credit-notes", { invoiceId: invoice.id, lineIds: [lines[1].id], reason: "Doppelt verrechnet", confirm: "yes" });
    expect(issued.status).toBe(302);
    const [note] = await creditNotesOf(org.orgId);
    // 20.00 net, VAT 8.1 % = 1.62: -21.62, the next number of the invoices' yearly sequence.
    expect(note).toMatchObject({ invoice_id: invoice.id, year: 2027, sequence: invoice.sequence + 1, net_amount: -2000, vat_amount: -162, total_amount: -2162, reason: "Doppelt verrechnet", language: "de" });
    expect(note.number).toBe(`2027-${String(invoice.sequence + 1).padStart(6, "0")}`);
    expect(textOf((await agent.follow(issued)).html)).toContain(`Credit note ${note.number} was issued.`);
    expect(await testDb().selectFrom("invoices").selectAll().where("id", "=", invoice.id).executeTakeFirstOrThrow()).toEqual(invoice);
    expect(await prepaidBalance(org.orgId)).toBe(2162);
    expect(await testDb().selectFrom("prepaid_entries").select(["kind", "amount", "credit_note_id"]).where("org_id", "=", org.orgId).execute()).toEqual([
      { kind: "credit_note", amount: 2162, credit_note_id: note.id },
    ]);
    expect(await auditEntries(org.orgId, "invoice.credit_note_issued")).toHaveLength(1);
    // Immutable like invoices.
    await expect(testDb().updateTable("credit_notes").set({ reason: "x" }).where("id", "=", note.id).execute()).rejects.toThrow(/cannot be changed/);
    await expect(testDb().deleteFrom("credit_note_lines").where("credit_note_id", "=", note.id).execute()).rejects.toThrow(/cannot be changed/);

    // Listed on the organization's invoices page, downloadable as a PDF in German.
    const client = await signedIn(org.rep);
    const list = await client.get(`/orgs/${org.orgId}/billing/invoices`);
    expect(list.html).toContain(`/orgs/${org.orgId}/billing/credit-notes/${note.id}.pdf`);
    expect(textOf(list.html)).toContain(`Credit note for ${invoice.number}`);
    const prepaid = textOf((await client.get(`/orgs/${org.orgId}/billing/prepaid`)).html);
    expect(prepaid).toContain("Credit note");
    expect(prepaid).toContain("21.62");
    const pdf = await client.download(`/orgs/${org.orgId}/billing/credit-notes/${note.id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    const text = pdfText(pdf.body);
    expect(text).toContain(`Gutschrift ${note.number}`);
    expect(text).toContain(`Korrigiert Rechnung ${invoice.number}`);
    expect(text).toContain("Domain zwei.ch");
    expect(text).not.toContain("Domain eins.ch");
    const other = await orgWithStaff("Fremd");
    expect((await (await signedIn(other.rep)).get(`/orgs/${org.orgId}/billing/credit-notes/${note.id}.pdf`)).status).toBe(404);
    expect((await (await signedIn(org.restricted)).get(`/orgs/${org.orgId}/billing/credit-notes/${note.id}.pdf`)).status).toBe(403);
  });

  it("B-9: a credit note never exceeds what is left: a credited line cannot be credited again, even by two racing credit notes, and the last one takes exactly the VAT left", async () => {
    const org = await orgWithStaff("Rest");
    const { invoice, lines } = await paidInvoice(org.orgId);
    const agent = await staffSignedIn(await createStaff("billing_agent"));
    const admin = await staffSignedIn(await createStaff("administrator"));

    const racing = await Promise.all([
      agent.post("/backoffice/credit-notes", { invoiceId: invoice.id, lineIds: [lines[0].id], reason: "A", confirm: "yes" }),
      admin.post("/backoffice/credit-notes", { invoiceId: invoice.id, lineIds: [lines[0].id], reason: "B", confirm: "yes" }),
    ]);
    expect(racing.map((r) => r.status).sort()).toEqual([302, 409]);
    expect(await creditNotesOf(org.orgId)).toHaveLength(1);

    const again = await agent.post("/backoffice/credit-notes", { invoiceId: invoice.id, lineIds: [lines[0].id, lines[1].id], reason: "C", confirm: "yes" });
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain("A chosen line has already been credited.");

    const rest = await agent.post("/backoffice/credit-notes", { invoiceId: invoice.id, lineIds: [lines[1].id], reason: "Rest", confirm: "yes" });
    expect(rest.status).toBe(302);
    const notes = await creditNotesOf(org.orgId);
    expect(notes.reduce((s, n) => s + n.total_amount, 0)).toBe(-invoice.total_amount);
    expect(notes.reduce((s, n) => s + n.vat_amount, 0)).toBe(-invoice.vat_amount);
    expect(await prepaidBalance(org.orgId)).toBe(invoice.total_amount);
    expect(textOf((await agent.get(`/backoffice/credit-notes?invoice=${invoice.number}`)).html)).toContain("Every line of this invoice has been credited.");
  });

  it("B-9: a support agent may not issue credit notes (403, nothing changed); the confirmation is required", async () => {
    const org = await orgWithStaff("Support");
    const { invoice, lines } = await paidInvoice(org.orgId);
    const support = await staffSignedIn(await createStaff("support_agent"));
    expect((await support.get(`/backoffice/credit-notes?invoice=${invoice.number}`)).status).toBe(403);
    expect((await support.post("/backoffice/credit-notes", { invoiceId: invoice.id, lineIds: [lines[0].id], reason: "x", confirm: "yes" })).status).toBe(403);
    expect(await creditNotesOf(org.orgId)).toEqual([]);
    expect(await prepaidBalance(org.orgId)).toBeNull();

    const agent = await staffSignedIn(await createStaff("billing_agent"));
    const unconfirmed = await agent.post(`/backoffice/credit-notes?invoice=${invoice.number}`, { invoiceId: invoice.id, lineIds: [lines[0].id], reason: "x" });
    expect(unconfirmed.status).toBe(400);
    expect(textOf(unconfirmed.html)).toContain("Please confirm.");
    const noLines = await agent.post(`/backoffice/credit-notes?invoice=${invoice.number}`, { invoiceId: invoice.id, reason: "x", confirm: "yes" });
    expect(noLines.status).toBe(400);
    expect(textOf(noLines.html)).toContain("Choose at least one line to credit.");
    expect(await creditNotesOf(org.orgId)).toEqual([]);
  });
});
