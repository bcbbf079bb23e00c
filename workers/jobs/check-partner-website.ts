import type { Database } from "../../db/client";
import { checkApplicationWebsite } from "../../app/domain/partners/website.server";
import type { JobPayload } from "../queues";

/** The `check-partner-website` job (P-1/P-3): requests the applicant's website and records the result. */
export async function checkPartnerWebsite(db: Database, payload: JobPayload<"check-partner-website">) {
  return checkApplicationWebsite(db, payload.applicationId);
}
