import type { Database } from "../../db/client";
import { closeExpiredTenders, sendTenderDigests } from "../../app/domain/tenders/jobs.server";

/** T-2: closes tenders whose deadline passed and drops visitors' tenders never confirmed. */
export function closeTenders(db: Database) {
  return closeExpiredTenders(db);
}

/** T-2: the daily digest of new matching tenders, one mail per partner and day. */
export function tenderDigest(db: Database) {
  return sendTenderDigests(db);
}
