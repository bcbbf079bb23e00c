import { sql } from "kysely";
import { toCount } from "../../../db/client";
import { allows, assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { membershipOf } from "../../auth/actor";
import { config } from "../../config.server";
import { pickLocale, translator } from "../../i18n/index";
import { addMs, DAY, now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { refundPrepaidParts } from "../billing/checkout.server";
import { formatMoney } from "../billing/money";
import { asJob } from "../jobs/as-job.server";
import type { PaymentGateway } from "../payments/gateway";
import { Conflict, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import type { ProductActing } from "../products/queries.server";
import { transaction, withActor, type Handle, type Tx } from "../tx.server";
import { renewUploadLink, startIdentityCheck } from "./identity-links.server";

// B-14: rules mark a new order as suspicious when it is about to be completed (paid): a
// brand name of the configured list in a domain name ordered, a card issued in another
// country than the organization's, or many new orders in a short time. A suspicious order is
// held: not completed, no product, no invoice. The customer is told by e-mail how to release
// it (an identity check, S-5) and can have that e-mail sent again from the orders page.
// Approving the check (K-3) completes the order.

export const NOTICE_RESEND_INTERVAL_MS = 5 * 60 * 1000;
/** B-14: without a reaction within 10 days, a held order is cancelled and refunded. */
export const HELD_ORDER_DEADLINE_MS = 10 * DAY;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ScreenedOrder {
  id: string;
  org_id: string;
  kind: string;
  created_by: string | null;
  created_at: Date;
  currency: "CHF" | "EUR";
  total_amount: number;
}

/** The rules that a new order trips (empty: nothing suspicious). Pure reads. */
export async function suspicionReasons(trx: Tx, order: ScreenedOrder): Promise<string[]> {
  const reasons: string[] = [];
  const brands = config.orderBrandWatchlist;
  const domains = await trx
    .selectFrom("order_lines as l")
    .innerJoin("product_types as t", "t.code", "l.product_type_code")
    .select("l.new_product_name")
    .where("l.order_id", "=", order.id)
    .where("t.kind", "=", "domain")
    .execute();
  for (const { new_product_name } of domains) {
    const label = (new_product_name ?? "").split(".")[0];
    const brand = brands.find((b) => label.includes(b));
    if (brand) reasons.push(`brand:${brand}`);
  }
  const org = await trx.selectFrom("organizations").select("country").where("id", "=", order.org_id).executeTakeFirstOrThrow();
  const foreign = await trx
    .selectFrom("payments")
    .select("country")
    .where("order_id", "=", order.id)
    .where("status", "=", "succeeded")
    .where("country", "is not", null)
    .where("country", "<>", org.country)
    .executeTakeFirst();
  if (foreign?.country) reasons.push(`payment_country:${foreign.country}`);
  const { max, windowMinutes } = config.orderVelocity;
  const recent = toCount(
    (
      await trx
        .selectFrom("orders")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("org_id", "=", order.org_id)
        .where("kind", "=", "new")
        .where("created_at", ">", addMs(order.created_at, -windowMinutes * 60_000))
        .where("created_at", "<=", order.created_at)
        .executeTakeFirstOrThrow()
    ).n,
  );
  if (recent > max) reasons.push(`velocity:${recent}`);
  return reasons;
}

/** Who is told: the member who placed the order, or the legal representative if they are no longer a member. */
async function customerOf(trx: Tx, order: ScreenedOrder) {
  const stillMember = order.created_by
    ? await trx.selectFrom("memberships").select("user_id").where("org_id", "=", order.org_id).where("user_id", "=", order.created_by).executeTakeFirst()
    : undefined;
  const userId =
    stillMember?.user_id ?? (await trx.selectFrom("organizations").select("legal_rep_user_id").where("id", "=", order.org_id).executeTakeFirstOrThrow()).legal_rep_user_id;
  return trx.selectFrom("users").select(["id", "email", "name", "locale"]).where("id", "=", userId).executeTakeFirstOrThrow();
}

async function sendBlockNotice(trx: Tx, order: ScreenedOrder, user: { email: string; name: string; locale: string }, link: string) {
  const t = translator(pickLocale(user.locale, null));
  const description = await trx
    .selectFrom("order_lines")
    .select(sql<string>`string_agg(description, '; ' order by position)`.as("d"))
    .where("order_id", "=", order.id)
    .executeTakeFirst();
  await queueMail(trx, {
    orgId: order.org_id,
    to: user.email,
    subject: t("blocked.mail.subject"),
    text: t("blocked.mail.body", {
      name: user.name,
      order: order.id.slice(0, 8),
      description: description?.d ?? "",
      total: formatMoney(order.total_amount, order.currency, "de-CH"),
      link,
      ordersUrl: `${config.publicUrl}/orgs/${order.org_id}/billing/orders`,
    }),
    kind: "order_blocked",
  });
}

/**
 * B-14: screens a new order as it is about to be completed. Returns true when the order is
 * held (now or already), false when it may be completed (not new, nothing suspicious, or
 * released after its identity check). Called from settleOrder, in its transaction.
 */
export async function screenOrder(trx: Tx, actor: Actor, order: ScreenedOrder): Promise<boolean> {
  if (order.kind !== "new") return false;
  const existing = await trx.selectFrom("order_blocks").select("status").where("order_id", "=", order.id).executeTakeFirst();
  if (existing) return existing.status === "blocked";
  const reasons = await suspicionReasons(trx, order);
  if (reasons.length === 0) return false;
  const customer = await customerOf(trx, order);
  const check = await startIdentityCheck(trx, actor, { userId: customer.id, reason: "suspicious_order", orgId: order.org_id });
  const at = now();
  await trx
    .insertInto("order_blocks")
    .values({ org_id: order.org_id, order_id: order.id, reasons, identity_check_id: check.checkId, last_notice_at: at, created_at: at })
    .execute();
  await sendBlockNotice(trx, order, customer, check.link);
  await audit(trx, actor, { orgId: order.org_id, action: "order.blocked", targetType: "order", targetId: order.id, data: { reasons, identityCheckId: check.checkId } });
  return true;
}

/** The organization's held orders, for the banner of the orders page (administrators only). */
export async function blockedOrdersOf(db: Handle, acting: ProductActing, orgId: string) {
  if (!membershipOf(acting.actor, orgId) || !allows(acting.ability, "read", "BlockedOrder", { orgId })) return [];
  return withActor(db, acting.actor, (trx) =>
    trx
      .selectFrom("order_blocks as b")
      .innerJoin("orders as o", "o.id", "b.order_id")
      .leftJoin("identity_checks as c", "c.id", "b.identity_check_id")
      .select(["b.id", "b.order_id", "b.created_at", "b.last_notice_at", "o.total_amount", "o.currency", "c.status as check_status"])
      .where("b.org_id", "=", orgId)
      .where("b.status", "=", "blocked")
      .orderBy("b.created_at")
      .orderBy("b.id")
      .execute(),
  );
}

/**
 * B-14: sends the e-mail again with a fresh one-time link (the old link stops working). A
 * check already rejected or whose documents expired is replaced by a new one; a check whose
 * documents are being reviewed needs no new mail.
 */
export async function resendBlockNotice(db: Handle, acting: ProductActing, orgId: string, blockId: string): Promise<void> {
  if (!membershipOf(acting.actor, orgId) || !uuid.test(blockId)) throw new NotFound();
  assertCan(acting.ability, "update", "BlockedOrder", { orgId });
  await withActor(db, acting.actor, async (trx) => {
    const block = await trx.selectFrom("order_blocks").selectAll().where("org_id", "=", orgId).where("id", "=", blockId).forUpdate().executeTakeFirst();
    if (!block || block.status !== "blocked") throw new NotFound();
    const at = now();
    if (block.last_notice_at.getTime() > at.getTime() - NOTICE_RESEND_INTERVAL_MS) throw new Conflict("notice_recently_sent", "blocked.errors.recentlySent");
    const order = await trx
      .selectFrom("orders")
      .select(["id", "org_id", "kind", "created_by", "created_at", "currency", "total_amount"])
      .where("id", "=", block.order_id)
      .executeTakeFirstOrThrow();
    const check = await trx.selectFrom("identity_checks").select(["id", "status", "user_id"]).where("id", "=", block.identity_check_id).executeTakeFirstOrThrow();
    if (check.status === "submitted") throw new Conflict("identity_check_in_review", "blocked.errors.inReview");
    const customer = await customerOf(trx, order);
    let link: string;
    let checkId = check.id;
    if (check.status === "requested") {
      link = await renewUploadLink(trx, check.id);
    } else {
      const fresh = await startIdentityCheck(trx, acting.actor, { userId: customer.id, reason: "suspicious_order", orgId });
      link = fresh.link;
      checkId = fresh.checkId;
    }
    await trx
      .updateTable("order_blocks")
      .set((eb) => ({ identity_check_id: checkId, last_notice_at: at, notice_count: eb("notice_count", "+", 1) }))
      .where("id", "=", block.id)
      .execute();
    await sendBlockNotice(trx, order, customer, link);
    await audit(trx, acting.actor, { orgId, action: "order.block_notice_resent", targetType: "order", targetId: order.id, data: { identityCheckId: checkId } });
  });
}

/** The order blocks an identity check releases (read by the staff handling it). */
export async function blocksOfCheck(trx: Tx, checkId: string) {
  return trx.selectFrom("order_blocks").select(["id", "org_id", "order_id", "reasons", "status"]).where("identity_check_id", "=", checkId).execute();
}

/** The system cancels held orders on its own, for no user. */
const HELD_ORDERS: Actor = { kind: "anonymous" };

/** B-14: held orders past their 10 days (the job then handles each acting for its organization only). */
export async function dueHeldOrders(db: Handle): Promise<Array<{ id: string; org_id: string }>> {
  const cutoff = addMs(now(), -HELD_ORDER_DEADLINE_MS);
  return asJob(db, "held-orders", (trx) =>
    trx.selectFrom("order_blocks").select(["id", "org_id"]).where("status", "=", "blocked").where("created_at", "<=", cutoff).orderBy("created_at").orderBy("id").execute(),
  );
}

/**
 * B-14: cancels a held order that had no reaction within 10 days (its identity check was not
 * approved, and no documents are being checked) and refunds the full amount to the original
 * payment methods: the gateway for card and wallet payments, the prepaid account for its
 * part. Idempotent: the block is locked and marked cancelled with the payments in one
 * transaction, so a second run finds nothing to do (and the gateway's refund is keyed by the
 * payment's reference). Returns whether this run cancelled it.
 */
export async function cancelHeldOrder(db: Handle, gateway: PaymentGateway, block: { id: string; org_id: string }): Promise<boolean> {
  return transaction(
    db,
    async (trx) => {
      const held = await trx.selectFrom("order_blocks").selectAll().where("id", "=", block.id).where("org_id", "=", block.org_id).forUpdate().executeTakeFirst();
      const at = now();
      if (!held || held.status !== "blocked" || held.created_at.getTime() > addMs(at, -HELD_ORDER_DEADLINE_MS).getTime()) return false;
      const check = await trx.selectFrom("identity_checks").select(["id", "status"]).where("id", "=", held.identity_check_id).executeTakeFirst();
      if (check?.status === "submitted") return false; // documents are being checked: that is a reaction
      const order = await trx
        .selectFrom("orders")
        .select(["id", "org_id", "kind", "created_by", "created_at", "currency", "total_amount", "status"])
        .where("id", "=", held.order_id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const paid = await trx
        .selectFrom("payments")
        .select(["id", "method", "amount", "gateway_reference"])
        .where("order_id", "=", order.id)
        .where("status", "=", "succeeded")
        .where("method", "<>", "prepaid")
        .forUpdate()
        .execute();
      let refunded = 0;
      for (const p of paid) {
        if (!p.gateway_reference) continue;
        const { refundReference } = await gateway.refund(p.gateway_reference, p.amount);
        await trx.updateTable("payments").set({ status: "refunded" }).where("id", "=", p.id).execute();
        await audit(trx, HELD_ORDERS, { orgId: order.org_id, action: "payment.refunded", targetType: "order", targetId: order.id, data: { amount: p.amount, method: p.method, refundReference, cause: "held_order_cancelled" } });
        refunded += p.amount;
      }
      refunded += await refundPrepaidParts(trx, HELD_ORDERS, order.id);
      await trx.updateTable("orders").set({ status: "cancelled" }).where("id", "=", order.id).execute();
      await trx.updateTable("order_blocks").set({ status: "cancelled", cancelled_at: at }).where("id", "=", held.id).execute();
      // The upload link of a check still waiting for documents stops working.
      if (check?.status === "requested") await trx.updateTable("identity_checks").set({ upload_expires_at: at }).where("id", "=", check.id).execute();
      const customer = await customerOf(trx, order);
      const t = translator(pickLocale(customer.locale, null));
      await queueMail(trx, {
        orgId: order.org_id,
        to: customer.email,
        subject: t("blocked.cancelMail.subject"),
        text: t("blocked.cancelMail.body", { name: customer.name, order: order.id.slice(0, 8), total: formatMoney(refunded, order.currency, "de-CH") }),
        kind: "order_block_cancelled",
      });
      await audit(trx, HELD_ORDERS, { orgId: order.org_id, action: "order.cancelled_unreleased", targetType: "order", targetId: order.id, data: { refunded, reasons: held.reasons } });
      return true;
    },
    { "app.org_ids": block.org_id, "app.user_id": "", "app.staff_role": "" },
  );
}
