import { sql } from "kysely";
import type { BillTo, InvoiceLanguage, PaymentMethod } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import { toCount } from "../../../db/client";
import { now } from "../../lib/clock";
import { NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import type { Handle, Tx } from "../tx.server";
import { money, percentage, type Currency } from "./money";

export const INVOICES_PAGE_SIZE = 50;

export interface VatTerms {
  rateBp: number;
  reverseCharge: boolean;
}

/**
 * The VAT an organization pays, from the rate table: Swiss and Liechtenstein organizations
 * the Swiss rate; EU businesses with a VAT id reverse charge (0 %, noted on the invoice);
 * everyone else 0 %.
 */
export async function vatTermsFor(trx: Handle, org: { country: string; vat_id: string | null }, at: Date): Promise<VatTerms> {
  const row = await trx
    .selectFrom("vat_rates")
    .select(["rate_bp", "reverse_charge_with_vat_id"])
    .where("country", "=", org.country.toUpperCase())
    .where("valid_from", "<=", at)
    .orderBy("valid_from", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return { rateBp: 0, reverseCharge: false };
  if (row.reverse_charge_with_vat_id) return { rateBp: 0, reverseCharge: !!org.vat_id };
  return { rateBp: row.rate_bp, reverseCharge: false };
}

export function vatAmount(net: number, currency: Currency, rateBp: number): number {
  return percentage(money(net, currency), rateBp / 100).amount;
}

/**
 * The next invoice number of the year, taken in the issuing transaction: no gaps, no
 * duplicates. Credit notes draw from the same counter (one sequence for both documents).
 */
export async function nextInvoiceNumber(trx: Tx, year: number): Promise<{ sequence: number; number: string }> {
  const { rows } = await sql<{ last_number: number }>`
    insert into invoice_counters (year, last_number) values (${year}, 1)
    on conflict (year) do update set last_number = invoice_counters.last_number + 1
    returning last_number`.execute(trx);
  const sequence = Number(rows[0].last_number);
  return { sequence, number: `${year}-${String(sequence).padStart(6, "0")}` };
}

export interface InvoicePeriod {
  from: Date;
  to: Date;
}

/** B-11/B-12: issues the invoice of a paid order (one invoice for all its lines), numbered. */
export async function issueInvoice(trx: Tx, orderId: string, periods: Map<string, InvoicePeriod>): Promise<{ id: string; number: string }> {
  const order = await trx.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirstOrThrow();
  const org = await trx
    .selectFrom("organizations")
    .select(["name", "street", "postal_code", "city", "country", "vat_id"])
    .where("id", "=", order.org_id)
    .executeTakeFirstOrThrow();
  const lines = await trx.selectFrom("order_lines").selectAll().where("order_id", "=", orderId).orderBy("position").execute();
  const paid = await trx
    .selectFrom("payments")
    .select(["method", (eb) => eb.fn.sum<number>("amount").as("amount")])
    .where("order_id", "=", orderId)
    .where("status", "=", "succeeded")
    .groupBy("method")
    .orderBy("method")
    .execute();
  const issuedAt = now();
  const { sequence, number } = await nextInvoiceNumber(trx, issuedAt.getUTCFullYear());
  const billTo: BillTo = { name: org.name, street: org.street, postalCode: org.postal_code, city: org.city, country: org.country, vatId: org.vat_id };
  const invoice = await trx
    .insertInto("invoices")
    .values({
      org_id: order.org_id,
      order_id: order.id,
      number,
      year: issuedAt.getUTCFullYear(),
      sequence,
      issued_at: issuedAt,
      language: order.language,
      currency: order.currency,
      net_amount: order.net_amount,
      vat_rate_bp: order.vat_rate_bp,
      vat_amount: order.vat_amount,
      total_amount: order.total_amount,
      reverse_charge: order.reverse_charge,
      bill_to: JSON.stringify(billTo),
      client_org_id: order.client_org_id,
      paid_by: JSON.stringify(paid.map((p) => ({ method: p.method, amount: Number(p.amount) }))),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (lines.length > 0) {
    await trx
      .insertInto("invoice_lines")
      .values(
        lines.map((l) => {
          const period = l.product_id ? periods.get(l.product_id) : undefined;
          return {
            org_id: order.org_id,
            invoice_id: invoice.id,
            position: l.position,
            description: l.description,
            period_from: period?.from ?? null,
            period_to: period?.to ?? null,
            unit_amount: l.unit_amount,
            quantity: l.quantity,
            discount_amount: l.discount_amount,
            net_amount: l.net_amount,
          };
        }),
      )
      .execute();
  }
  return { id: invoice.id, number };
}

/** B-11: the organization's invoices and credit notes (one list), newest first, paged. */
export async function listInvoices(db: Handle, acting: ProductActing, orgId: string, opts: { page?: number; perPage?: number } = {}) {
  const size = opts.perPage ?? INVOICES_PAGE_SIZE;
  assertCan(acting.ability, "read", "Billing", { orgId });
  const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
  const count = async (table: "invoices" | "credit_notes") =>
    toCount((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n);
  const total = (await count("invoices")) + (await count("credit_notes"));
  const documents = db
    .selectFrom("invoices")
    .select(["id", "number", "issued_at", "sequence", "currency", "total_amount", sql<"invoice" | "credit_note">`'invoice'`.as("kind"), sql<string | null>`null::text`.as("invoice_number")])
    .where("org_id", "=", orgId)
    .unionAll(
      db
        .selectFrom("credit_notes as n")
        .innerJoin("invoices as i", "i.id", "n.invoice_id")
        .select(["n.id", "n.number", "n.issued_at", "n.sequence", "n.currency", "n.total_amount", sql<"invoice" | "credit_note">`'credit_note'`.as("kind"), "i.number as invoice_number"])
        .where("n.org_id", "=", orgId),
    );
  const invoices = await db
    .selectFrom(documents.as("d"))
    .selectAll()
    .orderBy("issued_at", "desc")
    .orderBy("sequence", "desc")
    .limit(size)
    .offset((page - 1) * size)
    .execute();
  return { page, pages: Math.max(1, Math.ceil(total / size)), total, invoices };
}

export interface InvoiceDocument {
  number: string;
  issuedAt: Date;
  language: InvoiceLanguage;
  currency: Currency;
  netAmount: number;
  vatRateBp: number;
  vatAmount: number;
  totalAmount: number;
  reverseCharge: boolean;
  billTo: BillTo;
  paidBy: Array<{ method: PaymentMethod; amount: number }>;
  lines: Array<{ description: string; periodFrom: Date | null; periodTo: Date | null; unitAmount: number; quantity: number; discountAmount: number; netAmount: number }>;
}

/** B-11: everything the PDF of one invoice shows; another organization's invoice is NotFound. */
export async function invoiceDocument(db: Handle, acting: ProductActing, orgId: string, invoiceId: string): Promise<InvoiceDocument> {
  assertCan(acting.ability, "read", "Billing", { orgId });
  if (!/^[0-9a-f-]{36}$/i.test(invoiceId)) throw new NotFound();
  const inv = await db.selectFrom("invoices").selectAll().where("org_id", "=", orgId).where("id", "=", invoiceId).executeTakeFirst();
  if (!inv) throw new NotFound();
  const lines = await db.selectFrom("invoice_lines").selectAll().where("invoice_id", "=", inv.id).orderBy("position").execute();
  return {
    number: inv.number,
    issuedAt: inv.issued_at,
    language: inv.language,
    currency: inv.currency,
    netAmount: inv.net_amount,
    vatRateBp: inv.vat_rate_bp,
    vatAmount: inv.vat_amount,
    totalAmount: inv.total_amount,
    reverseCharge: inv.reverse_charge,
    billTo: inv.bill_to,
    paidBy: inv.paid_by,
    lines: lines.map((l) => ({
      description: l.description,
      periodFrom: l.period_from,
      periodTo: l.period_to,
      unitAmount: l.unit_amount,
      quantity: l.quantity,
      discountAmount: l.discount_amount,
      netAmount: l.net_amount,
    })),
  };
}
