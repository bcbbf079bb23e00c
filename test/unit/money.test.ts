import { describe, expect, it } from "vitest";
import { add, formatMoney, money, multiply, percentage, sum } from "../../app/domain/billing/money";
import {
  canSwitchOnAutoRenewal,
  firstChargeAttemptAt,
  renewalAmount,
  unitPriceFor,
} from "../../app/domain/billing/renewal-rules";

// Intl puts a no-break space after the currency code; ICU versions differ on the Swiss
// grouping apostrophe (’ or '), so the comparison folds both.
const plain = (s: string) => s.replace(/\u00a0|\u202f/g, " ").replace(/\u2019/g, "'");

describe("money", () => {
  it("keeps integer minor units and refuses fractions of a centime", () => {
    expect(money(123450, "CHF")).toEqual({ amount: 123450, currency: "CHF" });
    expect(() => money(10.5, "CHF")).toThrow(RangeError);
  });

  it("adds amounts of one currency and refuses to mix currencies", () => {
    expect(add(money(1050, "CHF"), money(995, "CHF"))).toEqual(money(2045, "CHF"));
    expect(sum("EUR", [money(1, "EUR"), money(2, "EUR"), money(3, "EUR")])).toEqual(money(6, "EUR"));
    expect(() => add(money(1, "CHF"), money(1, "EUR"))).toThrow(RangeError);
  });

  it("multiplies and takes percentages rounding half up to the centime", () => {
    expect(multiply(money(1590, "CHF"), 3)).toEqual(money(4770, "CHF"));
    expect(multiply(money(1, "CHF"), 0.5)).toEqual(money(1, "CHF")); // 0.5 centime → 1
    expect(multiply(money(3, "CHF"), 0.5)).toEqual(money(2, "CHF")); // 1.5 → 2
    expect(multiply(money(-3, "CHF"), 0.5)).toEqual(money(-2, "CHF")); // half away from zero
    expect(multiply(money(1000, "EUR"), 1 / 3)).toEqual(money(333, "EUR"));
    // 8.1 % of CHF 1000.05 = 81.004 → 81.00; of CHF 100.50 = 8.1405 → 8.14; of CHF 0.50 = 0.0405 → 0.04
    expect(percentage(money(100005, "CHF"), 8.1)).toEqual(money(8100, "CHF"));
    expect(percentage(money(10050, "CHF"), 8.1)).toEqual(money(814, "CHF"));
    expect(percentage(money(50, "CHF"), 8.1)).toEqual(money(4, "CHF"));
    // 7.7 % of CHF 6.50 = 0.5005 → 0.50; of CHF 0.50 at 10 % = 0.05 exactly
    expect(percentage(money(650, "CHF"), 7.7)).toEqual(money(50, "CHF"));
    expect(percentage(money(25, "CHF"), 10)).toEqual(money(3, "CHF")); // 2.5 → 3
  });

  it("formats with Intl.NumberFormat: de-CH shows CHF 1’234.50", () => {
    expect(plain(formatMoney(123450, "CHF", "de-CH"))).toBe("CHF 1'234.50");
    expect(plain(formatMoney(5, "CHF", "de-CH"))).toBe("CHF 0.05");
    expect(plain(formatMoney(123450, "EUR", "fr-CH"))).toMatch(/^1 234[.,]50 €$/);
  });
});

describe("renewal rules", () => {
  it("B-4: the first charge attempt of an auto-renewal is 14 days before expiry", () => {
    const expiry = new Date("2027-03-31T10:00:00Z");
    expect(firstChargeAttemptAt(expiry).toISOString()).toBe("2027-03-17T10:00:00.000Z");
    expect(canSwitchOnAutoRenewal(expiry, new Date("2027-03-17T10:00:00Z"))).toBe(true);
    expect(canSwitchOnAutoRenewal(expiry, new Date("2027-03-17T10:00:01Z"))).toBe(false);
    expect(canSwitchOnAutoRenewal(null, new Date("2027-01-01T00:00:00Z"))).toBe(false);
  });

  it("B-13: the amount follows the chosen period, from the price per billing period", () => {
    expect(renewalAmount(1590, "CHF", "year", 12)).toEqual(money(1590, "CHF"));
    expect(renewalAmount(1590, "CHF", "year", 36)).toEqual(money(4770, "CHF"));
    expect(renewalAmount(300, "EUR", "month", 6)).toEqual(money(1800, "EUR"));
  });

  it("B-1: web hosting volume prices take the highest tier the quantity reaches", () => {
    const tiers = [
      { minQuantity: 1, price: 990 },
      { minQuantity: 5, price: 890 },
      { minQuantity: 20, price: 790 },
    ];
    expect(unitPriceFor(990, tiers, 1)).toBe(990);
    expect(unitPriceFor(990, tiers, 4)).toBe(990);
    expect(unitPriceFor(990, tiers, 5)).toBe(890);
    expect(unitPriceFor(990, tiers, 100)).toBe(790);
    expect(unitPriceFor(1590, [], 3)).toBe(1590);
  });
});
