import type { Database } from "../../db/client";
import { eligibilityPartners, recheckPartnerEligibility } from "../../app/domain/partners/eligibility.server";
import { enqueueBulk } from "../../app/jobs.server";
import { now } from "../../app/lib/clock";
import type { JobPayload } from "../queues";

/**
 * P-2 yearly: enqueues each partner's re-check once a day (`eligibility-<org>-<YYYY-MM-DD>`: a
 * kept completed job must not hide a later day's); the job itself runs the check once a year.
 */
export async function partnerEligibilitySweep(db: Database): Promise<{ partners: number }> {
  const day = now().toISOString().slice(0, 10);
  const partners = await eligibilityPartners(db);
  await enqueueBulk(
    "partner-eligibility",
    partners.map((orgId) => ({ payload: { orgId }, jobId: `eligibility-${orgId}-${day}` })),
  );
  return { partners: partners.length };
}

export async function partnerEligibility(db: Database, payload: JobPayload<"partner-eligibility">) {
  return recheckPartnerEligibility(db, payload.orgId);
}
