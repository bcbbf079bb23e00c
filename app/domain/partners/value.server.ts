import { sql } from "kysely";
import type { Currency } from "../billing/money";
import { NotFound } from "../errors";
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
 * Runs in the caller's transaction, which must act for `orgId` (migration 0036: one check of
 * that, instead of the tenant policies' per-row one over thousands of delegated clients).
 */
export async function partnerProgramValue(trx: Tx, orgId: string): Promise<ProgramValue> {
  const { rows } = await sql<{ currency: Currency; amount: number; products: number; clients: number }>`
    select currency, amount, products, clients from portal_partner_program_value(${orgId}::uuid)`.execute(trx);
  const row = rows[0];
  if (!row) throw new NotFound();
  const amount = Number(row.amount);
  const threshold = PARTNER_THRESHOLD[row.currency];
  return { currency: row.currency, amount, threshold, missing: Math.max(0, threshold - amount), products: row.products, clients: row.clients };
}
