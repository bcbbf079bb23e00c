import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { AutoRenewMethod, BillingPeriod, ProductType } from "../../../db/schema";
import { allows, assertCan } from "../../auth/ability";
import { productReach } from "../../auth/actor";
import { now } from "../../lib/clock";
import { pagedTotal } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import { withActor, type Handle, type Tx } from "../tx.server";
import type { Currency } from "./money";
import { AUTO_RENEW_METHODS, canSwitchOnAutoRenewal, firstChargeAttemptAt, renewalAmount } from "./renewal-rules";

export { AUTO_RENEW_METHODS, firstChargeAttemptAt } from "./renewal-rules";

export const TO_PAY_PAGE_SIZE = 50;
/** B-3: the default view of the "to pay" list reaches this many months ahead. */
export const DEFAULT_HORIZON_MONTHS = 2;

export type ToPayScope = "2months" | "all";

const uuid = z.string().uuid();

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** The product ids the actor may read in the organization (null = all of them), or NotFound for non-members. */
function readableIds(acting: ProductActing, orgId: string): string[] | null {
  // Members, and partner users through a delegation (C-3).
  const reach = productReach(acting.actor, orgId);
  if (!reach) throw new NotFound();
  if (reach.all) return null;
  return reach.ids.filter((id) => allows(acting.ability, "read", "Product", { orgId, id }));
}

export interface ToPayLine {
  id: string;
  name: string;
  type: ProductType;
  typeName: string | null;
  expiresAt: string | null;
  /** B-13: the amount for the chosen period, in minor units of the organization's currency. */
  amount: number | null;
  renewalMonths: number | null;
  allowedMonths: number[];
  billingPeriod: BillingPeriod | null;
  autoRenew: boolean;
  autoRenewMethod: AutoRenewMethod | null;
  /** B-4: when auto-renewal would first charge; switching on is possible until then. */
  firstChargeAt: string | null;
  canSwitchOn: boolean;
  canManage: boolean;
}

/**
 * B-1/B-3/B-13: the organization's products the actor may read, with what renewing them
 * costs for their chosen period. The default view shows what expires within the next 2
 * months (overdue included); `all` shows every product. Filtered and paged in SQL.
 */
export async function listToPay(db: Handle, acting: ProductActing, orgId: string, opts: { scope: ToPayScope; page?: number }) {
  const ids = readableIds(acting, orgId);
  const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
  const at = now();
  const org = await db.selectFrom("organizations").select("currency").where("id", "=", orgId).executeTakeFirst();
  if (!org) throw new NotFound();
  const currency: Currency = org.currency;
  const result = { scope: opts.scope, currency, page, pages: 1, total: 0, seesAll: ids === null, lines: [] as ToPayLine[] };
  if (ids !== null && ids.length === 0) return result;

  const base = db
    .selectFrom("products as p")
    .leftJoin("product_types as t", "t.code", "p.product_type_code")
    .where("p.org_id", "=", orgId)
    .$if(ids !== null, (qb) => qb.where("p.id", "in", ids!))
    .$if(opts.scope === "2months", (qb) => qb.where("p.expires_at", "is not", null).where("p.expires_at", "<=", addMonths(at, DEFAULT_HORIZON_MONTHS)));
  const offset = (page - 1) * TO_PAY_PAGE_SIZE;
  const rows = await base
    .select([
      "p.id",
      "p.name",
      "p.type",
      "p.expires_at",
      "p.auto_renew",
      "p.auto_renew_method",
      "p.renewal_months",
      "t.name as type_name",
      "t.billing_period",
      "t.renewal_months as allowed_months",
      currency === "CHF" ? "t.price_chf as price" : "t.price_eur as price",
    ])
    .orderBy(sql`p.expires_at asc nulls last`)
    .orderBy("p.name")
    .orderBy("p.id")
    .limit(TO_PAY_PAGE_SIZE)
    .offset(offset)
    .execute();
  const total = await pagedTotal(offset, TO_PAY_PAGE_SIZE, rows.length, async () => toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n));

  result.total = total;
  result.pages = Math.max(1, Math.ceil(total / TO_PAY_PAGE_SIZE));
  result.lines = rows.map((r) => {
    const allowedMonths = r.allowed_months ?? [];
    const months = r.renewal_months ?? allowedMonths[0] ?? null;
    const priced = r.price !== null && r.billing_period !== null && months !== null;
    return {
      id: r.id,
      name: r.name,
      type: r.type,
      typeName: r.type_name,
      expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
      amount: priced ? renewalAmount(r.price!, currency, r.billing_period!, months!).amount : null,
      renewalMonths: months,
      allowedMonths,
      billingPeriod: r.billing_period,
      autoRenew: r.auto_renew,
      autoRenewMethod: r.auto_renew_method,
      firstChargeAt: r.expires_at ? firstChargeAttemptAt(r.expires_at).toISOString() : null,
      canSwitchOn: canSwitchOnAutoRenewal(r.expires_at, at),
      canManage: allows(acting.ability, "update", "Product", { orgId, id: r.id }),
    };
  });
  return result;
}

/** Locks and returns the products of the organization: NotFound unless all are readable, Forbidden unless all may be updated. */
async function changeableProducts(trx: Tx, acting: ProductActing, orgId: string, productIds: string[]) {
  const ids = [...new Set(productIds)];
  if (ids.length === 0 || !ids.every((id) => uuid.safeParse(id).success)) throw new NotFound();
  if (!productReach(acting.actor, orgId)) throw new NotFound();
  for (const id of ids) {
    if (!allows(acting.ability, "read", "Product", { orgId, id })) throw new NotFound();
  }
  const rows = await trx
    .selectFrom("products as p")
    .leftJoin("product_types as t", "t.code", "p.product_type_code")
    .select(["p.id", "p.name", "p.expires_at", "p.auto_renew", "p.auto_renew_method", "p.renewal_months", "t.renewal_months as allowed_months"])
    .where("p.org_id", "=", orgId)
    .where("p.id", "in", ids)
    .orderBy("p.name")
    .forUpdate("p")
    .execute();
  if (rows.length !== ids.length) throw new NotFound();
  for (const id of ids) assertCan(acting.ability, "update", "Product", { orgId, id });
  return rows;
}

export const autoRenewalMethodSchema = z.enum(AUTO_RENEW_METHODS, { message: "billing.errors.method" });

export type AutoRenewalChange = { on: true; method: AutoRenewMethod } | { on: false };

/**
 * B-3/B-4/B-5: switches auto-renewal on (with the method it will charge) or off for some
 * products, all in one transaction: if any product cannot be switched on (fewer than 14
 * days before expiry, or no expiry), nothing changes and the message names them.
 */
export async function setAutoRenewalBulk(
  db: Handle,
  acting: ProductActing,
  orgId: string,
  productIds: string[],
  change: AutoRenewalChange,
): Promise<{ changed: number }> {
  if (change.on && !autoRenewalMethodSchema.safeParse(change.method).success) throw new Invalid({ method: "billing.errors.method" });
  return withActor(db, acting.actor, async (trx) => {
    const products = await changeableProducts(trx, acting, orgId, productIds);
    if (change.on) {
      const at = now();
      const late = products.filter((p) => !canSwitchOnAutoRenewal(p.expires_at, at));
      if (late.length > 0) {
        throw new Conflict("auto_renew_too_late", "billing.errors.tooLate", { products: late.map((p) => p.name).join(", ") });
      }
    }
    await trx
      .updateTable("products")
      .set({ auto_renew: change.on, auto_renew_method: change.on ? change.method : null })
      .where("org_id", "=", orgId)
      .where(
        "id",
        "in",
        products.map((p) => p.id),
      )
      .execute();
    for (const p of products) {
      await audit(trx, acting.actor, {
        orgId,
        action: change.on ? "product.auto_renew_on" : "product.auto_renew_off",
        targetType: "product",
        targetId: p.id,
        data: { name: p.name, method: change.on ? change.method : null, previous: { on: p.auto_renew, method: p.auto_renew_method }, bulk: products.length > 1 },
      });
    }
    return { changed: products.length };
  });
}

/** B-3/B-4/B-5: auto-renewal of one product, on (with a method) or off. */
export async function setAutoRenewal(db: Handle, acting: ProductActing, orgId: string, productId: string, change: AutoRenewalChange) {
  return setAutoRenewalBulk(db, acting, orgId, [productId], change);
}

/** B-13: the renewal period of one product, among the periods its type allows. */
export async function setRenewalPeriod(db: Handle, acting: ProductActing, orgId: string, productId: string, months: number) {
  return withActor(db, acting.actor, async (trx) => {
    const [product] = await changeableProducts(trx, acting, orgId, [productId]);
    const allowed = product.allowed_months ?? [];
    if (allowed.length === 0) throw new Conflict("no_catalog_type", "billing.errors.noCatalogType");
    if (!Number.isInteger(months) || !allowed.includes(months)) throw new Invalid({ months: "billing.errors.periodNotAllowed" });
    await trx.updateTable("products").set({ renewal_months: months }).where("org_id", "=", orgId).where("id", "=", product.id).execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "product.renewal_period_set",
      targetType: "product",
      targetId: product.id,
      data: { name: product.name, months, previous: product.renewal_months },
    });
    return { months };
  });
}
