import type { Database } from "../db/client";
import { jobPayloads, type JobName } from "./queues";
import { deliverEmail } from "./jobs/deliver-email";
import { purgeExpired } from "./jobs/purge-expired";
import { renewalSweep } from "./jobs/renewal-sweep";
import { renewProduct } from "./jobs/renew-product";
import { sweepOutbox } from "./jobs/sweep-outbox";
import { checkPartnerWebsite } from "./jobs/check-partner-website";
import { partnerCashback, partnerCashbackSweep } from "./jobs/partner-cashback";
import { partnerEligibility, partnerEligibilitySweep } from "./jobs/partner-eligibility";
import { delegationSweep } from "./jobs/delegation-sweep";
import { clientExport } from "./jobs/client-export";
import { expireClientExportFiles } from "./jobs/expire-client-exports";
import { closeTenders, tenderDigest } from "./jobs/tenders";
import { closeSupportGrants } from "./jobs/close-support-grants";
import { purgeIdentityDocuments } from "./jobs/purge-identity-documents";
import { cancelHeldOrders } from "./jobs/cancel-held-orders";

/** What a running job can report back (BullMQ's job.updateProgress; nothing in-process). */
export interface JobContext {
  updateProgress?(percent: number): Promise<void>;
}

/** One handler per job; the BullMQ worker and the in-process runner both call these. */
export async function runJob(db: Database, name: JobName, data: unknown, context: JobContext = {}): Promise<unknown> {
  switch (name) {
    case "deliver-email":
      return deliverEmail(db, jobPayloads["deliver-email"].parse(data));
    case "purge-expired":
      return purgeExpired(db);
    case "sweep-outbox":
      return sweepOutbox(db);
    case "renewal-sweep":
      return renewalSweep(db);
    case "renew-product":
      return renewProduct(db, jobPayloads["renew-product"].parse(data));
    case "check-partner-website":
      return checkPartnerWebsite(db, jobPayloads["check-partner-website"].parse(data));
    case "partner-cashback-sweep":
      return partnerCashbackSweep(db);
    case "partner-cashback":
      return partnerCashback(db, jobPayloads["partner-cashback"].parse(data));
    case "partner-eligibility-sweep":
      return partnerEligibilitySweep(db);
    case "partner-eligibility":
      return partnerEligibility(db, jobPayloads["partner-eligibility"].parse(data));
    case "delegation-sweep":
      return delegationSweep(db);
    case "client-export":
      return clientExport(db, jobPayloads["client-export"].parse(data), context);
    case "expire-client-exports":
      return expireClientExportFiles(db);
    case "close-tenders":
      return closeTenders(db);
    case "tender-digest":
      return tenderDigest(db);
    case "close-support-grants":
      return closeSupportGrants(db);
    case "purge-identity-documents":
      return purgeIdentityDocuments(db);
    case "cancel-held-orders":
      return cancelHeldOrders(db);
    default:
      throw new Error(`unknown job ${String(name)}`);
  }
}
