import type { Database } from "../../db/client";
import { cashbackPartners, previousBillingMonth, runPartnerCashback } from "../../app/domain/partners/cashback.server";
import { enqueueBulk } from "../../app/jobs.server";
import { now } from "../../app/lib/clock";
import type { JobPayload } from "../queues";

/** P-9: enqueues the previous month's cashback of every partner, one job per partner and month (`cashback-<org>-<YYYY-MM>`). */
export async function partnerCashbackSweep(db: Database): Promise<{ month: string; partners: number }> {
  const month = previousBillingMonth(now());
  const partners = await cashbackPartners(db);
  await enqueueBulk(
    "partner-cashback",
    partners.map((orgId) => ({ payload: { orgId, month }, jobId: `cashback-${orgId}-${month.slice(0, 7)}` })),
  );
  return { month, partners: partners.length };
}

/** P-9: one partner's cashback for one month; a second run changes nothing. */
export async function partnerCashback(db: Database, payload: JobPayload<"partner-cashback">) {
  return runPartnerCashback(db, payload.orgId, payload.month);
}
