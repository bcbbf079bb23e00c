import { sql } from "kysely";
import type { Currency } from "../billing/money";
import type { Tx } from "../tx.server";

// P-2: the yearly value managed through the program must reach CHF 2000 or EUR 1800.
export const PARTNER_THRESHOLD: Record<Currency, number> = { CHF: 200_000, EUR: 180_000 };

export interface ProgramValue {
  currency: Currency;
  amount: number;
  threshold: number;
  missing: number;
  products: number;
  clients: number;
}

/**
 * The yearly value of the products of the organization and of its ACTIVE clients, from the
 * catalog's prices in the organization's currency (a monthly price counts twelve times).
 * Runs in the caller's transaction, which must act for `orgId` (the partner policy on
 * products then lets the active clients' products through).
 */
export async function partnerProgramValue(trx: Tx, orgId: string): Promise<ProgramValue> {
  const org = await trx.selectFrom("organizations").select("currency").where("id", "=", orgId).executeTakeFirstOrThrow();
  const currency = org.currency as Currency;
  const price = currency === "CHF" ? sql.ref("t.price_chf") : sql.ref("t.price_eur");
  const row = await trx
    .selectFrom("products as p")
    .innerJoin("product_types as t", "t.code", "p.product_type_code")
    .select([
      sql<string>`coalesce(sum(case when t.billing_period = 'month' then ${price} * 12 else ${price} end), 0)`.as("amount"),
      sql<number>`count(*)::int`.as("products"),
      sql<number>`(count(distinct p.org_id) filter (where p.org_id <> ${orgId}))::int`.as("clients"),
    ])
    .where((eb) =>
      eb.or([
        eb("p.org_id", "=", orgId),
        eb("p.org_id", "in", eb.selectFrom("partner_client_links").select("client_org_id").where("org_id", "=", orgId).where("state", "=", "active")),
      ]),
    )
    .executeTakeFirstOrThrow();
  const amount = Number(row.amount);
  const threshold = PARTNER_THRESHOLD[currency];
  return { currency, amount, threshold, missing: Math.max(0, threshold - amount), products: row.products, clients: row.clients };
}
