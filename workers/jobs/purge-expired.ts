import type { Database } from "../../db/client";
import { asJob } from "../../app/domain/jobs/as-job.server";
import { addMs, DAY, now } from "../../app/lib/clock";

/**
 * Deletes expired sessions, used or expired reset links, expired second-factor sign-ins, and
 * invitations expired for over 30 days. Sessions and links are refused once expired anyway; this keeps the tables small.
 */
export async function purgeExpired(
  db: Database,
): Promise<{ sessions: number; resetTokens: number; invitations: number; twoFactorChallenges: number }> {
  const at = now();
  return asJob(db, "purge", async (trx) => {
    const sessions = await trx.deleteFrom("sessions").where("expires_at", "<=", at).executeTakeFirst();
    const resetTokens = await trx
      .deleteFrom("password_reset_tokens")
      .where((eb) => eb.or([eb("expires_at", "<=", at), eb("used_at", "is not", null)]))
      .executeTakeFirst();
    const invitations = await trx
      .deleteFrom("invitations")
      .where("accepted_at", "is", null)
      .where("expires_at", "<", addMs(at, -30 * DAY))
      .executeTakeFirst();
    // S-3: sign-ins that waited for a second factor are of no use once expired.
    const challenges = await trx.deleteFrom("two_factor_challenges").where("expires_at", "<=", at).executeTakeFirst();
    return {
      twoFactorChallenges: Number(challenges.numDeletedRows),
      sessions: Number(sessions.numDeletedRows),
      resetTokens: Number(resetTokens.numDeletedRows),
      invitations: Number(invitations.numDeletedRows),
    };
  });
}
