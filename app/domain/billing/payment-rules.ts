import type { Currency } from "./money";

// B-8/B-10: which methods pay what, and the limits of one prepaid deposit.
export const PAY_METHODS = ["visa", "mastercard", "cb", "postfinance", "paypal", "twint", "iban", "prepaid"] as const;
export type PayMethod = (typeof PAY_METHODS)[number];
export const TOPUP_METHODS = ["visa", "mastercard", "cb", "postfinance", "iban"] as const;
export type TopUpMethod = (typeof TOPUP_METHODS)[number];

/** B-10: one deposit is between 0.10 and 9999.00 (minor units), in the account's currency. */
export const MIN_TOPUP = 10;
export const MAX_TOPUP = 999_900;

/** B-8: PostFinance card only when the organization pays in CHF. */
export function methodAllowedFor(method: PayMethod, currency: Currency): boolean {
  return method !== "postfinance" || currency === "CHF";
}

export function topUpAmountAllowed(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount >= MIN_TOPUP && amount <= MAX_TOPUP;
}

/** "12.34" or "12,34" → 1234 minor units; null when it is not an amount with at most 2 decimals. */
export function parseAmount(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}
