import { z } from "zod";
import type { Database } from "../../../db/client";
import { pickLocale, translator } from "../../i18n/index";
import { now } from "../../lib/clock";
import { consume, type LimitSpec } from "../../lib/rate-limit.server";
import { audit } from "../audit/audit.server";
import { Conflict, isUniqueViolation } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { withActor, type Handle } from "../tx.server";
import { challengeView } from "../two-factor/challenges.server";
import { actorOf } from "../two-factor/principal";
import { hasTwoFactor, principalOf } from "../two-factor/two-factor.server";
import { ONE_OPEN_TWO_FACTOR_CHECK, renewUploadLink, startIdentityCheck } from "./identity-links.server";

// S-3, S-5: a user who lost their second factor (device and emergency codes) asks for an
// identity check to switch two-factor authentication off. Only the account owner's password
// gets them here: the pending sign-in (its cookie) or a signed-in session names the account,
// never a form field. The one-time upload link goes to the account's e-mail address; staff
// approving the check switches the factor off (identity-checks.server.ts).

/** Each account may ask 3 times an hour, each address 10 times (the mail goes out each time). */
export const LOST_FACTOR_PER_ACCOUNT: LimitSpec = { name: "lost-factor-account", points: 3, durationSec: 60 * 60 };
export const LOST_FACTOR_PER_IP: LimitSpec = { name: "lost-factor-ip", points: 10, durationSec: 60 * 60 };

export const lostFactorRequestSchema = z.object({ confirm: z.literal("yes", { message: "lostFactor.errors.confirm" }) });

/**
 * The account asking: the signed-in user, else the user of a live pending sign-in that passed
 * the password (second-factor step). Null for anyone else.
 */
export async function lostFactorAccount(db: Handle, from: { sessionUserId: string | null; challengeToken: string | null }): Promise<string | null> {
  if (from.sessionUserId) return from.sessionUserId;
  const pending = await challengeView(db, from.challengeToken, "user", "verify");
  return pending?.principalId ?? null;
}

export type LostFactorState =
  | { kind: "off" }
  | { kind: "can_request" }
  | { kind: "link_sent"; linkExpiresAt: Date }
  | { kind: "under_review" };

async function openCheck(trx: Handle, userId: string) {
  return trx
    .selectFrom("identity_checks")
    .select(["id", "status", "upload_expires_at"])
    .where("user_id", "=", userId)
    .where("reason", "=", "disable_2fa")
    .where("status", "in", ["requested", "submitted"])
    .executeTakeFirst();
}

function stateOf(check: Awaited<ReturnType<typeof openCheck>>): LostFactorState | null {
  if (!check) return null;
  if (check.status === "submitted") return { kind: "under_review" };
  // A link not used in time does not block a new one (the same check gets a new link).
  return check.upload_expires_at.getTime() > now().getTime() ? { kind: "link_sent", linkExpiresAt: check.upload_expires_at } : null;
}

/** What the page offers the account: nothing to do, a request, or the check under way. */
export async function lostFactorState(db: Handle, userId: string): Promise<LostFactorState & { email: string }> {
  const p = await principalOf(db, "user", userId);
  return withActor(db, actorOf(p), async (trx) => {
    const open = stateOf(await openCheck(trx, userId));
    if (open) return { ...open, email: p.email };
    return { kind: (await hasTwoFactor(trx, p)) ? "can_request" : "off", email: p.email } as const;
  });
}

/**
 * S-5: opens the identity check for switching 2FA off (or gives the open one whose link
 * expired a new link) and mails the one-time upload link to the account. Refused while a
 * check is open, and when 2FA is off. Rate-limited per account and per address.
 */
export async function requestLostFactorCheck(db: Database, userId: string, ip: string): Promise<void> {
  await consume(LOST_FACTOR_PER_IP, ip);
  await consume(LOST_FACTOR_PER_ACCOUNT, userId);
  const p = await principalOf(db, "user", userId);
  const actor = actorOf(p, ip);
  try {
    await withActor(db, actor, async (trx) => {
      const existing = await openCheck(trx, userId);
      const open = stateOf(existing);
      if (open?.kind === "under_review") throw new Conflict("identity_check_open", "lostFactor.errors.underReview");
      if (open?.kind === "link_sent") throw new Conflict("identity_check_open", "lostFactor.errors.linkSent");
      if (!(await hasTwoFactor(trx, p))) throw new Conflict("two_factor_disabled", "twoFactor.notEnabled");
      let link: string;
      if (existing) {
        link = await renewUploadLink(trx, existing.id);
        await audit(trx, actor, { action: "identity_check.link_renewed", targetType: "identity_check", targetId: existing.id, data: { userId, reason: "disable_2fa" } });
      } else {
        link = (await startIdentityCheck(trx, actor, { userId, reason: "disable_2fa" })).link;
      }
      const t = translator(pickLocale(p.kind === "user" ? p.locale : null, null));
      await queueMail(trx, {
        to: p.email,
        subject: t("identity.mail.requestSubject"),
        text: t("identity.mail.requestBody", { name: p.name, reason: t("identity.reason.disable_2fa"), link }),
        kind: "identity_check_requested",
      });
    });
  } catch (err) {
    // Two requests racing: the index lets one through.
    if (isUniqueViolation(err, ONE_OPEN_TWO_FACTOR_CHECK)) throw new Conflict("identity_check_open", "lostFactor.errors.linkSent");
    throw err;
  }
}
