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
