import type { Database } from "../../db/client";
import { cancelHeldOrder, dueHeldOrders } from "../../app/domain/security/order-screening.server";
import { paymentGateway } from "../../app/domain/payments/sandbox-gateway.server";

/** B-14: cancels and refunds held orders without a reaction within 10 days (idempotent). */
export async function cancelHeldOrders(db: Database): Promise<{ cancelled: number }> {
  let cancelled = 0;
  for (const block of await dueHeldOrders(db)) {
    if (await cancelHeldOrder(db, paymentGateway(), block)) cancelled++;
  }
  return { cancelled };
}
