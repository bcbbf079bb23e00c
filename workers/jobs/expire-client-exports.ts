import type { Database } from "../../db/client";
import { expireClientExports } from "../../app/domain/clients/export-job.server";

/** The `expire-client-exports` job (C-6): files are kept 7 days, then deleted and their rows marked expired. */
export async function expireClientExportFiles(db: Database) {
  return expireClientExports(db);
}
