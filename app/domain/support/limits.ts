import type { IdentityCheckReason } from "../../../db/schema";

// Limits of support access and identity checks shared with the pages (no server code here).

/** S-1: a support access grant lasts at most 7 days. */
export const MAX_GRANT_DAYS = 7;

/** S-5: the reasons support can ask an identity check for; an order under suspicion opens its own (B-14). */
export const STAFF_REQUESTABLE_REASONS = ["forgotten_password", "forgotten_email", "disable_2fa", "unlock_account", "first_payout"] as const satisfies readonly IdentityCheckReason[];
