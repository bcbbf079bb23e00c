import { z } from "zod";
import type { Actor } from "../../auth/actor";
import { assertCan } from "../../auth/ability";
import { productReach } from "../../auth/actor";
import type { UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { Invalid, NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import { withActor, type Handle, type Tx } from "../tx.server";
import { createOrder } from "./checkout.server";
import type { InvoicePeriod } from "./invoices.server";
import type { Currency } from "./money";
import { monthsPerPeriod, renewalAmount } from "./renewal-rules";

// B-1/B-7: ordering a new product from the catalog. The order waits, pending, for its
// payment (orders page); once paid the product exists in the organization, expiring after
// the period ordered.

export const orderNewSchema = z.object({
  typeCode: z.string({ message: "shop.order.errors.type" }).min(1, "shop.order.errors.type"),
  name: z.string().trim().max(253, "errors.invalid").optional(),
  months: z.coerce.number({ message: "shop.order.errors.period" }).int("shop.order.errors.period"),
});
export type OrderNewInput = z.infer<typeof orderNewSchema>;

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

async function orderingOrg(trx: Handle, acting: ProductActing, orgId: string) {
  // Members, and partner users with billing access (C-3).
  if (!productReach(acting.actor, orgId)) throw new NotFound();
  assertCan(acting.ability, "manage", "Billing", { orgId });
  const org = await trx.selectFrom("organizations").select(["id", "currency", "country", "vat_id"]).where("id", "=", orgId).executeTakeFirst();
  if (!org) throw new NotFound();
  return org;
}

function priceIn(currency: Currency, type: { price_chf: number; price_eur: number }): number {
  return currency === "CHF" ? type.price_chf : type.price_eur;
}

/** The catalog with each allowed period's price in the organization's currency. */
export async function orderCatalog(db: Handle, acting: ProductActing, orgId: string) {
  return withActor(db, acting.actor, async (trx) => {
    const org = await orderingOrg(trx, acting, orgId);
    const types = await trx
      .selectFrom("product_types")
      .select(["code", "kind", "name", "billing_period", "price_chf", "price_eur", "renewal_months"])
      .orderBy("sort_order")
      .orderBy("code")
      .execute();
    return {
      currency: org.currency as Currency,
      types: types.map((t) => ({
        code: t.code,
        kind: t.kind,
        name: t.name,
        billingPeriod: t.billing_period,
        price: priceIn(org.currency, t),
        periods: t.renewal_months.map((months) => ({ months, amount: renewalAmount(priceIn(org.currency, t), org.currency, t.billing_period, months).amount })),
      })),
    };
  });
}

/** A domain name of the type's extension (`domain-ch` → `*.ch`), lower case; else null. */
function domainNameFor(code: string, name: string): string | null {
  const extension = code.replace(/^domain-/, "");
  const domain = name.trim().toLowerCase();
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  if (!domain.endsWith(`.${extension}`)) return null;
  return label.test(domain.slice(0, -(extension.length + 1))) ? domain : null;
}

/** B-7: a pending order of kind `new` with one line for the product ordered. */
export async function orderNewProduct(db: Handle, acting: ProductActing, orgId: string, input: OrderNewInput, locale: UiLocale): Promise<{ orderId: string }> {
  return withActor(db, acting.actor, async (trx) => {
    const org = await orderingOrg(trx, acting, orgId);
    const type = await trx.selectFrom("product_types").selectAll().where("code", "=", input.typeCode).executeTakeFirst();
    if (!type) throw new Invalid({ typeCode: "shop.order.errors.type" });
    if (!type.renewal_months.includes(input.months)) throw new Invalid({ months: "shop.order.errors.period" });
    let name: string;
    if (type.kind === "domain") {
      const domain = domainNameFor(type.code, input.name ?? "");
      if (!domain) throw new Invalid({ name: "shop.order.errors.domain" });
      name = domain;
    } else {
      name = input.name && input.name.length > 0 ? input.name : type.name;
    }
    const unit = priceIn(org.currency, type);
    const orderId = await createOrder(trx, acting.actor, org, "new", locale, [
      {
        product_id: null,
        product_type_code: type.code,
        description: `${type.name}: ${name}`,
        months: input.months,
        unit_amount: unit,
        quantity: Math.max(1, Math.round(input.months / monthsPerPeriod(type.billing_period))),
        discount_amount: 0,
        net_amount: renewalAmount(unit, org.currency, type.billing_period, input.months).amount,
      },
    ]);
    await trx.updateTable("order_lines").set({ new_product_name: name }).where("order_id", "=", orderId).where("position", "=", 1).execute();
    return { orderId };
  });
}

/**
 * B-1/B-7: when a `new` order is paid, each of its lines becomes a product of the
 * organization expiring after the period ordered; the line then points at it.
 */
export async function createOrderedProducts(trx: Tx, actor: Actor, order: { id: string; org_id: string }): Promise<Map<string, InvoicePeriod>> {
  const periods = new Map<string, InvoicePeriod>();
  const lines = await trx
    .selectFrom("order_lines as l")
    .innerJoin("product_types as t", "t.code", "l.product_type_code")
    .select(["l.id", "l.months", "l.new_product_name", "t.code", "t.kind"])
    .where("l.order_id", "=", order.id)
    .where("l.product_id", "is", null)
    .where("l.new_product_name", "is not", null)
    .orderBy("l.position")
    .execute();
  for (const line of lines) {
    if (!line.months) continue;
    const from = now();
    const to = addMonths(from, line.months);
    const product = await trx
      .insertInto("products")
      .values({ org_id: order.org_id, type: line.kind, name: line.new_product_name!, product_type_code: line.code, expires_at: to, renewal_months: line.months, created_at: from })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx.updateTable("order_lines").set({ product_id: product.id }).where("id", "=", line.id).execute();
    periods.set(product.id, { from, to });
    await audit(trx, actor, { orgId: order.org_id, action: "product.created_by_order", targetType: "product", targetId: product.id, data: { orderId: order.id, type: line.code, months: line.months, expiresAt: to } });
  }
  return periods;
}
