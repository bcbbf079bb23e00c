import { sql } from "kysely";
import { z } from "zod";
import { now } from "../../lib/clock";
import type { Tx } from "../tx.server";

// P-8: an affiliate's referral link (/signup?ref=<code>) records the organizations it brought.

/** A referral code as issued (see joinAffiliateProgram); anything else is ignored, never an error. */
export const referralCodeField = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{10}$/)
  .optional()
  .catch(undefined);

/**
 * Records that `referredOrgId` (which the transaction acts for) was referred by the affiliate
 * owning `code`. Returns false for an unknown code: sign-up goes on without a referral.
 */
export async function recordReferral(trx: Tx, code: string, referredOrgId: string): Promise<boolean> {
  const { rows } = await sql<{ recorded: boolean }>`select portal_record_referral(${code}, ${referredOrgId}::uuid, ${now()}) as recorded`.execute(trx);
  return rows[0]?.recorded === true;
}

/** How many organizations the affiliate referred (the transaction acts for the affiliate). */
export async function referralCount(trx: Tx, affiliateOrgId: string): Promise<number> {
  const row = await trx
    .selectFrom("affiliate_referrals")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("org_id", "=", affiliateOrgId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export const COMMISSIONS_PAGE_SIZE = 20;

/**
 * P-8: the affiliate's commissions (one per paid invoice of a referred organization, at the
 * rate of the data table), totals per currency and one page of them, newest first. The
 * transaction acts for the affiliate.
 */
export async function affiliateCommissions(trx: Tx, affiliateOrgId: string, opts: { page?: number } = {}) {
  const rate = await trx.selectFrom("affiliate_commission_rate").select("rate_bp").executeTakeFirst();
  const totals = await trx
    .selectFrom("affiliate_commissions")
    .select(["currency", sql<number>`sum(amount)::bigint`.as("amount"), sql<number>`count(*)::int`.as("count")])
    .where("org_id", "=", affiliateOrgId)
    .groupBy("currency")
    .orderBy("currency")
    .execute();
  const total = totals.reduce((s, t) => s + t.count, 0);
  const pages = Math.max(1, Math.ceil(total / COMMISSIONS_PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1)));
  const items = await trx
    .selectFrom("affiliate_commissions")
    .select(["id", "amount", "currency", "rate_bp", "created_at"])
    .where("org_id", "=", affiliateOrgId)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(COMMISSIONS_PAGE_SIZE)
    .offset((page - 1) * COMMISSIONS_PAGE_SIZE)
    .execute();
  return { rateBp: rate?.rate_bp ?? 0, totals: totals.map((t) => ({ ...t, amount: Number(t.amount) })), items, page, pages };
}
