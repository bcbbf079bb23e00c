import type { Currency, PaymentMethod } from "../../db/schema";
import { setJobSink } from "../../app/jobs.server";
import { createUser } from "./factories";
import { testDb } from "./setup";

// C-6 fixtures: a partner, its clients, and issued invoices written directly (as the owner).

let sequence = 100_000;
const nextNumber = () => {
  sequence += 1;
  return { year: 2090, sequence, number: `2090-${String(sequence).padStart(6, "0")}` };
};

export async function partnerWithRep(name = "Reseller Partner AG", status: "active" | "review" = "active") {
  const rep = await createUser({ name: `${name} Rep`, organizationName: name });
  await testDb().insertInto("program_memberships").values({ org_id: rep.orgId, program: "partner", status, since: new Date("2025-01-01T00:00:00Z") }).execute();
  return rep;
}

/** A client linked to the partner with full access, including billing unless `billing: false`. */
export async function linkedClient(partnerOrgId: string, name: string, opts: { state?: "active" | "requested" | "ended"; since?: string; payer?: "client" | "partner"; billing?: boolean } = {}) {
  const client = await createUser({ name: `${name} Rep`, organizationName: name });
  await testDb()
    .insertInto("partner_client_links")
    .values({
      org_id: partnerOrgId,
      client_org_id: client.orgId,
      state: opts.state ?? "active",
      access: "full",
      billing_access: opts.billing ?? true,
      payer: opts.payer ?? "client",
      since: new Date(opts.since ?? "2026-01-01T00:00:00Z"),
      ended_at: opts.state === "ended" ? new Date() : null,
      end_reason: opts.state === "ended" ? "client" : null,
      requested_at: opts.state === "requested" ? new Date() : null,
    })
    .execute();
  return client;
}

export interface LineSpec {
  description: string;
  unit: number;
  quantity?: number;
  discount?: number;
  from?: string;
  to?: string;
}

/** An issued invoice of `orgId` (with its paid order), VAT at `vatBp`, paid as `paidBy` (default: in full by card). */
export async function issuedInvoice(opts: {
  orgId: string;
  clientOrgId?: string;
  issuedAt: string;
  lines: LineSpec[];
  currency?: Currency;
  vatBp?: number;
  paidBy?: Array<{ method: PaymentMethod; amount: number }>;
}) {
  const db = testDb();
  const currency = opts.currency ?? "CHF";
  const vatBp = opts.vatBp ?? 810;
  const nets = opts.lines.map((l) => l.unit * (l.quantity ?? 1) - (l.discount ?? 0));
  const net = nets.reduce((a, b) => a + b, 0);
  const vat = Math.round((net * vatBp) / 10_000);
  const total = net + vat;
  const issuedAt = new Date(opts.issuedAt);
  const order = await db
    .insertInto("orders")
    .values({ org_id: opts.orgId, kind: "renewal", status: "paid", paid_at: issuedAt, currency, language: "en", net_amount: net, vat_rate_bp: vatBp, vat_amount: vat, total_amount: total })
    .returning("id")
    .executeTakeFirstOrThrow();
  const n = nextNumber();
  const invoice = await db
    .insertInto("invoices")
    .values({
      org_id: opts.orgId,
      client_org_id: opts.clientOrgId ?? null,
      order_id: order.id,
      ...n,
      issued_at: issuedAt,
      language: "en",
      currency,
      net_amount: net,
      vat_rate_bp: vatBp,
      vat_amount: vat,
      total_amount: total,
      bill_to: JSON.stringify({ name: "Bill To", street: null, postalCode: null, city: null, country: "CH", vatId: null }),
      paid_by: JSON.stringify(opts.paidBy ?? [{ method: "visa", amount: total }]),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (opts.lines.length > 0) {
    await db
      .insertInto("invoice_lines")
      .values(
        opts.lines.map((l, i) => ({
          org_id: opts.orgId,
          invoice_id: invoice.id,
          position: i + 1,
          description: l.description,
          period_from: l.from ? new Date(l.from) : null,
          period_to: l.to ? new Date(l.to) : null,
          unit_amount: l.unit,
          quantity: l.quantity ?? 1,
          discount_amount: l.discount ?? 0,
          net_amount: nets[i],
        })),
      )
      .execute();
  }
  return { id: invoice.id, number: n.number, net, vat, total, orgId: opts.orgId };
}

/** A credit note giving back `amount` (positive) of the invoice. */
export async function creditNote(invoice: { id: string; orgId: string }, amount: number) {
  const n = nextNumber();
  await testDb()
    .insertInto("credit_notes")
    .values({
      org_id: invoice.orgId,
      invoice_id: invoice.id,
      ...n,
      issued_at: new Date(),
      reason: "Correction",
      language: "en",
      currency: "CHF",
      net_amount: -amount,
      vat_rate_bp: 0,
      vat_amount: 0,
      total_amount: -amount,
      bill_to: JSON.stringify({ name: "Bill To", street: null, postalCode: null, city: null, country: "CH", vatId: null }),
    })
    .execute();
}

export async function cashback(partnerOrgId: string, clientOrgId: string, invoiceId: string, rateBp: number, amount: number) {
  await testDb()
    .insertInto("partner_cashback_lines")
    .values({ org_id: partnerOrgId, client_org_id: clientOrgId, invoice_id: invoiceId, month: "2026-02-01", rate_bp: rateBp, amount, currency: "CHF", created_at: new Date() })
    .execute();
}

/** Records what the app enqueues, with the job ids. */
export function recordJobs() {
  const jobs: Array<{ name: string; payload: unknown; jobId: string }> = [];
  setJobSink({
    add: async (name, payload, jobId) => void jobs.push({ name, payload, jobId }),
    addBulk: async (name, list) => void list.forEach((j) => jobs.push({ name, payload: j.payload, jobId: j.jobId })),
  });
  return jobs;
}
