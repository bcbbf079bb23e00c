import { randomUUID } from "node:crypto";
import type { IdentityCheckReason } from "../../../db/schema";
import type { Actor } from "../../auth/actor";
import { newToken } from "../../auth/tokens.server";
import { config } from "../../config.server";
import { addMs, DAY, now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import type { Tx } from "../tx.server";

// S-5: an identity check starts with a one-time upload link sent to the user. Only the
// link's hash is stored; sending the link again issues a new one (the old one stops working).
export const UPLOAD_LINK_LIFETIME_MS = 14 * DAY;
/** The unique index allowing one open check per account for switching 2FA off (migration 0031). */
export const ONE_OPEN_TWO_FACTOR_CHECK = "identity_checks_one_open_2fa";

export function uploadLink(token: string): string {
  return `${config.publicUrl}/identity/${token}`;
}

/** Opens a check for `userId`; returns its id and the upload link to send (once). */
export async function startIdentityCheck(
  trx: Tx,
  actor: Actor,
  input: { userId: string; reason: IdentityCheckReason; requestedByStaffId?: string; orgId?: string },
): Promise<{ checkId: string; link: string }> {
  const { token, tokenHash } = newToken();
  // The id is made here: the inserting side may not be allowed to read the row back.
  const checkId = randomUUID();
  const at = now();
  await trx
    .insertInto("identity_checks")
    .values({
      id: checkId,
      user_id: input.userId,
      reason: input.reason,
      upload_token_hash: tokenHash,
      upload_expires_at: addMs(at, UPLOAD_LINK_LIFETIME_MS),
      requested_by_staff_id: input.requestedByStaffId ?? null,
      requested_at: at,
    })
    .execute();
  await audit(trx, actor, { orgId: input.orgId ?? null, action: "identity_check.requested", targetType: "identity_check", targetId: checkId, data: { userId: input.userId, reason: input.reason } });
  return { checkId, link: uploadLink(token) };
}

/** A new one-time link for a check still waiting for its documents. */
export async function renewUploadLink(trx: Tx, checkId: string): Promise<string> {
  const { token, tokenHash } = newToken();
  await trx
    .updateTable("identity_checks")
    .set({ upload_token_hash: tokenHash, upload_expires_at: addMs(now(), UPLOAD_LINK_LIFETIME_MS) })
    .where("id", "=", checkId)
    .where("status", "=", "requested")
    .execute();
  return uploadLink(token);
}
