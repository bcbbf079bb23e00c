import type { Database } from "../../db/client";
import { runClientExport } from "../../app/domain/clients/export-job.server";
import type { JobContext } from "../handlers";
import type { JobPayload } from "../queues";

/** The `client-export` job (C-6): writes a partner's export file, reporting its progress. */
export async function clientExport(db: Database, payload: JobPayload<"client-export">, context: JobContext) {
  return runClientExport(db, payload.exportId, context.updateProgress ? (p) => context.updateProgress!(p) : undefined);
}
