import type { Database } from "../../../db/client";
import { verifyPassword } from "../../auth/password.server";
import { config } from "../../config.server";
import { pickLocale, translator } from "../../i18n/index";
import { now } from "../../lib/clock";
import { consume, LOGIN_PER_ACCOUNT, reset, TWO_FACTOR_PER_ACCOUNT } from "../../lib/rate-limit.server";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import { assertCan, type AppAbility } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { queueMail } from "../mail/outbox.server";
import { transaction, type Handle, type Tx } from "../tx.server";
import { actorOf, auditPrefix, ownerColumn, secondFactorKey, type Principal } from "./principal";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "./recovery-codes.server";
import { decryptSecret, encryptSecret } from "./secret-box.server";
import { checkTotp, newTotpSecret, totpUri } from "./totp.server";

export type SecondFactorMethod = "totp" | "recovery_code" | "approval";

/** Loads the principal of a customer or staff account by id. */
export async function principalOf(db: Handle, kind: "user" | "staff", id: string): Promise<Principal> {
  if (kind === "user") {
    const u = await db.selectFrom("users").select(["id", "email", "name", "locale"]).where("id", "=", id).executeTakeFirstOrThrow();
    return { kind, id: u.id, email: u.email, name: u.name, locale: u.locale };
  }
  const s = await db.selectFrom("staff_accounts").select(["id", "email", "name", "role"]).where("id", "=", id).executeTakeFirstOrThrow();
  return { kind, id: s.id, email: s.email, name: s.name, role: s.role };
}

function credentialQuery(db: Handle, p: { kind: "user" | "staff"; id: string }) {
  return db.selectFrom("two_factor_credentials").where(ownerColumn(p), "=", p.id);
}

/** Whether the account uses two-factor authentication (a confirmed second factor). */
export async function hasTwoFactor(db: Handle, p: { kind: "user" | "staff"; id: string }): Promise<boolean> {
  const row = await credentialQuery(db, p).select("id").where("confirmed_at", "is not", null).executeTakeFirst();
  return !!row;
}

/** What the account page shows: on or off, since when, and how many emergency codes are left (S-4). */
export async function twoFactorStatus(db: Handle, p: { kind: "user" | "staff"; id: string }) {
  const row = await credentialQuery(db, p)
    .select((eb) => [
      "confirmed_at",
      eb
        .selectFrom("two_factor_recovery_codes as c")
        .select((e) => e.fn.countAll<string | number>().as("n"))
        .whereRef("c.credential_id", "=", "two_factor_credentials.id")
        .where("c.used_at", "is", null)
        .as("codes_left"),
    ])
    .executeTakeFirst();
  const enabledAt = row?.confirmed_at ?? null;
  return { enabled: enabledAt !== null, enabledAt, codesLeft: enabledAt ? Number(row?.codes_left ?? 0) : 0, enrolling: !!row && !enabledAt };
}

/**
 * S-3: starts an enrolment: a new secret, stored encrypted and unconfirmed until the user
 * proves with a code that their app has it. Starting again replaces an unconfirmed secret.
 */
export async function startEnrolment(db: Handle, p: Principal): Promise<void> {
  const secret = newTotpSecret();
  await transaction(db, async (trx) => {
    const existing = await credentialQuery(trx, p).select(["id", "confirmed_at"]).forUpdate().executeTakeFirst();
    if (existing?.confirmed_at) throw new Conflict("two_factor_enabled", "twoFactor.alreadyEnabled");
    if (existing) await trx.deleteFrom("two_factor_credentials").where("id", "=", existing.id).execute();
    await trx
      .insertInto("two_factor_credentials")
      .values({ [ownerColumn(p)]: p.id, secret_encrypted: encryptSecret(secret, p.id), created_at: now() })
      .execute();
  });
}

/** The secret of the enrolment under way (for its QR code and manual entry), or null. */
export async function pendingEnrolment(db: Handle, p: Principal): Promise<{ secret: string; uri: string } | null> {
  const row = await credentialQuery(db, p).select("secret_encrypted").where("confirmed_at", "is", null).executeTakeFirst();
  if (!row) return null;
  const secret = decryptSecret(row.secret_encrypted, p.id);
  return { secret, uri: totpUri(secret, p.email) };
}

/**
 * S-3, S-4: confirms the enrolment with a code from the app. The account now needs a second
 * factor; the 10 emergency codes are returned, in clear this once only (stored hashed).
 * `sessionId`, when enrolling from a signed-in session, marks that session as having passed
 * two factors; the account's other sessions, signed in with the password alone, end.
 */
export async function confirmEnrolment(
  db: Database,
  p: Principal,
  code: string,
  ctx: { ip: string; sessionId?: string },
): Promise<{ recoveryCodes: string[] }> {
  await consume(TWO_FACTOR_PER_ACCOUNT, secondFactorKey(p));
  const recoveryCodes = await transaction(db, async (trx) => {
    const cred = await credentialQuery(trx, p).select(["id", "secret_encrypted", "confirmed_at"]).forUpdate().executeTakeFirst();
    if (!cred) throw new Conflict("no_enrolment", "twoFactor.noEnrolment");
    if (cred.confirmed_at) throw new Conflict("two_factor_enabled", "twoFactor.alreadyEnabled");
    const step = await checkTotp(decryptSecret(cred.secret_encrypted, p.id), code, null);
    if (step === null) return null;
    const at = now();
    await trx.updateTable("two_factor_credentials").set({ confirmed_at: at, last_used_step: step }).where("id", "=", cred.id).execute();
    const codes = await replaceRecoveryCodes(trx, cred.id);
    let endedSessions = 0;
    if (ctx.sessionId) {
      await trx.updateTable("sessions").set({ two_factor_at: at }).where("id", "=", ctx.sessionId).where(ownerColumn(p), "=", p.id).execute();
      const ended = await trx.deleteFrom("sessions").where(ownerColumn(p), "=", p.id).where("id", "!=", ctx.sessionId).executeTakeFirst();
      endedSessions = Number(ended.numDeletedRows);
    }
    await notify(trx, p, "enabled");
    await audit(trx, actorOf(p, ctx.ip), {
      action: `${auditPrefix(p)}.two_factor_enabled`,
      targetType: p.kind,
      targetId: p.id,
      data: { endedSessions },
    });
    return codes;
  });
  if (!recoveryCodes) throw new Invalid({ code: "twoFactor.wrongCode" });
  await reset(TWO_FACTOR_PER_ACCOUNT, secondFactorKey(p));
  return { recoveryCodes };
}

async function replaceRecoveryCodes(trx: Tx, credentialId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await trx.deleteFrom("two_factor_recovery_codes").where("credential_id", "=", credentialId).execute();
  await trx
    .insertInto("two_factor_recovery_codes")
    .values(codes.map((c) => ({ credential_id: credentialId, code_hash: hashRecoveryCode(normalizeRecoveryCode(c)!), created_at: now() })))
    .execute();
  return codes;
}

/**
 * S-3, S-4: checks a second factor inside the caller's transaction: a current app code (never
 * one already used: the account's last accepted time step is kept) or an unused emergency
 * code, which is used up. The credential row is locked, so two requests racing with the same
 * code cannot both pass. Returns how the factor was given, or null.
 */
export async function verifySecondFactor(trx: Tx, p: { kind: "user" | "staff"; id: string }, input: string): Promise<SecondFactorMethod | null> {
  const cred = await credentialQuery(trx, p)
    .select(["id", "secret_encrypted", "last_used_step"])
    .where("confirmed_at", "is not", null)
    .forUpdate()
    .executeTakeFirst();
  if (!cred) return null;
  const lastStep = cred.last_used_step === null ? null : Number(cred.last_used_step);
  const step = await checkTotp(decryptSecret(cred.secret_encrypted, p.id), input, lastStep);
  if (step !== null) {
    await trx.updateTable("two_factor_credentials").set({ last_used_step: step }).where("id", "=", cred.id).execute();
    return "totp";
  }
  const normalized = normalizeRecoveryCode(input);
  if (!normalized) return null;
  const used = await trx
    .updateTable("two_factor_recovery_codes")
    .set({ used_at: now() })
    .where("credential_id", "=", cred.id)
    .where("code_hash", "=", hashRecoveryCode(normalized))
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return used ? "recovery_code" : null;
}

async function checkPassword(db: Handle, p: Principal, password: string): Promise<void> {
  const key = p.kind === "user" ? p.email : `staff:${p.email}`;
  await consume(LOGIN_PER_ACCOUNT, key);
  const row =
    p.kind === "user"
      ? await db.selectFrom("users").select("password_hash").where("id", "=", p.id).executeTakeFirstOrThrow()
      : await db.selectFrom("staff_accounts").select("password_hash").where("id", "=", p.id).executeTakeFirstOrThrow();
  if (!(await verifyPassword(row.password_hash, password))) throw new Invalid({ password: "account.wrongCurrentPassword" });
  await reset(LOGIN_PER_ACCOUNT, key);
}

/**
 * S-3: switching two-factor authentication off needs the password and a current second
 * factor (an app code or an emergency code). Staff cannot switch it off. Whoever lost their
 * factor goes through an identity check instead (S-5), which is not this function.
 */
export async function disableTwoFactor(db: Database, p: Principal, input: { password: string; code: string }, ip: string): Promise<void> {
  if (p.kind === "staff") throw new Conflict("staff_two_factor_required", "twoFactor.staffRequired");
  await checkPassword(db, p, input.password);
  await consume(TWO_FACTOR_PER_ACCOUNT, secondFactorKey(p));
  const ok = await transaction(db, async (trx) => {
    const method = await verifySecondFactor(trx, p, input.code);
    if (!method) return false;
    await trx.deleteFrom("two_factor_credentials").where(ownerColumn(p), "=", p.id).execute();
    await trx.deleteFrom("two_factor_challenges").where(ownerColumn(p), "=", p.id).where("consumed_at", "is", null).execute();
    await notify(trx, p, "disabled");
    await audit(trx, actorOf(p, ip), { action: `${auditPrefix(p)}.two_factor_disabled`, targetType: p.kind, targetId: p.id, data: { method } });
    return true;
  });
  if (!ok) throw new Invalid({ code: "twoFactor.wrongCode" });
  await reset(TWO_FACTOR_PER_ACCOUNT, secondFactorKey(p));
}

/** S-4: a new set of 10 emergency codes (with the password); the old ones stop working at once. */
export async function regenerateRecoveryCodes(db: Database, p: Principal, input: { password: string }, ip: string): Promise<{ recoveryCodes: string[] }> {
  await checkPassword(db, p, input.password);
  const recoveryCodes = await transaction(db, async (trx) => {
    const cred = await credentialQuery(trx, p).select("id").where("confirmed_at", "is not", null).forUpdate().executeTakeFirst();
    if (!cred) throw new Conflict("two_factor_disabled", "twoFactor.notEnabled");
    const codes = await replaceRecoveryCodes(trx, cred.id);
    await notify(trx, p, "codes");
    await audit(trx, actorOf(p, ip), { action: `${auditPrefix(p)}.recovery_codes_regenerated`, targetType: p.kind, targetId: p.id });
    return codes;
  });
  return { recoveryCodes };
}

const mailKeys = {
  enabled: { subject: "twoFactor.mail.enabledSubject", body: "twoFactor.mail.enabledBody", kind: "two_factor_enabled" },
  disabled: { subject: "twoFactor.mail.disabledSubject", body: "twoFactor.mail.disabledBody", kind: "two_factor_disabled" },
  codes: { subject: "twoFactor.mail.codesSubject", body: "twoFactor.mail.codesBody", kind: "recovery_codes_regenerated" },
  reset: { subject: "twoFactor.mail.resetSubject", body: "twoFactor.mail.resetBody", kind: "two_factor_reset" },
} as const;

/** Tells the account's owner by mail, so a change they did not make does not go unnoticed. */
async function notify(trx: Tx, p: Principal, what: keyof typeof mailKeys): Promise<void> {
  const t = translator(pickLocale(p.kind === "user" ? p.locale : null, null));
  const keys = mailKeys[what];
  const link =
    p.kind === "user" ? `${config.publicUrl}/account` : `${config.publicUrl}${what === "reset" ? "/backoffice/login" : "/backoffice/security"}`;
  await queueMail(trx, { to: p.email, subject: t(keys.subject), text: t(keys.body, { name: p.name, email: p.email, link }), kind: keys.kind });
}

/**
 * S-3 (staff): a staff member who lost both their device and their emergency codes is helped
 * by a staff administrator, who resets their second factor: it is deleted and their sessions
 * end, so the next sign-in enrols a new one before reaching the back office. Audited and
 * mailed to the staff member. Nobody resets their own.
 */
export async function resetStaffTwoFactor(db: Database, acting: { actor: Extract<Actor, { kind: "staff" }>; ability: AppAbility }, staffId: string): Promise<void> {
  assertCan(acting.ability, "update", "StaffAccount", { id: staffId });
  if (staffId === acting.actor.staffId) throw new Conflict("reset_self", "twoFactor.resetSelf");
  await transaction(db, async (trx) => {
    const target = await trx.selectFrom("staff_accounts").select("id").where("id", "=", staffId).executeTakeFirst();
    if (!target) throw new NotFound();
    const p = await principalOf(trx, "staff", staffId);
    const removed = await trx.deleteFrom("two_factor_credentials").where("staff_id", "=", staffId).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new Conflict("two_factor_disabled", "twoFactor.notEnabled");
    await trx.deleteFrom("sessions").where("staff_id", "=", staffId).execute();
    await trx.deleteFrom("two_factor_challenges").where("staff_id", "=", staffId).execute();
    await notify(trx, p, "reset");
    await audit(trx, acting.actor, { action: "staff.two_factor_reset", targetType: "staff", targetId: staffId, data: { email: p.email } });
  });
}

/**
 * S-3, S-5: a user who lost their second factor had their identity checked and staff approved
 * it: two-factor authentication goes off (authenticator and emergency codes deleted), pending
 * sign-ins and every session end, the user is mailed, and the staff member's act is audited.
 * Runs inside the approving transaction, so it happens together with the decision or not at
 * all. Nothing happens when the factor is already off.
 */
export async function switchOffTwoFactorAfterIdentityCheck(trx: Tx, staff: Actor, userId: string, identityCheckId: string): Promise<void> {
  const removed = await trx.deleteFrom("two_factor_credentials").where("user_id", "=", userId).executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) return;
  await trx.deleteFrom("two_factor_challenges").where("user_id", "=", userId).execute();
  const ended = await trx.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  const p = await principalOf(trx, "user", userId);
  await notify(trx, p, "disabled");
  await audit(trx, staff, {
    action: "account.two_factor_disabled",
    targetType: "user",
    targetId: userId,
    data: { method: "identity_check", identityCheckId, endedSessions: Number(ended.numDeletedRows) },
  });
}
