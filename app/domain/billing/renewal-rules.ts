import type { AutoRenewMethod, BillingPeriod } from "../../../db/schema";
import { DAY } from "../../lib/clock";
import { money, multiply, type Currency, type Money } from "./money";

/** B-2/B-3: the payment methods that can charge an auto-renewal without the customer. */
export const AUTO_RENEW_METHODS = ["visa", "mastercard", "cb", "twint"] as const satisfies readonly AutoRenewMethod[];

/** B-4: the first charge attempt of an auto-renewal, this many days before expiry. */
export const FIRST_CHARGE_DAYS_BEFORE_EXPIRY = 14;

/**
 * B-4: the days before expiry on which auto-renewal tries to charge: the first attempt,
 * then the retries after a failed charge.
 */
export const CHARGE_ATTEMPT_DAYS_BEFORE_EXPIRY = [FIRST_CHARGE_DAYS_BEFORE_EXPIRY, 10, 7, 3, 1] as const;

/** Charge days are calendar days where the provider bills: Switzerland. */
export const BILLING_TIME_ZONE = "Europe/Zurich";

/** The calendar day of `at` in the billing time zone, `YYYY-MM-DD`. */
export function billingDay(at: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: BILLING_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** B-4: when the first charge attempt of an auto-renewal happens. */
export function firstChargeAttemptAt(expiresAt: Date): Date {
  return new Date(expiresAt.getTime() - FIRST_CHARGE_DAYS_BEFORE_EXPIRY * DAY);
}

/**
 * B-3/B-4: auto-renewal can be switched on only while the first charge attempt is still
 * ahead (at least 14 days before expiry); later it would already be late.
 */
export function canSwitchOnAutoRenewal(expiresAt: Date | null, at: Date): boolean {
  return expiresAt !== null && at.getTime() <= firstChargeAttemptAt(expiresAt).getTime();
}

export function monthsPerPeriod(period: BillingPeriod): number {
  return period === "year" ? 12 : 1;
}

export interface PriceTier {
  minQuantity: number;
  price: number;
}

/** The unit price per billing period for `quantity` units: the highest tier reached, else the base price. */
export function unitPriceFor(basePrice: number, tiers: readonly PriceTier[], quantity: number): number {
  let best: PriceTier | undefined;
  for (const tier of tiers) {
    if (tier.minQuantity <= quantity && (!best || tier.minQuantity > best.minQuantity)) best = tier;
  }
  return best ? best.price : basePrice;
}

/** B-13: what renewing for `months` costs, from the price per billing period. */
export function renewalAmount(pricePerPeriod: number, currency: Currency, period: BillingPeriod, months: number): Money {
  return multiply(money(pricePerPeriod, currency), months / monthsPerPeriod(period));
}
