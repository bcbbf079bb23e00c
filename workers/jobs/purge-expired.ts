import type { Database } from "../../db/client";
import { addMs, DAY, now } from "../../app/lib/clock";

/** Deletes expired sessions and reset tokens, and invitations expired for over 30 days. */
export async function purgeExpired(db: Database): Promise<{ sessions: number; resetTokens: number; invitations: number }> {
  const at = now();
  const sessions = await db.deleteFrom("sessions").where("expires_at", "<", at).executeTakeFirst();
  const resetTokens = await db
    .deleteFrom("password_reset_tokens")
    .where((eb) => eb.or([eb("expires_at", "<", at), eb("used_at", "is not", null)]))
    .executeTakeFirst();
  const invitations = await db
    .deleteFrom("invitations")
    .where("accepted_at", "is", null)
    .where("expires_at", "<", addMs(at, -30 * DAY))
    .executeTakeFirst();
  return {
    sessions: Number(sessions.numDeletedRows),
    resetTokens: Number(resetTokens.numDeletedRows),
    invitations: Number(invitations.numDeletedRows),
  };
}
