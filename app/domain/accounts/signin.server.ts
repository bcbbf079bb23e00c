import type { Database } from "../../../db/client";
import { verifyAgainstDummy, verifyPassword } from "../../auth/password.server";
import { consume, LOGIN_PER_ACCOUNT, LOGIN_PER_IP, refund, reset } from "../../lib/rate-limit.server";
import { audit } from "../audit/audit.server";
import { Invalid } from "../errors";
import { transaction } from "../tx.server";
import { hasTwoFactor } from "../two-factor/two-factor.server";

/**
 * O-8: the login e-mail and its password. Attempts are limited per account (5) and per IP
 * (30) in 15 minutes; the answer never says whether the e-mail exists. Points are taken
 * before the password is checked, so parallel guesses cannot slip past the limit; a
 * successful sign-in gives its points back, so only failures count (an office behind one
 * address is not locked out by its own colleagues).
 */
export async function authenticateUser(
  db: Database,
  email: string,
  password: string,
  ip: string,
): Promise<{ id: string; twoFactor: boolean }> {
  const normalized = email.trim().toLowerCase();
  await consume(LOGIN_PER_IP, ip);
  await consume(LOGIN_PER_ACCOUNT, normalized);
  const user = await db.selectFrom("users").select(["id", "password_hash"]).where("email", "=", normalized).executeTakeFirst();
  const ok = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
  if (!user || !ok) throw new Invalid({ _form: "auth.badCredentials" });
  await reset(LOGIN_PER_ACCOUNT, normalized);
  await refund(LOGIN_PER_IP, ip);
  // S-3: with two-factor authentication the sign-in is complete (and audited) only after the second factor.
  if (await hasTwoFactor(db, { kind: "user", id: user.id })) return { id: user.id, twoFactor: true };
  await transaction(db, (trx) =>
    audit(trx, { kind: "user", userId: user.id, email: normalized, memberships: [], ip }, { action: "account.signed_in", targetType: "user", targetId: user.id }),
  );
  return { id: user.id, twoFactor: false };
}
