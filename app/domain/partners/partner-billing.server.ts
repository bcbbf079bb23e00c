import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { BillingPeriod, ProductType } from "../../../db/schema";
import { allows, assertCan } from "../../auth/ability";
import { isAdminOf, membershipOf } from "../../auth/actor";
import { translator, isLocale, type UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { createOrder, startPayment, type PaymentStart } from "../billing/checkout.server";
import type { Currency } from "../billing/money";
import type { PayMethod } from "../billing/payment-rules";
import { monthsPerPeriod, renewalAmount, unitPriceFor, type PriceTier } from "../billing/renewal-rules";
import { Conflict, Forbidden, Invalid, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import type { ProductActing } from "../products/queries.server";
import { actAlsoFor, withActor, type Handle, type Tx } from "../tx.server";
import { applyPartnerRate, partnerTier } from "./tiers.server";

// P-9 and C-5: who pays a client's products. When the partner pays, its orders and invoices
// are its own (org_id = partner, client_org_id = the client), priced with the volume (tier)
// price first and the partner's rate for the product's category as the line discount.

export const CLIENT_PRODUCTS_PAGE_SIZE = 50;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const payerSchema = z.object({
  linkId: z.string().uuid("errors.invalid"),
  payer: z.enum(["client", "partner"], { message: "errors.invalid" }),
});

/** The partner paying for `clientOrgId`'s products, if its link is active, full access and payer = partner. */
export async function payingPartnerOf(trx: Tx, clientOrgId: string): Promise<string | null> {
  const link = await trx
    .selectFrom("partner_client_links")
    .select("org_id")
    .where("client_org_id", "=", clientOrgId)
    .where("state", "=", "active")
    .where("access", "=", "full")
    .where("payer", "=", "partner")
    .executeTakeFirst();
  return link?.org_id ?? null;
}

export interface PricedProduct {
  id: string;
  name: string;
  type_code: string;
  type_name: string;
  kind: ProductType;
  billing_period: BillingPeriod;
  months: number;
  price_chf: number;
  price_eur: number;
}

export interface PartnerPricedLine {
  product_id: string;
  product_type_code: string;
  description: string;
  months: number;
  unit_amount: number;
  quantity: number;
  discount_amount: number;
  net_amount: number;
  rate_bp: number;
}

/**
 * P-9: the lines of a partner's order for client products. The unit price is the volume
 * (tier) price for the number of products of that type the partner manages (its own and its
 * active clients'); the partner's rate for the product's category is then the discount,
 * rounded half up to the minor unit. Runs in a transaction acting for the partner.
 */
export async function partnerPricedLines(trx: Tx, partnerOrgId: string, currency: Currency, products: PricedProduct[]): Promise<PartnerPricedLine[]> {
  if (products.length === 0) return [];
  const tier = await partnerTier(trx, partnerOrgId);
  const codes = [...new Set(products.map((p) => p.type_code))];
  const tiers = await trx.selectFrom("product_type_price_tiers").selectAll().where("type_code", "in", codes).execute();
  const volumes = await trx
    .selectFrom("products")
    .select(["product_type_code", sql<number>`count(*)::int`.as("n")])
    .where("product_type_code", "in", codes)
    .where((eb) =>
      eb.or([
        eb("org_id", "=", partnerOrgId),
        eb("org_id", "in", eb.selectFrom("partner_client_links").select("client_org_id").where("org_id", "=", partnerOrgId).where("state", "=", "active")),
      ]),
    )
    .groupBy("product_type_code")
    .execute();
  return products.map((p) => {
    const volume = volumes.find((v) => v.product_type_code === p.type_code)?.n ?? 1;
    const priceTiers: PriceTier[] = tiers
      .filter((t) => t.type_code === p.type_code)
      .map((t) => ({ minQuantity: t.min_quantity, price: currency === "CHF" ? t.price_chf : t.price_eur }));
    const unit = unitPriceFor(currency === "CHF" ? p.price_chf : p.price_eur, priceTiers, Math.max(1, volume));
    const gross = renewalAmount(unit, currency, p.billing_period, p.months).amount;
    const rateBp = tier.rates.find((r) => r.kind === p.kind)?.rateBp ?? 0;
    const discount = applyPartnerRate(gross, rateBp);
    return {
      product_id: p.id,
      product_type_code: p.type_code,
      description: `${p.type_name}: ${p.name}`,
      months: p.months,
      unit_amount: unit,
      quantity: Math.max(1, Math.round(p.months / monthsPerPeriod(p.billing_period))),
      discount_amount: discount,
      net_amount: gross - discount,
      rate_bp: rateBp,
    };
  });
}

function clientProducts(trx: Tx, clientOrgId: string) {
  return trx
    .selectFrom("products as p")
    .innerJoin("product_types as t", "t.code", "p.product_type_code")
    .where("p.org_id", "=", clientOrgId);
}

const productColumns = [
  "p.id",
  "p.name",
  "p.expires_at",
  "p.auto_renew",
  "t.code as type_code",
  "t.name as type_name",
  "t.kind",
  "t.billing_period",
  sql<number>`coalesce(p.renewal_months, t.renewal_months[1])`.as("months"),
  "t.price_chf",
  "t.price_eur",
] as const;

/** The partner's organization where the actor manages billing, and its link to a client it pays for. */
async function payingLink(trx: Tx, acting: ProductActing, partnerOrgId: string, clientOrgId: string) {
  if (!membershipOf(acting.actor, partnerOrgId)) throw new NotFound();
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
  return link;
}

/**
 * P-9/C-5: the products of a client the partner pays for, with the partner's price (volume
 * price, then the partner's discount), one page at a time, soonest expiry first.
 */
export async function clientProductsToPay(db: Handle, acting: ProductActing, partnerOrgId: string, clientOrgId: string, opts: { page?: number } = {}) {
  return withActor(db, acting.actor, async (trx) => {
    const link = await payingLink(trx, acting, partnerOrgId, clientOrgId);
    const org = await trx.selectFrom("organizations").select(["currency"]).where("id", "=", partnerOrgId).executeTakeFirstOrThrow();
    const currency = org.currency as Currency;
    if (link.payer !== "partner") return { clientName: link.client_name, payer: link.payer, currency, page: 1, pages: 1, total: 0, lines: [] };
    const total = toCount((await clientProducts(trx, clientOrgId).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const pages = Math.max(1, Math.ceil(total / CLIENT_PRODUCTS_PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1)));
    const rows = await clientProducts(trx, clientOrgId)
      .select([...productColumns])
      .orderBy(sql`p.expires_at asc nulls last`)
      .orderBy("p.name")
      .orderBy("p.id")
      .limit(CLIENT_PRODUCTS_PAGE_SIZE)
      .offset((page - 1) * CLIENT_PRODUCTS_PAGE_SIZE)
      .execute();
    const priced = await partnerPricedLines(trx, partnerOrgId, currency, rows);
    const lines = rows.map((r, i) => ({
      id: r.id,
      name: r.name,
      typeName: r.type_name,
      expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
      autoRenew: r.auto_renew,
      months: r.months,
      gross: priced[i].net_amount + priced[i].discount_amount,
      discount: priced[i].discount_amount,
      net: priced[i].net_amount,
      rateBp: priced[i].rate_bp,
    }));
    return { clientName: link.client_name, payer: link.payer, currency, page, pages, total, lines };
  });
}

/**
 * P-9/C-5: the partner pays a selection of a client's products: one order of the partner
 * (naming the client) at the partner's prices, paid like any order (B-9: the partner's prepaid
 * balance first, then the chosen method); its invoice is the partner's.
 */
export async function payClientProducts(
  db: Handle,
  acting: ProductActing,
  partnerOrgId: string,
  clientOrgId: string,
  productIds: string[],
  method: PayMethod,
  locale: UiLocale,
): Promise<PaymentStart> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) throw new Invalid({ ids: "billing.errors.noSelection" });
  if (!ids.every((id) => uuid.test(id))) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const link = await payingLink(trx, acting, partnerOrgId, clientOrgId);
    if (link.payer !== "partner") throw new Conflict("client_pays", "partners.errors.clientPays");
    const org = await trx.selectFrom("organizations").select(["id", "currency", "country", "vat_id"]).where("id", "=", partnerOrgId).executeTakeFirstOrThrow();
    const rows = await clientProducts(trx, clientOrgId).select([...productColumns]).where("p.id", "in", ids).orderBy("p.expires_at").orderBy("p.name").execute();
    if (rows.length !== ids.length) throw new NotFound();
    const lines = await partnerPricedLines(trx, partnerOrgId, org.currency as Currency, rows);
    const orderId = await createOrder(
      trx,
      acting.actor,
      { ...org, currency: org.currency as Currency },
      "renewal",
      locale,
      lines.map(({ rate_bp: _rate, ...line }) => line),
      { clientOrgId },
    );
    await actAlsoFor(trx, clientOrgId);
    return startPayment(trx, acting.actor, orderId, method);
  });
}

/**
 * C-5: who pays the client's future invoices. The client's legal representative decides, and
 * so may the partner's legal representative or administrators. Billing through the partner
 * needs full access (P-9; the database refuses it too). E-mails the partner and is audited,
 * in one transaction.
 */
export async function setPayer(db: Handle, acting: ProductActing, orgId: string, linkId: string, payer: "client" | "partner"): Promise<void> {
  if (!uuid.test(linkId)) throw new NotFound();
  const onClientSide = allows(acting.ability, "update", "PartnerLink", { orgId });
  const onPartnerSide = isAdminOf(acting.actor, orgId) && allows(acting.ability, "manage", "Billing", { orgId });
  if (!membershipOf(acting.actor, orgId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const link = await trx
      .selectFrom("partner_client_links as l")
      .innerJoin("organizations as p", "p.id", "l.org_id")
      .innerJoin("organizations as c", "c.id", "l.client_org_id")
      .select(["l.id", "l.org_id", "l.client_org_id", "l.access", "l.payer", "p.name as partner_name", "c.name as client_name", "p.legal_rep_user_id"])
      .where("l.id", "=", linkId)
      .where("l.state", "=", "active")
      .where((eb) => eb.or([eb("l.org_id", "=", orgId), eb("l.client_org_id", "=", orgId)]))
      .forUpdate("l")
      .executeTakeFirst();
    if (!link) throw new NotFound();
    const side = link.client_org_id === orgId ? "client" : "partner";
    if ((side === "client" && !onClientSide) || (side === "partner" && !onPartnerSide)) throw new Forbidden();
    if (payer === "partner" && link.access !== "full") throw new Conflict("payer_needs_full_access", "partners.errors.payerNeedsFullAccess");
    if (link.payer === payer) return;
    await trx.updateTable("partner_client_links").set({ payer }).where("id", "=", link.id).execute();
    const data = { from: link.payer, to: payer, partnerOrgId: link.org_id, clientOrgId: link.client_org_id, by: side };
    // Recorded in the organization that decided (row-level security keeps each log to its own side); the data names both.
    await audit(trx, acting.actor, { orgId, action: "partner.payer_changed", targetType: "partner_client_link", targetId: link.id, data });
    if (link.legal_rep_user_id) {
      const rep = await sql<{ email: string; locale: string }>`select email, locale from users where id = ${link.legal_rep_user_id}`.execute(trx);
      const to = rep.rows[0];
      if (to) {
        const locale: UiLocale = isLocale(to.locale) ? to.locale : "de";
        const t = translator(locale);
        const vars = { client: link.client_name, payer: t(`partners.payer.${payer}`), date: now().toISOString().slice(0, 10) };
        await queueMail(trx, { orgId, to: to.email, subject: t("partners.payer.mailSubject", vars), text: t("partners.payer.mailText", vars), kind: "partner_payer_changed" });
      }
    }
  });
}
