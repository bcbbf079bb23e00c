import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Actor } from "../../auth/actor";
import { assertCan } from "../../auth/ability";
import { productReach } from "../../auth/actor";
import { toCount } from "../../../db/client";
import type { OrderKind, PaymentMethod } from "../../../db/schema";
import type { UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { GatewayMethod } from "../payments/gateway";
import { paymentGateway } from "../payments/sandbox-gateway.server";
import type { ProductActing } from "../products/queries.server";
import { actAlsoFor, withActor, type Handle, type Tx } from "../tx.server";
import { startBankTransfer } from "./bank-transfers.server";
import { issueInvoice, vatAmount, vatTermsFor, type InvoicePeriod } from "./invoices.server";
import type { Currency } from "./money";
import { createOrderedProducts } from "./ordering.server";
import { screenOrder } from "../security/order-screening.server";
import { methodAllowedFor, topUpAmountAllowed, type PayMethod, type TopUpMethod } from "./payment-rules";
import { AUTO_RENEW_METHODS, monthsPerPeriod, renewalAmount } from "./renewal-rules";

export const ORDERS_PAGE_SIZE = 50;
export const PREPAID_ENTRIES_PAGE_SIZE = 50;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PaymentStart {
  orderId: string;
  /** The gateway's hosted page, or null when the prepaid account paid everything. */
  redirectUrl: string | null;
}

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

async function billingOrg(trx: Handle, acting: ProductActing, orgId: string) {
  // Members, and partner users with billing access (C-3).
  if (!productReach(acting.actor, orgId)) throw new NotFound();
  assertCan(acting.ability, "manage", "Billing", { orgId });
  const org = await trx.selectFrom("organizations").select(["id", "currency", "country", "vat_id"]).where("id", "=", orgId).executeTakeFirst();
  if (!org) throw new NotFound();
  return org;
}

function assertMethod(method: PayMethod, currency: Currency) {
  if (!methodAllowedFor(method, currency)) throw new Conflict("postfinance_chf_only", "billing.errors.postfinanceChfOnly");
}

export async function ensurePrepaidAccount(trx: Tx, orgId: string, currency: Currency) {
  await trx.insertInto("prepaid_accounts").values({ org_id: orgId, currency, balance: 0, updated_at: now() }).onConflict((oc) => oc.column("org_id").doNothing()).execute();
}

/** Moves money in or out of the prepaid account and writes its ledger entry (the balance CHECK refuses going below zero). */
export async function prepaidEntry(trx: Tx, orgId: string, entry: { kind: "topup" | "payment" | "refund"; amount: number; paymentId?: string; orderId?: string }) {
  await trx
    .updateTable("prepaid_accounts")
    .set((eb) => ({ balance: eb("balance", "+", entry.amount), updated_at: now() }))
    .where("org_id", "=", orgId)
    .execute();
  await trx
    .insertInto("prepaid_entries")
    .values({ org_id: orgId, kind: entry.kind, amount: entry.amount, payment_id: entry.paymentId ?? null, order_id: entry.orderId ?? null, created_at: now() })
    .execute();
}

/**
 * B-6/B-12/B-13: one renewal order for the selected products (one line each, for its chosen
 * period), paid in one payment (B-9: the prepaid balance first, the rest with `method`).
 */
export async function paySelection(db: Handle, acting: ProductActing, orgId: string, productIds: string[], method: PayMethod, locale: UiLocale): Promise<PaymentStart> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) throw new Invalid({ ids: "billing.errors.noSelection" });
  if (!ids.every((id) => uuid.test(id))) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const org = await billingOrg(trx, acting, orgId);
    assertMethod(method, org.currency);
    // C-5/P-9: a client whose partner pays has its products paid (and invoiced) by the partner.
    const partnerPays = await trx.selectFrom("partner_client_links").select("id").where("client_org_id", "=", orgId).where("state", "=", "active").where("payer", "=", "partner").executeTakeFirst();
    if (partnerPays) throw new Conflict("partner_pays", "billing.errors.partnerPays");
    const products = await trx
      .selectFrom("products as p")
      .innerJoin("product_types as t", "t.code", "p.product_type_code")
      .select(["p.id", "p.name", "p.renewal_months", "t.code", "t.name as type_name", "t.billing_period", "t.renewal_months as allowed", "t.price_chf", "t.price_eur"])
      .where("p.org_id", "=", orgId)
      .where("p.id", "in", ids)
      .orderBy("p.expires_at")
      .orderBy("p.name")
      .execute();
    if (products.length !== ids.length) throw new NotFound();
    const lines = products.map((p) => {
      const months = p.renewal_months ?? p.allowed[0];
      const unit = org.currency === "CHF" ? p.price_chf : p.price_eur;
      return {
        product_id: p.id,
        product_type_code: p.code,
        description: `${p.type_name}: ${p.name}`,
        months,
        unit_amount: unit,
        quantity: Math.max(1, Math.round(months / monthsPerPeriod(p.billing_period))),
        discount_amount: 0,
        net_amount: renewalAmount(unit, org.currency, p.billing_period, months).amount,
      };
    });
    const orderId = await createOrder(trx, acting.actor, org, "renewal", locale, lines);
    return startPayment(trx, acting.actor, orderId, method);
  });
}

/** B-10: a prepaid top-up of `amount` minor units, paid by card or PostFinance (CHF only). */
export async function topUpPrepaid(db: Handle, acting: ProductActing, orgId: string, amount: number, method: TopUpMethod, locale: UiLocale): Promise<PaymentStart> {
  if (!topUpAmountAllowed(amount)) throw new Invalid({ amount: "billing.errors.topUpLimits" });
  return withActor(db, acting.actor, async (trx) => {
    const org = await billingOrg(trx, acting, orgId);
    assertMethod(method, org.currency);
    const orderId = await createOrder(trx, acting.actor, org, "topup", locale, [
      { product_id: null, product_type_code: null, description: "Prepaid top-up", months: null, unit_amount: amount, quantity: 1, discount_amount: 0, net_amount: amount },
    ]);
    return startPayment(trx, acting.actor, orderId, method);
  });
}

/** B-7: pays a pending order of the organization (again, after an abandoned or failed attempt). */
export async function payOrder(db: Handle, acting: ProductActing, orgId: string, orderId: string, method: PayMethod): Promise<PaymentStart> {
  if (!uuid.test(orderId)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const org = await billingOrg(trx, acting, orgId);
    const order = await trx.selectFrom("orders").select(["id", "status", "kind"]).where("org_id", "=", orgId).where("id", "=", orderId).forUpdate().executeTakeFirst();
    if (!order) throw new NotFound();
    if (order.status !== "pending") throw new Conflict("order_not_pending", "billing.errors.orderNotPending");
    if (order.kind === "topup" && method === "prepaid") throw new Invalid({ method: "billing.errors.payMethod" });
    assertMethod(method, org.currency);
    return startPayment(trx, acting.actor, orderId, method);
  });
}

type LineInput = {
  product_id: string | null;
  product_type_code: string | null;
  description: string;
  months: number | null;
  unit_amount: number;
  quantity: number;
  discount_amount: number;
  net_amount: number;
};

export async function createOrder(
  trx: Tx,
  actor: Actor,
  org: { id: string; currency: Currency; country: string; vat_id: string | null },
  kind: OrderKind,
  locale: UiLocale,
  lines: LineInput[],
  opts: { clientOrgId?: string } = {},
) {
  const net = lines.reduce((s, l) => s + l.net_amount, 0);
  // A deposit is not a sale: VAT is invoiced when the balance pays for something.
  const vat = kind === "topup" ? { rateBp: 0, reverseCharge: false } : await vatTermsFor(trx, org, now());
  const vatTotal = vatAmount(net, org.currency, vat.rateBp);
  const order = await trx
    .insertInto("orders")
    .values({
      org_id: org.id,
      kind,
      currency: org.currency,
      language: locale,
      net_amount: net,
      vat_rate_bp: vat.rateBp,
      vat_amount: vatTotal,
      total_amount: net + vatTotal,
      reverse_charge: vat.reverseCharge,
      created_by: actor.kind === "user" ? actor.userId : null,
      created_at: now(),
      client_org_id: opts.clientOrgId ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .insertInto("order_lines")
    .values(lines.map((l, i) => ({ ...l, org_id: org.id, order_id: order.id, position: i + 1 })))
    .execute();
  await audit(trx, actor, { orgId: org.id, action: "order.created", targetType: "order", targetId: order.id, data: { kind, net, total: net + vatTotal, lines: lines.length } });
  return order.id;
}

async function paidSoFar(trx: Tx, orderId: string): Promise<number> {
  const row = await trx
    .selectFrom("payments")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount"), sql<number>`0`).as("paid"))
    .where("order_id", "=", orderId)
    .where("status", "=", "succeeded")
    .executeTakeFirstOrThrow();
  return Number(row.paid);
}

/**
 * B-9: the prepaid balance pays first (a payment and a ledger debit, in this transaction);
 * what remains goes to the gateway's hosted page. Nothing is paid by the gateway until its
 * signed webhook says so.
 */
export async function startPayment(trx: Tx, actor: Actor, orderId: string, method: PayMethod): Promise<PaymentStart> {
  const order = await trx.selectFrom("orders").selectAll().where("id", "=", orderId).forUpdate().executeTakeFirstOrThrow();
  let due = order.total_amount - (await paidSoFar(trx, orderId));
  if (order.kind !== "topup") {
    await ensurePrepaidAccount(trx, order.org_id, order.currency);
    const account = await trx.selectFrom("prepaid_accounts").select("balance").where("org_id", "=", order.org_id).forUpdate().executeTakeFirstOrThrow();
    const use = Math.min(account.balance, due);
    if (method === "prepaid" && use < due) throw new Conflict("prepaid_insufficient", "billing.errors.prepaidInsufficient");
    if (use > 0) {
      const payment = await trx
        .insertInto("payments")
        .values({ org_id: order.org_id, order_id: orderId, method: "prepaid", amount: use, currency: order.currency, status: "succeeded", idempotency_key: `prepaid-${randomUUID()}`, settled_at: now() })
        .returning("id")
        .executeTakeFirstOrThrow();
      await prepaidEntry(trx, order.org_id, { kind: "payment", amount: -use, paymentId: payment.id, orderId });
      await audit(trx, actor, { orgId: order.org_id, action: "payment.prepaid", targetType: "order", targetId: orderId, data: { amount: use } });
      due -= use;
    }
  }
  if (due <= 0) {
    await settleOrder(trx, actor, orderId);
    return { orderId, redirectUrl: null };
  }
  // B-6/B-10: a transfer is paid when it arrives; until then the order has its proforma.
  if (method === "iban") return startBankTransfer(trx, actor, orderId, due);
  const gatewayMethod = method as GatewayMethod;
  const attempt = toCount((await trx.selectFrom("payments").select((eb) => eb.fn.countAll().as("n")).where("order_id", "=", orderId).executeTakeFirstOrThrow()).n) + 1;
  const idempotencyKey = `order-${orderId}-${attempt}`;
  const payment = await trx
    .insertInto("payments")
    .values({ org_id: order.org_id, order_id: orderId, method: gatewayMethod, amount: due, currency: order.currency, idempotency_key: idempotencyKey, gateway_reference: `pending-${idempotencyKey}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  const returnUrl = order.kind === "topup" ? `/orgs/${order.org_id}/billing/prepaid?returned=${orderId}` : `/orgs/${order.org_id}/billing/orders?returned=${orderId}`;
  const checkout = await paymentGateway().createCheckout({
    amount: due,
    currency: order.currency,
    method: gatewayMethod,
    idempotencyKey,
    description: order.kind === "topup" ? "Prepaid top-up" : `Order ${orderId.slice(0, 8)}`,
    returnUrl,
    metadata: { orgId: order.org_id, paymentId: payment.id },
  });
  await trx.updateTable("payments").set({ gateway_reference: checkout.reference }).where("id", "=", payment.id).execute();
  await audit(trx, actor, { orgId: order.org_id, action: "payment.started", targetType: "order", targetId: orderId, data: { method, amount: due, reference: checkout.reference } });
  return { orderId, redirectUrl: checkout.redirectUrl };
}

/**
 * Completes a fully paid order: renewal/new products' expiry extended by their period and
 * one invoice for all lines (B-6, B-12); a top-up credits the prepaid account (B-10).
 */
export async function settleOrder(trx: Tx, actor: Actor, orderId: string): Promise<{ invoiceId: string | null }> {
  const order = await trx.selectFrom("orders").selectAll().where("id", "=", orderId).forUpdate().executeTakeFirstOrThrow();
  if (order.status !== "pending" || (await paidSoFar(trx, orderId)) < order.total_amount) return { invoiceId: null };
  // B-14: a suspicious new order is held (not completed) until its identity check is approved.
  if (await screenOrder(trx, actor, order)) return { invoiceId: null };
  await trx.updateTable("orders").set({ status: "paid", paid_at: now() }).where("id", "=", orderId).execute();
  if (order.kind === "topup") {
    await ensurePrepaidAccount(trx, order.org_id, order.currency);
    await prepaidEntry(trx, order.org_id, { kind: "topup", amount: order.net_amount, orderId });
    await audit(trx, actor, { orgId: order.org_id, action: "prepaid.topped_up", targetType: "order", targetId: orderId, data: { amount: order.net_amount } });
    return { invoiceId: null };
  }
  // P-9/C-5: a partner's order renews its client's products (the order's trigger vouched for the link).
  if (order.client_org_id) await actAlsoFor(trx, order.client_org_id);
  // B-1/B-7: a paid `new` order creates its products, expiring after the period ordered.
  const periods = order.kind === "new" ? await createOrderedProducts(trx, actor, order) : new Map<string, InvoicePeriod>();
  const lines = await trx.selectFrom("order_lines").select(["product_id", "months"]).where("order_id", "=", orderId).execute();
  for (const line of lines) {
    if (!line.product_id || !line.months || periods.has(line.product_id)) continue;
    const product = await trx.selectFrom("products").select(["expires_at"]).where("id", "=", line.product_id).forUpdate().executeTakeFirst();
    if (!product) continue;
    const from = product.expires_at ?? now();
    const to = addMonths(from, line.months);
    await trx.updateTable("products").set({ expires_at: to }).where("id", "=", line.product_id).execute();
    periods.set(line.product_id, { from, to });
    await audit(trx, actor, { orgId: order.org_id, action: "product.renewed", targetType: "product", targetId: line.product_id, data: { orderId, months: line.months, from, to } });
  }
  const invoice = await issueInvoice(trx, orderId, periods);
  // P-8: the referring affiliate's commission on this paid invoice, recorded once.
  await sql`select portal_record_affiliate_commission(${invoice.id}::uuid, ${now()}::timestamptz)`.execute(trx);
  await audit(trx, actor, { orgId: order.org_id, action: "order.paid", targetType: "order", targetId: orderId, data: { invoice: invoice.number, total: order.total_amount } });
  return { invoiceId: invoice.id };
}

/** B-9: when the gateway part fails, what the prepaid account paid for this order goes back to it. */
export async function refundPrepaidParts(trx: Tx, actor: Actor, orderId: string): Promise<number> {
  const parts = await trx.selectFrom("payments").select(["id", "org_id", "amount"]).where("order_id", "=", orderId).where("method", "=", "prepaid").where("status", "=", "succeeded").forUpdate().execute();
  for (const p of parts) {
    await trx.updateTable("payments").set({ status: "refunded", settled_at: now() }).where("id", "=", p.id).execute();
    await prepaidEntry(trx, p.org_id, { kind: "refund", amount: p.amount, paymentId: p.id, orderId });
    await audit(trx, actor, { orgId: p.org_id, action: "payment.prepaid_refunded", targetType: "order", targetId: orderId, data: { amount: p.amount } });
  }
  return parts.reduce((s, p) => s + p.amount, 0);
}

/** B-2: a card or Twint payment saves the method and switches auto-renewal on for the products it paid. */
export async function switchOnAutoRenewalAfterPayment(trx: Tx, actor: Actor, orderId: string, method: PaymentMethod, saved: { token: string; label: string } | undefined) {
  const autoMethod = AUTO_RENEW_METHODS.find((m) => m === method);
  if (!autoMethod || !saved) return;
  const order = await trx.selectFrom("orders").select(["org_id", "client_org_id"]).where("id", "=", orderId).executeTakeFirstOrThrow();
  await trx
    .insertInto("saved_payment_methods")
    .values({ org_id: order.org_id, method: autoMethod, gateway_token: saved.token, label: saved.label })
    .onConflict((oc) => oc.columns(["org_id", "gateway_token"]).doNothing())
    .execute();
  const pm = await trx.selectFrom("saved_payment_methods").select("id").where("org_id", "=", order.org_id).where("gateway_token", "=", saved.token).executeTakeFirstOrThrow();
  const products = await trx.selectFrom("order_lines").select("product_id").where("order_id", "=", orderId).where("product_id", "is not", null).execute();
  for (const { product_id } of products) {
    await trx
      .updateTable("products")
      // A partner's saved method stays the partner's: its auto-renewals of client products use it (P-9).
      .set({ auto_renew: true, auto_renew_method: autoMethod, ...(order.client_org_id ? {} : { auto_renew_payment_method_id: pm.id }) })
      .where("id", "=", product_id!)
      .execute();
    await audit(trx, actor, { orgId: order.org_id, action: "product.auto_renew_on", targetType: "product", targetId: product_id!, data: { method: autoMethod, savedMethod: saved.label, byPayment: orderId } });
  }
}

/** B-7: the organization's orders (pending first), with what each still owes. */
export async function listOrders(db: Handle, acting: ProductActing, orgId: string, opts: { scope: "pending" | "all"; page?: number }) {
  assertCan(acting.ability, "read", "Billing", { orgId });
  const org = await db.selectFrom("organizations").select("currency").where("id", "=", orgId).executeTakeFirst();
  if (!org) throw new NotFound();
  const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
  const base = db
    .selectFrom("orders as o")
    .where("o.org_id", "=", orgId)
    .$if(opts.scope === "pending", (qb) => qb.where("o.status", "=", "pending"));
  const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const orders = await base
    .leftJoin("invoices as i", "i.order_id", "o.id")
    .leftJoin("proformas as pf", "pf.order_id", "o.id")
    .select([
      "o.id",
      "o.kind",
      "o.status",
      "o.currency",
      "o.total_amount",
      "o.created_at",
      "o.paid_at",
      "i.id as invoice_id",
      "i.number as invoice_number",
      "pf.number as proforma_number",
      "pf.reference as proforma_reference",
      (eb) =>
        eb
          .selectFrom("payments as p")
          .select((e) => e.fn.coalesce(e.fn.sum<number>("p.amount"), sql<number>`0`).as("s"))
          .whereRef("p.order_id", "=", "o.id")
          .where("p.status", "=", "succeeded")
          .as("paid"),
      (eb) =>
        eb
          .selectFrom("payments as p")
          .select((e) => e.fn.countAll().as("c"))
          .whereRef("p.order_id", "=", "o.id")
          .where("p.status", "=", "pending")
          .as("pending_payments"),
      (eb) =>
        eb
          .selectFrom("order_lines as l")
          .select(sql<string>`string_agg(l.description, '; ' order by l.position)`.as("d"))
          .whereRef("l.order_id", "=", "o.id")
          .as("description"),
    ])
    .orderBy(sql`o.status = 'pending' desc`)
    .orderBy("o.created_at", "desc")
    .orderBy("o.id")
    .limit(ORDERS_PAGE_SIZE)
    .offset((page - 1) * ORDERS_PAGE_SIZE)
    .execute();
  return {
    currency: org.currency as Currency,
    page,
    pages: Math.max(1, Math.ceil(total / ORDERS_PAGE_SIZE)),
    total,
    orders: orders.map((o) => ({ ...o, paid: Number(o.paid ?? 0), pending_payments: toCount(o.pending_payments ?? 0), due: o.total_amount - Number(o.paid ?? 0) })),
  };
}

/** B-9/B-10: the prepaid balance and its ledger, newest first. */
export async function prepaidOverview(db: Handle, acting: ProductActing, orgId: string, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "Billing", { orgId });
  const org = await db.selectFrom("organizations").select("currency").where("id", "=", orgId).executeTakeFirst();
  if (!org) throw new NotFound();
  const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
  const account = await db.selectFrom("prepaid_accounts").select(["balance", "currency"]).where("org_id", "=", orgId).executeTakeFirst();
  const total = toCount((await db.selectFrom("prepaid_entries").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n);
  const entries = await db
    .selectFrom("prepaid_entries")
    .select(["id", "kind", "amount", "created_at", "order_id"])
    .where("org_id", "=", orgId)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(PREPAID_ENTRIES_PAGE_SIZE)
    .offset((page - 1) * PREPAID_ENTRIES_PAGE_SIZE)
    .execute();
  return { currency: (account?.currency ?? org.currency) as Currency, balance: account?.balance ?? 0, page, pages: Math.max(1, Math.ceil(total / PREPAID_ENTRIES_PAGE_SIZE)), entries };
}

/** B-6: what the method choice page shows for a selection, priced like the "to pay" list. */
export async function selectionSummary(db: Handle, acting: ProductActing, orgId: string, productIds: string[]) {
  assertCan(acting.ability, "read", "Billing", { orgId });
  const ids = [...new Set(productIds)].filter((id) => uuid.test(id));
  const org = await db.selectFrom("organizations").select(["currency", "country", "vat_id"]).where("id", "=", orgId).executeTakeFirst();
  if (!org) throw new NotFound();
  if (ids.length === 0) return { currency: org.currency as Currency, lines: [], net: 0, vat: 0, total: 0, balance: 0 };
  const rows = await db
    .selectFrom("products as p")
    .innerJoin("product_types as t", "t.code", "p.product_type_code")
    .select(["p.id", "p.name", "p.renewal_months", "t.billing_period", "t.renewal_months as allowed", "t.price_chf", "t.price_eur"])
    .where("p.org_id", "=", orgId)
    .where("p.id", "in", ids)
    .orderBy("p.expires_at")
    .orderBy("p.name")
    .execute();
  const lines = rows.map((p) => {
    const months = p.renewal_months ?? p.allowed[0];
    return { id: p.id, name: p.name, months, amount: renewalAmount(org.currency === "CHF" ? p.price_chf : p.price_eur, org.currency, p.billing_period, months).amount };
  });
  const net = lines.reduce((s, l) => s + l.amount, 0);
  const vat = vatAmount(net, org.currency, (await vatTermsFor(db, org, now())).rateBp);
  const account = await db.selectFrom("prepaid_accounts").select("balance").where("org_id", "=", orgId).executeTakeFirst();
  return { currency: org.currency as Currency, lines, net, vat, total: net + vat, balance: account?.balance ?? 0 };
}
