import type { Database } from "../db/client";
import { jobPayloads, type JobName } from "./queues";
import { deliverEmail } from "./jobs/deliver-email";
import { purgeExpired } from "./jobs/purge-expired";
import { renewalSweep } from "./jobs/renewal-sweep";
import { renewProduct } from "./jobs/renew-product";
import { sweepOutbox } from "./jobs/sweep-outbox";
import { checkPartnerWebsite } from "./jobs/check-partner-website";
import { closeSupportGrants } from "./jobs/close-support-grants";
import { purgeIdentityDocuments } from "./jobs/purge-identity-documents";
import { cancelHeldOrders } from "./jobs/cancel-held-orders";

/** One handler per job; the BullMQ worker and the in-process runner both call these. */
export async function runJob(db: Database, name: JobName, data: unknown): Promise<unknown> {
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
