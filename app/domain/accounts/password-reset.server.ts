import { z } from "zod";
import type { Database } from "../../../db/client";
import type { Actor } from "../../auth/actor";
import { hashPassword } from "../../auth/password.server";
import { hashToken, newToken } from "../../auth/tokens.server";
import { config } from "../../config.server";
import { pickLocale, translator } from "../../i18n/index";
import { addMs, HOUR, now } from "../../lib/clock";
import { consume, LOGIN_PER_ACCOUNT, reset, RESET_PER_IP } from "../../lib/rate-limit.server";
import { audit } from "../audit/audit.server";
import { Conflict } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { transaction } from "../tx.server";
import { emailField, passwordField } from "./schemas";

export const RESET_TOKEN_LIFETIME_MS = HOUR;
// More open links than this in one hour for one account are not sent: the page answers the
// same, so nobody can flood a mailbox from many addresses.
const MAX_OPEN_TOKENS = 3;

export const forgotPasswordSchema = z.object({ email: emailField });

export const newPasswordSchema = z
  .object({ password: passwordField, confirm: z.string({ message: "errors.required" }) })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "errors.passwordMismatch" });

/**
 * O-8: a forgotten password is reset through a single-use link mailed to the login e-mail.
 * The caller answers the same whether or not the account exists.
 */
export async function requestPasswordReset(db: Database, email: string, ip: string): Promise<void> {
  await consume(RESET_PER_IP, ip);
  const user = await db.selectFrom("users").select(["id", "email", "name", "locale"]).where("email", "=", email).executeTakeFirst();
  if (!user) return;
  await transaction(db, async (trx) => {
    const open = await trx
      .selectFrom("password_reset_tokens")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("user_id", "=", user.id)
      .where("used_at", "is", null)
      .where("expires_at", ">", now())
      .executeTakeFirstOrThrow();
    if (Number(open.n) >= MAX_OPEN_TOKENS) return;
    const { token, tokenHash } = newToken();
    await trx
      .insertInto("password_reset_tokens")
      .values({ user_id: user.id, token_hash: tokenHash, expires_at: addMs(now(), RESET_TOKEN_LIFETIME_MS) })
      .execute();
    const t = translator(pickLocale(user.locale, null));
    await queueMail(trx, {
      to: user.email,
      subject: t("account.resetMailSubject"),
      text: t("account.resetMailBody", { name: user.name, email: user.email, link: `${config.publicUrl}/reset-password/${token}` }),
      kind: "password_reset",
    });
    const actor: Actor = { kind: "anonymous", ip };
    await audit(trx, actor, { action: "account.password_reset_requested", targetType: "user", targetId: user.id });
  });
}

/** Whether a reset link can still be used (unknown, used and expired links cannot). */
export async function resetTokenIsUsable(db: Database, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  const row = await db
    .selectFrom("password_reset_tokens")
    .select("id")
    .where("token_hash", "=", hashToken(token))
    .where("used_at", "is", null)
    .where("expires_at", ">", now())
    .executeTakeFirst();
  return !!row;
}

/**
 * Sets a new password with a reset link: the link is used up (with every other open link of
 * the account), and every session of the account ends (O-8), since whoever knew the old
 * password may still be signed in.
 */
export async function resetPasswordWithToken(db: Database, token: string, password: string, ip: string): Promise<void> {
  if (!(await resetTokenIsUsable(db, token))) throw new Conflict("reset_token_unusable", "account.resetInvalid");
  const passwordHash = await hashPassword(password);
  const email = await transaction(db, async (trx) => {
    const at = now();
    // Claiming the link in one statement makes it single-use even under concurrent posts.
    const claimed = await trx
      .updateTable("password_reset_tokens")
      .set({ used_at: at })
      .where("token_hash", "=", hashToken(token))
      .where("used_at", "is", null)
      .where("expires_at", ">", at)
      .returning("user_id")
      .executeTakeFirst();
    if (!claimed) throw new Conflict("reset_token_unusable", "account.resetInvalid");
    const user = await trx
      .updateTable("users")
      .set({ password_hash: passwordHash, password_changed_at: at })
      .where("id", "=", claimed.user_id)
      .returning(["id", "email"])
      .executeTakeFirstOrThrow();
    await trx
      .updateTable("password_reset_tokens")
      .set({ used_at: at })
      .where("user_id", "=", user.id)
      .where("used_at", "is", null)
      .execute();
    const ended = await trx.deleteFrom("sessions").where("user_id", "=", user.id).executeTakeFirst();
    const actor: Actor = { kind: "user", userId: user.id, email: user.email, memberships: [], ip };
    await audit(trx, actor, {
      action: "account.password_reset",
      targetType: "user",
      targetId: user.id,
      data: { endedSessions: Number(ended.numDeletedRows) },
    });
    return user.email;
  });
  // Whoever locked the account with wrong guesses should not keep its owner out.
  await reset(LOGIN_PER_ACCOUNT, email);
}
