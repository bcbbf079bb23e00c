import type { Database } from "../../../db/client";
import { verifyAgainstDummy, verifyPassword } from "../../auth/password.server";
import { consume, LOGIN_PER_ACCOUNT, LOGIN_PER_IP, reset } from "../../lib/rate-limit.server";
import { Invalid } from "../errors";
import { hasTwoFactor } from "../two-factor/two-factor.server";

/** The account bucket of a staff e-mail, apart from a customer login with the same address. */
export function staffLoginKey(email: string): string {
  return `staff:${email}`;
}

/**
 * K-1: staff sign in with their own accounts, never with a customer's. Limited like the
 * customer sign-in (per account and per IP); the answer never says whether the e-mail exists
 * or the account is disabled.
 */
export async function authenticateStaff(db: Database, email: string, password: string, ip: string): Promise<{ id: string; twoFactor: boolean }> {
  const normalized = email.trim().toLowerCase();
  await consume(LOGIN_PER_IP, ip);
  await consume(LOGIN_PER_ACCOUNT, staffLoginKey(normalized));
  const staff = await db
    .selectFrom("staff_accounts")
    .select(["id", "role", "password_hash"])
    .where("email", "=", normalized)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  const ok = staff ? await verifyPassword(staff.password_hash, password) : await verifyAgainstDummy(password);
  if (!staff || !ok) throw new Invalid({ _form: "auth.badCredentials" });
  await reset(LOGIN_PER_ACCOUNT, staffLoginKey(normalized));
  // S-3: staff must use two factors: the session (and the "signed in" audit entry) come only
  // after the code, or after enrolling when the account has no second factor yet.
  return { id: staff.id, twoFactor: await hasTwoFactor(db, { kind: "staff", id: staff.id }) };
}
