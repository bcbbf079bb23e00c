import type { Database } from "../../db/client";
import { purgeUnhandledIdentityDocuments } from "../../app/domain/security/identity-checks.server";

/** S-5: deletes the documents of identity checks not handled within 72 hours, and logs it. */
export function purgeIdentityDocuments(db: Database): Promise<{ deleted: number }> {
  return purgeUnhandledIdentityDocuments(db);
}
