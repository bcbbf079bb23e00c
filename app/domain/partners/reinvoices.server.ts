import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { InvoiceLanguage, PartnerReinvoiceParty } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import { isAdminOf, membershipOf } from "../../auth/actor";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import type { Currency } from "../billing/money";
import { renewalAmount } from "../billing/renewal-rules";
import { Conflict, Forbidden, Invalid, NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import { withActor, type Handle, type Tx } from "../tx.server";

// C-5/P-9: when the partner pays a client's invoices, it re-invoices the client with its own
// document: its numbering (per partner and year, gap-free), its prices, its name as issuer.
// The document is the partner's (org_id = partner): the client never sees it in the portal.

export const REINVOICES_PAGE_SIZE = 20;
export const MAX_REINVOICE_LINES = 100;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "12.50" (major units, at most two decimals) → 1250 minor units, without floating point. */
export function minorUnits(text: string): number | null {
  const m = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** "8.1" (percent, at most two decimals, 0–100) → 810 basis points. */
export function basisPoints(text: string): number | null {
  const m = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const bp = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return bp <= 10_000 ? bp : null;
}

/** VAT on a net amount, rounded half up to the minor unit (BigInt: no precision loss). */
export function vatOf(net: number, rateBp: number): number {
  return Number((BigInt(net) * BigInt(rateBp) + 5_000n) / 10_000n);
}

const optionalDate = z
  .string()
  .trim()
  .refine((v) => v === "" || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))), "reinvoices.errors.date");

/** The form: parallel arrays, one entry per line, so field messages name the line (`unit.2`). */
export const reinvoiceSchema = z
  .object({
    invoiceId: z.string().trim().optional(),
    vatRate: z.string().refine((v) => basisPoints(v) !== null, "reinvoices.errors.vatRate"),
    description: z.array(z.string().trim().min(1, "reinvoices.errors.description").max(200, "reinvoices.errors.description")).min(1, "reinvoices.errors.noLines").max(MAX_REINVOICE_LINES, "reinvoices.errors.tooManyLines"),
    quantity: z.array(z.string().trim().regex(/^\d{1,5}$/, "reinvoices.errors.quantity").refine((v) => Number(v) >= 1 && Number(v) <= 10_000, "reinvoices.errors.quantity")),
    unit: z.array(z.string().refine((v) => minorUnits(v) !== null, "reinvoices.errors.unit")),
    periodFrom: z.array(optionalDate).optional(),
    periodTo: z.array(optionalDate).optional(),
  })
  .superRefine((v, ctx) => {
    const n = v.description.length;
    if (v.quantity.length !== n || v.unit.length !== n || (v.periodFrom ?? []).length > n || (v.periodTo ?? []).length > n) {
      ctx.addIssue({ code: "custom", path: ["_form"], message: "reinvoices.errors.noLines" });
      return;
    }
    for (let i = 0; i < n; i++) {
      const from = v.periodFrom?.[i] ?? "";
      const to = v.periodTo?.[i] ?? "";
      if (from && to && from > to) ctx.addIssue({ code: "custom", path: ["periodTo", i], message: "reinvoices.errors.period" });
    }
  });

export type ReinvoiceForm = z.infer<typeof reinvoiceSchema>;

export interface DraftLine {
  description: string;
  periodFrom: string;
  periodTo: string;
  quantity: number;
  /** The suggested unit price in minor units (the provider's, for the partner to replace by its own). */
  unitAmount: number;
}

/**
 * The partner's link to a client it pays for, for issuing or preparing a re-invoice: only the
 * partner's legal representative or administrators (403 for other members, 404 for
 * non-members), only while the partner pays (payer = partner, full access; 409 otherwise).
 */
async function payingLinkForReinvoice(trx: Tx, acting: ProductActing, partnerOrgId: string, clientOrgId: string) {
  if (!membershipOf(acting.actor, partnerOrgId)) throw new NotFound();
  if (!isAdminOf(acting.actor, partnerOrgId)) throw new Forbidden();
  assertCan(acting.ability, "manage", "Billing", { orgId: partnerOrgId });
  if (!uuid.test(clientOrgId)) throw new NotFound();
  const link = await trx
    .selectFrom("partner_client_links as l")
    .innerJoin("organizations as c", "c.id", "l.client_org_id")
    .select(["l.id", "l.payer", "l.access", "c.name as client_name"])
    .where("l.org_id", "=", partnerOrgId)
    .where("l.client_org_id", "=", clientOrgId)
    .where("l.state", "=", "active")
    .executeTakeFirst();
  if (!link) throw new NotFound();
  if (link.payer !== "partner" || link.access !== "full") throw new Conflict("client_pays", "reinvoices.errors.clientPays");
  return link;
}

/** A partner-paid invoice of this partner for this client (else NotFound). */
async function providerInvoice(trx: Tx, partnerOrgId: string, clientOrgId: string, invoiceId: string) {
  if (!uuid.test(invoiceId)) throw new NotFound();
  const inv = await trx
    .selectFrom("invoices")
    .select(["id", "number", "currency", "vat_rate_bp", "language"])
    .where("org_id", "=", partnerOrgId)
    .where("client_org_id", "=", clientOrgId)
    .where("id", "=", invoiceId)
    .executeTakeFirst();
  if (!inv) throw new NotFound();
  return inv;
}

const isoDay = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

/**
 * C-5: the lines a new re-invoice starts from: the provider invoice's lines (description,
 * period, quantity; its unit price as a suggestion) and its VAT rate, or, without an invoice,
 * the picked products of the client at the catalog price, or one blank line; then with the VAT
 * rate of the partner's last invoice (the Swiss standard rate when it has none).
 */
export async function reinvoiceDraft(db: Handle, acting: ProductActing, partnerOrgId: string, clientOrgId: string, from: { invoiceId?: string; productIds?: string[] }) {
  return withActor(db, acting.actor, async (trx) => {
    const link = await payingLinkForReinvoice(trx, acting, partnerOrgId, clientOrgId);
    const partner = await trx.selectFrom("organizations").select(["currency"]).where("id", "=", partnerOrgId).executeTakeFirstOrThrow();
    if (from.invoiceId) {
      const inv = await providerInvoice(trx, partnerOrgId, clientOrgId, from.invoiceId);
      const lines = await trx.selectFrom("invoice_lines").selectAll().where("invoice_id", "=", inv.id).where("org_id", "=", partnerOrgId).orderBy("position").execute();
      return {
        source: "invoice" as const,
        clientName: link.client_name,
        currency: inv.currency as Currency,
        invoiceId: inv.id,
        invoiceNumber: inv.number as string | null,
        vatRateBp: inv.vat_rate_bp,
        lines: lines.map<DraftLine>((l) => ({ description: l.description, periodFrom: isoDay(l.period_from), periodTo: isoDay(l.period_to), quantity: l.quantity, unitAmount: l.unit_amount })),
      };
    }
    const ids = [...new Set(from.productIds ?? [])];
    if (ids.length > MAX_REINVOICE_LINES) throw new Invalid({ ids: "reinvoices.errors.tooManyLines" });
    if (!ids.every((id) => uuid.test(id))) throw new NotFound();
    const currency = partner.currency as Currency;
    const last = await trx.selectFrom("invoices").select("vat_rate_bp").where("org_id", "=", partnerOrgId).orderBy("issued_at", "desc").limit(1).executeTakeFirst();
    const vatRateBp = last?.vat_rate_bp ?? 810;
    // Neither an invoice nor products: one blank line to fill in.
    if (ids.length === 0) {
      return { source: "blank" as const, clientName: link.client_name, currency, invoiceId: null as string | null, invoiceNumber: null as string | null, vatRateBp, lines: [{ description: "", periodFrom: "", periodTo: "", quantity: 1, unitAmount: 0 }] };
    }
    const products = await trx
      .selectFrom("products as p")
      .innerJoin("product_types as t", "t.code", "p.product_type_code")
      .select(["p.id", "p.name", "p.expires_at", "t.name as type_name", "t.billing_period", "t.price_chf", "t.price_eur", sql<number>`coalesce(p.renewal_months, t.renewal_months[1])`.as("months")])
      .where("p.org_id", "=", clientOrgId)
      .where("p.id", "in", ids)
      .orderBy("p.name")
      .execute();
    if (products.length !== ids.length) throw new NotFound();
    return {
      source: "products" as const,
      clientName: link.client_name,
      currency,
      invoiceId: null as string | null,
      invoiceNumber: null as string | null,
      vatRateBp,
      lines: products.map<DraftLine>((p) => {
        const to = p.expires_at ? new Date(p.expires_at.getTime()) : null;
        to?.setUTCMonth(to.getUTCMonth() + p.months);
        return {
          description: `${p.type_name}: ${p.name}`,
          periodFrom: isoDay(p.expires_at),
          periodTo: isoDay(to),
          quantity: 1,
          unitAmount: renewalAmount(currency === "CHF" ? p.price_chf : p.price_eur, currency, p.billing_period, p.months).amount,
        };
      }),
    };
  });
}

/** The next re-invoice number of the partner for the year: the counter row stays locked until commit. */
async function nextReinvoiceNumber(trx: Tx, partnerOrgId: string, year: number): Promise<{ sequence: number; number: string }> {
  const { rows } = await sql<{ last_sequence: number }>`
    insert into partner_reinvoice_counters (org_id, year, last_sequence) values (${partnerOrgId}, ${year}, 1)
    on conflict (org_id, year) do update set last_sequence = partner_reinvoice_counters.last_sequence + 1
    returning last_sequence`.execute(trx);
  const sequence = Number(rows[0].last_sequence);
  return { sequence, number: `RE-${year}-${String(sequence).padStart(4, "0")}` };
}

function partyOf(o: { name: string; street: string | null; postal_code: string | null; city: string | null; country: string; vat_id: string | null }): PartnerReinvoiceParty {
  return { name: o.name, street: o.street, postalCode: o.postal_code, city: o.city, country: o.country, vatId: o.vat_id };
}

/**
 * C-5: the partner issues its own invoice to the client it pays for. Numbered per partner and
 * year without gaps (the counter row is locked in this transaction), issued once and immutable
 * afterwards (the database refuses changes), audited in the same transaction.
 */
export async function issueReinvoice(db: Handle, acting: ProductActing, partnerOrgId: string, clientOrgId: string, input: ReinvoiceForm, language: InvoiceLanguage): Promise<{ id: string; number: string }> {
  const vatRateBp = basisPoints(input.vatRate)!;
  const lines = input.description.map((description, i) => {
    const quantity = Number(input.quantity[i]);
    const unitAmount = minorUnits(input.unit[i])!;
    const from = input.periodFrom?.[i] ?? "";
    const to = input.periodTo?.[i] ?? "";
    return { description, quantity, unitAmount, netAmount: quantity * unitAmount, periodFrom: from ? new Date(`${from}T00:00:00Z`) : null, periodTo: to ? new Date(`${to}T00:00:00Z`) : null };
  });
  return withActor(db, acting.actor, async (trx) => {
    await payingLinkForReinvoice(trx, acting, partnerOrgId, clientOrgId);
    const orgs = await trx
      .selectFrom("organizations")
      .select(["id", "name", "street", "postal_code", "city", "country", "vat_id", "currency"])
      .where("id", "in", [partnerOrgId, clientOrgId])
      .execute();
    const partner = orgs.find((o) => o.id === partnerOrgId)!;
    const client = orgs.find((o) => o.id === clientOrgId)!;
    const invoice = input.invoiceId ? await providerInvoice(trx, partnerOrgId, clientOrgId, input.invoiceId) : null;
    const currency = (invoice?.currency ?? partner.currency) as Currency;
    const net = lines.reduce((s, l) => s + l.netAmount, 0);
    const vat = vatOf(net, vatRateBp);
    const issuedAt = now();
    const year = issuedAt.getUTCFullYear();
    const { sequence, number } = await nextReinvoiceNumber(trx, partnerOrgId, year);
    const row = await trx
      .insertInto("partner_reinvoices")
      .values({
        org_id: partnerOrgId,
        client_org_id: clientOrgId,
        invoice_id: invoice?.id ?? null,
        number,
        year,
        sequence,
        issued_at: issuedAt,
        issued_by: acting.actor.userId,
        language,
        currency,
        net_amount: net,
        vat_rate_bp: vatRateBp,
        vat_amount: vat,
        total_amount: net + vat,
        issuer: JSON.stringify(partyOf(partner)),
        bill_to: JSON.stringify(partyOf(client)),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("partner_reinvoice_lines")
      .values(
        lines.map((l, i) => ({
          org_id: partnerOrgId,
          reinvoice_id: row.id,
          position: i + 1,
          description: l.description,
          period_from: l.periodFrom,
          period_to: l.periodTo,
          quantity: l.quantity,
          unit_amount: l.unitAmount,
          net_amount: l.netAmount,
        })),
      )
      .execute();
    await audit(trx, acting.actor, {
      orgId: partnerOrgId,
      action: "partner.reinvoice_issued",
      targetType: "partner_reinvoice",
      targetId: row.id,
      data: { number, clientOrgId, invoiceId: invoice?.id ?? null, currency, total: net + vat },
    });
    return { id: row.id, number };
  });
}

/**
 * C-5: the partner's re-invoices to one client and the partner-paid provider invoices they can
 * start from, newest first, a page of each. Readers of the partner's billing only.
 */
export async function clientReinvoicing(db: Handle, acting: ProductActing, partnerOrgId: string, clientOrgId: string, opts: { reinvoicePage?: number; invoicePage?: number } = {}) {
  if (!membershipOf(acting.actor, partnerOrgId)) throw new NotFound();
  assertCan(acting.ability, "read", "Billing", { orgId: partnerOrgId });
  if (!uuid.test(clientOrgId)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const pageOf = (requested: number | undefined, total: number) => {
      const pages = Math.max(1, Math.ceil(total / REINVOICES_PAGE_SIZE));
      return { pages, page: Math.min(pages, Math.max(1, Math.floor(Number.isFinite(requested) ? requested! : 1))) };
    };
    const reinvoiceTotal = toCount(
      (await trx.selectFrom("partner_reinvoices").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", partnerOrgId).where("client_org_id", "=", clientOrgId).executeTakeFirstOrThrow()).n,
    );
    const r = pageOf(opts.reinvoicePage, reinvoiceTotal);
    const reinvoices = await trx
      .selectFrom("partner_reinvoices")
      .select(["id", "number", "issued_at", "currency", "total_amount"])
      .where("org_id", "=", partnerOrgId)
      .where("client_org_id", "=", clientOrgId)
      .orderBy("year", "desc")
      .orderBy("sequence", "desc")
      .limit(REINVOICES_PAGE_SIZE)
      .offset((r.page - 1) * REINVOICES_PAGE_SIZE)
      .execute();
    const invoiceTotal = toCount(
      (await trx.selectFrom("invoices").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", partnerOrgId).where("client_org_id", "=", clientOrgId).executeTakeFirstOrThrow()).n,
    );
    const i = pageOf(opts.invoicePage, invoiceTotal);
    const invoices = await trx
      .selectFrom("invoices")
      .select(["id", "number", "issued_at", "currency", "total_amount"])
      .where("org_id", "=", partnerOrgId)
      .where("client_org_id", "=", clientOrgId)
      .orderBy("issued_at", "desc")
      .orderBy("sequence", "desc")
      .limit(REINVOICES_PAGE_SIZE)
      .offset((i.page - 1) * REINVOICES_PAGE_SIZE)
      .execute();
    const iso = (x: { id: string; number: string; issued_at: Date; currency: string; total_amount: number }) => ({ id: x.id, number: x.number, issuedAt: x.issued_at.toISOString(), currency: x.currency as Currency, total: x.total_amount });
    return {
      reinvoices: { rows: reinvoices.map(iso), page: r.page, pages: r.pages, total: reinvoiceTotal },
      invoices: { rows: invoices.map(iso), page: i.page, pages: i.pages, total: invoiceTotal },
    };
  });
}

export interface ReinvoiceDocument {
  number: string;
  issuedAt: Date;
  language: InvoiceLanguage;
  currency: Currency;
  netAmount: number;
  vatRateBp: number;
  vatAmount: number;
  totalAmount: number;
  issuer: PartnerReinvoiceParty;
  billTo: PartnerReinvoiceParty;
  lines: Array<{ description: string; periodFrom: Date | null; periodTo: Date | null; quantity: number; unitAmount: number; netAmount: number }>;
}

/** C-5: everything the PDF of one re-invoice shows; another organization's is NotFound. */
export async function reinvoiceDocument(db: Handle, acting: ProductActing, partnerOrgId: string, reinvoiceId: string): Promise<ReinvoiceDocument> {
  if (!membershipOf(acting.actor, partnerOrgId)) throw new NotFound();
  assertCan(acting.ability, "read", "Billing", { orgId: partnerOrgId });
  if (!uuid.test(reinvoiceId)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const r = await trx.selectFrom("partner_reinvoices").selectAll().where("org_id", "=", partnerOrgId).where("id", "=", reinvoiceId).executeTakeFirst();
    if (!r) throw new NotFound();
    const lines = await trx.selectFrom("partner_reinvoice_lines").selectAll().where("org_id", "=", partnerOrgId).where("reinvoice_id", "=", r.id).orderBy("position").execute();
    return {
      number: r.number,
      issuedAt: r.issued_at,
      language: r.language,
      currency: r.currency,
      netAmount: r.net_amount,
      vatRateBp: r.vat_rate_bp,
      vatAmount: r.vat_amount,
      totalAmount: r.total_amount,
      issuer: r.issuer,
      billTo: r.bill_to,
      lines: lines.map((l) => ({ description: l.description, periodFrom: l.period_from, periodTo: l.period_to, quantity: l.quantity, unitAmount: l.unit_amount, netAmount: l.net_amount })),
    };
  });
}
