import type { Database } from "../../db/client";
import { closeExpiredSupportGrants } from "../../app/domain/support/access.server";

/** S-1: closes support access grants past their end (at most 7 days after they were given). */
export function closeSupportGrants(db: Database): Promise<{ closed: number }> {
  return closeExpiredSupportGrants(db);
}
