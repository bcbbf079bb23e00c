import type { Database } from "../../db/client";
import { chargeRenewalAttempt } from "../../app/domain/billing/auto-renewal-charge.server";
import { paymentGateway } from "../../app/domain/payments/sandbox-gateway.server";
import type { JobPayload } from "../queues";

/**
 * The `renew-product` job (B-4, B-9): charges one auto-renewal attempt the daily sweep
 * recorded. Safe to run again: an attempt that is no longer queued does nothing.
 */
export async function renewProduct(db: Database, payload: JobPayload<"renew-product">) {
  return chargeRenewalAttempt(db, paymentGateway(), payload.attemptId);
}
