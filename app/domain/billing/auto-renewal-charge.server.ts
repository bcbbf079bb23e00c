import { sql } from "kysely";
import type { Actor } from "../../auth/actor";
import { formatDate, isLocale, translator, type UiLocale } from "../../i18n/index";
import { DAY, now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { asJob } from "../jobs/as-job.server";
import { queueMail } from "../mail/outbox.server";
import type { PaymentGateway, SavedMethod } from "../payments/gateway";
import { payingPartnerOf, partnerPricedLines } from "../partners/partner-billing.server";
import { actAlsoFor, transaction, type Handle, type Tx } from "../tx.server";
import { createOrder, ensurePrepaidAccount, prepaidEntry, refundPrepaidParts, settleOrder } from "./checkout.server";
import { formatMoney, type Currency } from "./money";
import { billingDay, CHARGE_ATTEMPT_DAYS_BEFORE_EXPIRY, monthsPerPeriod, renewalAmount } from "./renewal-rules";

/** The auto-renewal acts on its own, for no user. */
const AUTO_RENEWAL: Actor = { kind: "anonymous" };

export type RenewalChargeOutcome = "nothing" | "skipped" | "charging" | "succeeded" | "failed";

interface AttemptRow {
  id: string;
  org_id: string;
  product_id: string;
  period_expires_at: Date;
  attempt_day: string;
}

/**
 * B-4/B-9: charges one queued auto-renewal attempt. Idempotent: an attempt that is no
 * longer `queued` does nothing, and a product renewed meanwhile (or switched off, or with
 * a charge for this period already under way) is skipped. The prepaid balance pays first;
 * the rest is charged to the product's saved card or Twint profile off-session, whose
 * signed webhook settles it (renewalChargeSucceeded / renewalChargeFailed). When the
 * prepaid balance covers everything, the renewal is settled here and no gateway is asked.
 */
export async function chargeRenewalAttempt(db: Handle, gateway: PaymentGateway, attemptId: string): Promise<{ outcome: RenewalChargeOutcome }> {
  return asJob(db, "renewals", async (trx) => {
    const attempt = await trx
      .selectFrom("renewal_attempts")
      .select(["id", "org_id", "product_id", "period_expires_at", "status", sql<string>`attempt_day::text`.as("attempt_day")])
      .where("id", "=", attemptId)
      .forUpdate()
      .executeTakeFirst();
    if (!attempt || attempt.status !== "queued") return { outcome: "nothing" as const };
    // From here on the transaction acts for the product's organization only (migration 0015).
    return transaction(trx, (orgTrx) => chargeForOrganization(orgTrx, gateway, attempt), { "app.org_ids": attempt.org_id });
  });
}

async function chargeForOrganization(trx: Tx, gateway: PaymentGateway, attempt: AttemptRow): Promise<{ outcome: RenewalChargeOutcome }> {
  const product = await trx
    .selectFrom("products")
    .select(["id", "name", "auto_renew", "expires_at", "renewal_months", "product_type_code", "auto_renew_payment_method_id"])
    .where("id", "=", attempt.product_id)
    .where("org_id", "=", attempt.org_id)
    .forUpdate()
    .executeTakeFirst();
  const skip = async (reason: string) => {
    await trx.updateTable("renewal_attempts").set({ status: "skipped", failure_reason: reason }).where("id", "=", attempt.id).execute();
    return { outcome: "skipped" as const };
  };
  if (!product || !product.product_type_code) return skip("no_product");
  if (product.expires_at?.getTime() !== attempt.period_expires_at.getTime()) return skip("already_renewed");
  if (!product.auto_renew) return skip("auto_renew_off");
  const busy = await trx
    .selectFrom("renewal_attempts")
    .select("id")
    .where("product_id", "=", attempt.product_id)
    .where("period_expires_at", "=", attempt.period_expires_at)
    .where("status", "in", ["charging", "succeeded"])
    .executeTakeFirst();
  if (busy) return skip("charge_under_way");

  // P-9/C-5: when the client's partner pays, the partner's order (its prices, its prepaid
  // account, its saved method) renews the client's product.
  const partnerOrgId = await payingPartnerOf(trx, attempt.org_id);
  if (partnerOrgId) await actAlsoFor(trx, partnerOrgId);
  const billedOrgId = partnerOrgId ?? attempt.org_id;
  const org = await trx
    .selectFrom("organizations as o")
    .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
    .select(["o.id", "o.currency", "o.country", "o.vat_id", "u.locale"])
    .where("o.id", "=", billedOrgId)
    .executeTakeFirstOrThrow();
  const type = await trx
    .selectFrom("product_types")
    .select(["code", "name", "kind", "billing_period", "renewal_months", "price_chf", "price_eur"])
    .where("code", "=", product.product_type_code)
    .executeTakeFirstOrThrow();
  const months = product.renewal_months ?? type.renewal_months[0];
  const unit = org.currency === "CHF" ? type.price_chf : type.price_eur;
  const locale: UiLocale = isLocale(org.locale) ? org.locale : "de";
  const line = partnerOrgId
    ? (
        await partnerPricedLines(trx, partnerOrgId, org.currency, [
          { id: product.id, name: product.name, type_code: type.code, type_name: type.name, kind: type.kind, billing_period: type.billing_period, months, price_chf: type.price_chf, price_eur: type.price_eur },
        ])
      ).map(({ rate_bp: _rate, ...l }) => l)[0]
    : {
        product_id: product.id,
        product_type_code: type.code,
        description: `${type.name}: ${product.name}`,
        months,
        unit_amount: unit,
        quantity: Math.max(1, Math.round(months / monthsPerPeriod(type.billing_period))),
        discount_amount: 0,
        net_amount: renewalAmount(unit, org.currency, type.billing_period, months).amount,
      };
  const orderId = await createOrder(trx, AUTO_RENEWAL, org, "renewal", locale, [line], partnerOrgId ? { clientOrgId: attempt.org_id } : {});
  await trx.updateTable("renewal_attempts").set({ order_id: orderId }).where("id", "=", attempt.id).execute();
  const order = await trx.selectFrom("orders").select(["total_amount", "currency"]).where("id", "=", orderId).executeTakeFirstOrThrow();

  // B-9: the prepaid balance first.
  await ensurePrepaidAccount(trx, org.id, org.currency);
  const account = await trx.selectFrom("prepaid_accounts").select("balance").where("org_id", "=", org.id).forUpdate().executeTakeFirstOrThrow();
  const fromPrepaid = Math.min(account.balance, order.total_amount);
  if (fromPrepaid > 0) {
    const payment = await trx
      .insertInto("payments")
      .values({
        org_id: org.id,
        order_id: orderId,
        method: "prepaid",
        amount: fromPrepaid,
        currency: order.currency,
        status: "succeeded",
        idempotency_key: `prepaid-renewal-${attempt.id}`,
        settled_at: now(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await prepaidEntry(trx, org.id, { kind: "payment", amount: -fromPrepaid, paymentId: payment.id, orderId });
    await audit(trx, AUTO_RENEWAL, { orgId: org.id, action: "payment.prepaid", targetType: "order", targetId: orderId, data: { amount: fromPrepaid, attempt: attempt.id } });
  }
  const due = order.total_amount - fromPrepaid;
  if (due <= 0) {
    await settleOrder(trx, AUTO_RENEWAL, orderId);
    await markSucceeded(trx, attempt.id);
    return { outcome: "succeeded" };
  }

  const saved = partnerOrgId
    ? await trx
        .selectFrom("saved_payment_methods")
        .select(["method", "gateway_token"])
        .where("org_id", "=", partnerOrgId)
        .orderBy("created_at", "desc")
        .orderBy("id")
        .limit(1)
        .executeTakeFirst()
    : product.auto_renew_payment_method_id
    ? await trx
        .selectFrom("saved_payment_methods")
        .select(["method", "gateway_token"])
        .where("id", "=", product.auto_renew_payment_method_id)
        .where("org_id", "=", org.id)
        .executeTakeFirst()
    : undefined;
  if (!saved) {
    await markFailed(trx, attempt.id, "no_saved_method");
    return { outcome: "failed" };
  }
  // At most one charge per product and period is under way (renewal_attempts_one_charge_idx).
  await trx.updateTable("renewal_attempts").set({ status: "charging" }).where("id", "=", attempt.id).execute();
  const idempotencyKey = `renewal-${attempt.id}`;
  const payment = await trx
    .insertInto("payments")
    .values({ org_id: org.id, order_id: orderId, method: saved.method, amount: due, currency: order.currency, idempotency_key: idempotencyKey, gateway_reference: `pending-${idempotencyKey}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  // Last, so nothing after the charge can roll the payment's record back; a retried job
  // sends the same idempotency key, and the gateway does not charge it twice.
  const charge = await gateway.chargeSavedMethod({
    amount: due,
    currency: order.currency,
    method: saved.method as SavedMethod,
    token: saved.gateway_token,
    idempotencyKey,
    description: `Renewal ${product.name}`,
    metadata: { orgId: org.id, paymentId: payment.id },
  });
  await trx.updateTable("payments").set({ gateway_reference: charge.reference }).where("id", "=", payment.id).execute();
  await audit(trx, AUTO_RENEWAL, {
    orgId: org.id,
    action: "payment.started",
    targetType: "order",
    targetId: orderId,
    data: { method: saved.method, amount: due, reference: charge.reference, attempt: attempt.id, offSession: true },
  });
  return { outcome: "charging" };
}

/** B-4: the webhook confirmed the charge of an auto-renewal order (already settled: invoice issued, expiry extended). */
export async function renewalChargeSucceeded(trx: Tx, orderId: string): Promise<void> {
  const attempt = await trx.selectFrom("renewal_attempts").select("id").where("order_id", "=", orderId).where("status", "=", "charging").forUpdate().executeTakeFirst();
  if (attempt) await markSucceeded(trx, attempt.id);
}

/** B-4/B-9: the webhook refused the charge of an auto-renewal order (the prepaid part was already given back). */
export async function renewalChargeFailed(trx: Tx, orderId: string, reason: string): Promise<void> {
  const attempt = await trx.selectFrom("renewal_attempts").select("id").where("order_id", "=", orderId).where("status", "=", "charging").forUpdate().executeTakeFirst();
  if (attempt) await markFailed(trx, attempt.id, reason);
}

async function attemptFacts(trx: Tx, attemptId: string) {
  return trx
    .selectFrom("renewal_attempts as a")
    .innerJoin("products as p", "p.id", "a.product_id")
    .leftJoin("orders as r", "r.id", "a.order_id")
    // P-9/C-5: the organization that pays (a partner for its client) is told, in its currency.
    .innerJoin("organizations as o", (j) => j.on(sql<boolean>`o.id = coalesce(r.org_id, a.org_id)`))
    .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
    .leftJoin("invoices as i", "i.order_id", "a.order_id")
    .select([
      "a.id",
      "a.org_id",
      "a.order_id",
      "a.period_expires_at",
      sql<string>`a.attempt_day::text`.as("attempt_day"),
      "p.id as product_id",
      "p.name as product_name",
      "p.expires_at",
      "u.email",
      "u.locale",
      "r.total_amount",
      "r.status as order_status",
      "o.currency",
      "o.id as payer_org_id",
      "i.number as invoice_number",
    ])
    .where("a.id", "=", attemptId)
    .executeTakeFirstOrThrow();
}

async function markSucceeded(trx: Tx, attemptId: string): Promise<void> {
  await trx.updateTable("renewal_attempts").set({ status: "succeeded", failure_reason: null }).where("id", "=", attemptId).execute();
  const f = await attemptFacts(trx, attemptId);
  const locale: UiLocale = isLocale(f.locale) ? f.locale : "de";
  const t = translator(locale);
  const vars = {
    product: f.product_name,
    amount: formatMoney(f.total_amount ?? 0, f.currency as Currency, locale),
    expiry: f.expires_at ? formatDate(f.expires_at, locale) : "",
    invoice: f.invoice_number ?? "",
  };
  await audit(trx, AUTO_RENEWAL, { orgId: f.org_id, action: "renewal.auto_charged", targetType: "product", targetId: f.product_id, data: { attempt: attemptId, order: f.order_id } });
  await queueMail(trx, {
    orgId: f.payer_org_id,
    to: f.email,
    subject: t("billing.autoRenewal.mail.succeededSubject", vars),
    text: t("billing.autoRenewal.mail.succeededText", vars),
    kind: "auto_renewal_succeeded",
  });
}

async function markFailed(trx: Tx, attemptId: string, reason: string): Promise<void> {
  const f = await attemptFacts(trx, attemptId);
  // B-9: what the prepaid account paid goes back; the order is closed, the product stays due.
  if (f.order_id) {
    await refundPrepaidParts(trx, AUTO_RENEWAL, f.order_id);
    if (f.order_status === "pending") await trx.updateTable("orders").set({ status: "cancelled" }).where("id", "=", f.order_id).execute();
  }
  await trx.updateTable("renewal_attempts").set({ status: "failed", failure_reason: reason }).where("id", "=", attemptId).execute();
  const locale: UiLocale = isLocale(f.locale) ? f.locale : "de";
  const t = translator(locale);
  const retryDay = nextAttemptDay(f.period_expires_at, f.attempt_day);
  const vars = {
    product: f.product_name,
    amount: formatMoney(f.total_amount ?? 0, f.currency as Currency, locale),
    expiry: formatDate(f.period_expires_at, locale),
    retry: retryDay ? formatDate(`${retryDay}T12:00:00Z`, locale) : "",
  };
  await audit(trx, AUTO_RENEWAL, { orgId: f.org_id, action: "renewal.auto_charge_failed", targetType: "product", targetId: f.product_id, data: { attempt: attemptId, reason, retry: retryDay } });
  await queueMail(trx, {
    orgId: f.payer_org_id,
    to: f.email,
    subject: t("billing.autoRenewal.mail.failedSubject", vars),
    text: t(retryDay ? "billing.autoRenewal.mail.failedRetryText" : "billing.autoRenewal.mail.failedFinalText", vars),
    kind: retryDay ? "auto_renewal_failed_retry" : "auto_renewal_failed_final",
  });
}

/** B-4: the next charge day after a failed attempt (10, 7, 3, 1 days before expiry), `YYYY-MM-DD`, or null after the last. */
export function nextAttemptDay(expiresAt: Date, attemptDay: string): string | null {
  const expiryDay = Date.parse(`${billingDay(expiresAt)}T00:00:00Z`);
  const daysBefore = Math.round((expiryDay - Date.parse(`${attemptDay}T00:00:00Z`)) / DAY);
  const next = CHARGE_ATTEMPT_DAYS_BEFORE_EXPIRY.find((d) => d < daysBefore);
  return next === undefined ? null : new Date(expiryDay - next * DAY).toISOString().slice(0, 10);
}
