import type { Actor } from "../../auth/actor";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { renewalChargeFailed, renewalChargeSucceeded } from "../billing/auto-renewal-charge.server";
import { refundPrepaidParts, settleOrder, switchOnAutoRenewalAfterPayment } from "../billing/checkout.server";
import { actAlsoFor, transaction, type Handle } from "../tx.server";
import { InvalidWebhook, type PaymentGateway } from "./gateway";

export type WebhookOutcome = "processed" | "duplicate" | "ignored";

/**
 * The event names a payment this database does not know (yet): the transaction that
 * records it may not have committed. Nothing is recorded, and the gateway retries.
 */
export class UnknownPayment extends Error {
  constructor() {
    super("unknown_payment");
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The gateway acts on its own, for no user. */
const GATEWAY: Actor = { kind: "anonymous" };

/**
 * A payment gateway's webhook: verified (signature, timestamp) before anything is read;
 * its event id recorded once, so a replay changes nothing; only then the payment is marked
 * succeeded or failed and the order settled (B-9: a failure gives the prepaid part back).
 * Throws InvalidWebhook for a forged or stale request.
 */
export async function handlePaymentWebhook(db: Handle, gateway: PaymentGateway, rawBody: string, headers: Headers): Promise<WebhookOutcome> {
  const event = gateway.verifyWebhook(rawBody, headers, now());
  const orgId = event.data.metadata.orgId;
  if (!uuid.test(orgId)) throw new InvalidWebhook("bad organization");
  // The signed event names its organization: the transaction acts for that one only.
  return transaction(
    db,
    async (trx) => {
      const recorded = await trx
        .insertInto("payment_webhook_events")
        .values({ event_id: event.id, org_id: orgId, type: event.type })
        .onConflict((oc) => oc.column("event_id").doNothing())
        .returning("event_id")
        .executeTakeFirst();
      if (!recorded) return "duplicate";
      const payment = await trx
        .selectFrom("payments")
        .selectAll()
        .where("org_id", "=", orgId)
        .where("gateway_reference", "=", event.data.reference)
        .forUpdate()
        .executeTakeFirst();
      if (!payment) throw new UnknownPayment(); // rolls back the event id: a retry is processed
      await trx.updateTable("payment_webhook_events").set({ payment_id: payment.id }).where("event_id", "=", event.id).execute();
      // P-9/C-5: a partner's payment for a client's products settles them in the client's organization too.
      const paidFor = await trx.selectFrom("orders").select("client_org_id").where("id", "=", payment.order_id).executeTakeFirst();
      if (paidFor?.client_org_id) await actAlsoFor(trx, paidFor.client_org_id);
      if (payment.status !== "pending" || payment.amount !== event.data.amount || payment.currency !== event.data.currency) {
        await audit(trx, GATEWAY, { orgId, action: "payment.webhook_ignored", targetType: "payment", targetId: payment.id, data: { event: event.id, type: event.type, status: payment.status } });
        return "ignored";
      }
      if (event.type === "payment.succeeded") {
        const country = event.data.country && /^[A-Z]{2}$/.test(event.data.country) ? event.data.country : null;
        await trx.updateTable("payments").set({ status: "succeeded", settled_at: now(), country }).where("id", "=", payment.id).execute();
        await audit(trx, GATEWAY, { orgId, action: "payment.succeeded", targetType: "order", targetId: payment.order_id, data: { event: event.id, method: payment.method, amount: payment.amount } });
        const order = await trx.selectFrom("orders").select("status").where("id", "=", payment.order_id).executeTakeFirstOrThrow();
        if (order.status !== "pending") {
          // Paid twice (an older attempt confirmed late): the money goes back.
          await gateway.refund(event.data.reference, payment.amount);
          await trx.updateTable("payments").set({ status: "refunded" }).where("id", "=", payment.id).execute();
          await audit(trx, GATEWAY, { orgId, action: "payment.refunded", targetType: "order", targetId: payment.order_id, data: { amount: payment.amount } });
          return "processed";
        }
        // Settled first: a paid order of new products creates them, so B-2 reaches them too.
        await settleOrder(trx, GATEWAY, payment.order_id);
        await switchOnAutoRenewalAfterPayment(trx, GATEWAY, payment.order_id, payment.method, event.data.paymentMethod);
        await renewalChargeSucceeded(trx, payment.order_id);
        return "processed";
      }
      await trx
        .updateTable("payments")
        .set({ status: "failed", failure_reason: event.data.failureReason ?? "failed", settled_at: now() })
        .where("id", "=", payment.id)
        .execute();
      await audit(trx, GATEWAY, { orgId, action: "payment.failed", targetType: "order", targetId: payment.order_id, data: { event: event.id, reason: event.data.failureReason } });
      await refundPrepaidParts(trx, GATEWAY, payment.order_id);
      await renewalChargeFailed(trx, payment.order_id, event.data.failureReason ?? "failed");
      return "processed";
    },
    { "app.org_ids": orgId, "app.user_id": "", "app.staff_role": "" },
  );
}
