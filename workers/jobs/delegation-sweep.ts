import type { Database } from "../../db/client";
import { sweepDelegations } from "../../app/domain/clients/sweep.server";

/** C-1/C-3: the delegation sweep (expiries, end dates, warnings), idempotent. */
export function delegationSweep(db: Database) {
  return sweepDelegations(db);
}
