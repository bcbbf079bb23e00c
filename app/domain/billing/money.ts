// Money is an integer amount of minor units (centimes, cents) plus its currency. Every
// operation that can produce fractions of a minor unit rounds explicitly, half up (away
// from zero, the commercial rule) to the centime or cent, computed on integers (BigInt)
// so that 8.1 % of 1000.05 never suffers from binary floating point.
export const CURRENCIES = ["CHF", "EUR"] as const;
export type Currency = (typeof CURRENCIES)[number];

export interface Money {
  readonly amount: number;
  readonly currency: Currency;
}

/** Decimal places kept from a factor or a percentage (e.g. 8.1 %, 0.3333). */
const FACTOR_SCALE = 1_000_000n;

export function money(amount: number, currency: Currency): Money {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`money amounts are integer minor units, got ${amount}`);
  if (!CURRENCIES.includes(currency)) throw new RangeError(`unknown currency ${currency}`);
  return { amount, currency };
}

export function add(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} and ${b.currency}`);
  return money(a.amount + b.amount, a.currency);
}

export function sum(currency: Currency, items: readonly Money[]): Money {
  return items.reduce((total, m) => add(total, m), money(0, currency));
}

/** a × factor, rounded half up to the minor unit. */
export function multiply(a: Money, factor: number): Money {
  return money(scaleRounded(a.amount, toScaled(factor), FACTOR_SCALE), a.currency);
}

/** `percent` % of a (8.1 → 8.1 %), rounded half up to the minor unit. */
export function percentage(a: Money, percent: number): Money {
  return money(scaleRounded(a.amount, toScaled(percent), FACTOR_SCALE * 100n), a.currency);
}

function toScaled(factor: number): bigint {
  if (!Number.isFinite(factor)) throw new RangeError(`not a finite factor: ${factor}`);
  return BigInt(Math.round(factor * Number(FACTOR_SCALE)));
}

/** amount × numerator / denominator, rounded half away from zero. */
function scaleRounded(amount: number, numerator: bigint, denominator: bigint): number {
  const product = BigInt(amount) * numerator;
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs * 2n + denominator) / (denominator * 2n);
  return Number(negative ? -rounded : rounded);
}

// Building a NumberFormat costs far more than using one: one per locale and currency.
const formatters = new Map<string, Intl.NumberFormat>();

/** Formats minor units for display, e.g. de-CH: `CHF 1’234.50` (the separator is ICU's). */
export function formatMoney(amount: number, currency: Currency, locale: string): string {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    formatters.set(key, formatter);
  }
  return formatter.format(amount / 100);
}
