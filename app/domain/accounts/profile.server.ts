import { z } from "zod";
import type { Actor } from "../../auth/actor";
import { hashPassword, verifyPassword } from "../../auth/password.server";
import { now } from "../../lib/clock";
import { pageCount } from "../../lib/paging";
import { consume, LOGIN_PER_ACCOUNT, reset } from "../../lib/rate-limit.server";
import { audit } from "../audit/audit.server";
import { Invalid } from "../errors";
import { transaction, type Handle } from "../tx.server";
import { localeField, nameField, passwordField } from "./schemas";

// Everything here acts on the signed-in user's own account only: the user id always comes
// from the actor (the session), never from the form, so there is nobody else to check for.
type UserActor = Extract<Actor, { kind: "user" }>;

export const profileSchema = z.object({ name: nameField, locale: localeField });
export type ProfileInput = z.infer<typeof profileSchema>;

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ message: "errors.required" }).min(1, "errors.required").max(200, "errors.tooLong"),
    newPassword: passwordField,
    confirm: z.string({ message: "errors.required" }),
  })
  .refine((v) => v.newPassword === v.confirm, { path: ["confirm"], message: "errors.passwordMismatch" });
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

export async function accountProfile(db: Handle, actor: UserActor) {
  return db
    .selectFrom("users")
    .select(["name", "email", "locale", "password_changed_at"])
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
}

/** Name and language; the language is the one the portal and its mails use for the user. */
export async function updateProfile(db: Handle, actor: UserActor, input: ProfileInput): Promise<void> {
  await transaction(db, async (trx) => {
    const before = await trx.selectFrom("users").select(["name", "locale"]).where("id", "=", actor.userId).executeTakeFirstOrThrow();
    await trx.updateTable("users").set({ name: input.name, locale: input.locale }).where("id", "=", actor.userId).execute();
    const changed = (["name", "locale"] as const).filter((k) => before[k] !== input[k]);
    await audit(trx, actor, { action: "account.profile_updated", targetType: "user", targetId: actor.userId, data: { changed } });
  });
}

/**
 * O-8: changing the password needs the current one, and ends every other session of the
 * account; the session making the change stays. Wrong current passwords count against the
 * same per-account limit as sign-in, so a stolen session cannot guess the password.
 */
export async function changePassword(
  db: Handle,
  actor: UserActor,
  currentSessionId: string,
  input: ChangePasswordInput,
): Promise<{ endedSessions: number }> {
  await consume(LOGIN_PER_ACCOUNT, actor.email);
  const user = await db.selectFrom("users").select("password_hash").where("id", "=", actor.userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new Invalid({ currentPassword: "account.wrongCurrentPassword" });
  }
  await reset(LOGIN_PER_ACCOUNT, actor.email);
  const passwordHash = await hashPassword(input.newPassword);
  return transaction(db, async (trx) => {
    await trx
      .updateTable("users")
      .set({ password_hash: passwordHash, password_changed_at: now() })
      .where("id", "=", actor.userId)
      .execute();
    const endedSessions = await deleteOtherSessions(trx, actor.userId, currentSessionId);
    await audit(trx, actor, {
      action: "account.password_changed",
      targetType: "user",
      targetId: actor.userId,
      data: { endedSessions },
    });
    return { endedSessions };
  });
}

/** "Sign out everywhere else": every session of the account but the current one ends. */
export async function endOtherSessions(db: Handle, actor: UserActor, currentSessionId: string): Promise<{ endedSessions: number }> {
  return transaction(db, async (trx) => {
    const endedSessions = await deleteOtherSessions(trx, actor.userId, currentSessionId);
    await audit(trx, actor, { action: "account.sessions_ended", targetType: "user", targetId: actor.userId, data: { endedSessions } });
    return { endedSessions };
  });
}

async function deleteOtherSessions(db: Handle, userId: string, currentSessionId: string): Promise<number> {
  const result = await db.deleteFrom("sessions").where("user_id", "=", userId).where("id", "!=", currentSessionId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export const SESSIONS_PER_PAGE = 20;

/** The account's sessions that have not expired, the current one first, then newest first. */
export async function listSessions(db: Handle, actor: UserActor, currentSessionId: string, page: number) {
  const base = db.selectFrom("sessions").where("user_id", "=", actor.userId).where("expires_at", ">", now());
  const { n } = await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
  const total = Number(n);
  const pages = pageCount(total, SESSIONS_PER_PAGE);
  const current = Math.min(Math.max(1, Math.floor(page)), pages);
  const rows = await base
    .select(["id", "user_agent", "ip", "created_at", "expires_at"])
    .orderBy((eb) => eb("id", "=", currentSessionId), "desc")
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(SESSIONS_PER_PAGE)
    .offset((current - 1) * SESSIONS_PER_PAGE)
    .execute();
  return {
    sessions: rows.map((r) => ({
      id: r.id,
      userAgent: r.user_agent,
      ip: r.ip,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      current: r.id === currentSessionId,
    })),
    total,
    page: current,
    pages,
  };
}
