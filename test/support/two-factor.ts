import { generate } from "otplib";
import { encryptSecret } from "../../app/domain/two-factor/secret-box.server";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "../../app/domain/two-factor/recovery-codes.server";
import { newTotpSecret } from "../../app/domain/two-factor/totp.server";
import { now } from "../../app/lib/clock";
import { textOf, type Client, type Page } from "./app";
import { testDb } from "./setup";

// Second factors in tests are computed the way an authenticator app does: with otplib, from
// the secret the enrolment page shows, at the portal's clock.

export const STEP_SEC = 30;

export function currentStep(at: Date = now()): number {
  return Math.floor(at.getTime() / 1000 / STEP_SEC);
}

/** The app code of a time step (by default the current one). */
export function totpAt(secret: string, step: number = currentStep()): Promise<string> {
  return generate({ secret, epoch: step * STEP_SEC + 1 });
}

/** The secret shown for manual entry on an enrolment page. */
export function secretOnPage(html: string): string {
  const m = html.match(/data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)</);
  if (!m) throw new Error("no TOTP secret on the page");
  return m[1].replace(/ /g, "");
}

/** The emergency codes shown (once) after enrolling or regenerating. */
export function recoveryCodesOnPage(html: string): string[] {
  const section = html.slice(html.indexOf('data-testid="recovery-codes"'));
  return [...section.matchAll(/<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<\/code>/g)].map((m) => m[1]);
}

/**
 * A code for the account that has not been used yet: the current step's, or the next one's
 * (accepted for clock drift) when the current one was used in this same 30-second window.
 */
export async function unusedTotp(secret: string, owner: { userId?: string; staffId?: string }): Promise<string | null> {
  const row = await testDb()
    .selectFrom("two_factor_credentials")
    .select("last_used_step")
    .$if(!!owner.userId, (q) => q.where("user_id", "=", owner.userId!))
    .$if(!!owner.staffId, (q) => q.where("staff_id", "=", owner.staffId!))
    .executeTakeFirst();
  const last = row?.last_used_step == null ? -1 : Number(row.last_used_step);
  const current = currentStep();
  for (const step of [current, current + 1]) if (step > last) return totpAt(secret, step);
  return null;
}

/** S-3: a customer enrols through the account pages; returns the secret and the emergency codes. */
export async function enrolThroughAccount(client: Client): Promise<{ secret: string; recoveryCodes: string[]; confirmed: Page }> {
  const start = await client.post("/account/two-factor", { intent: "start" });
  if (start.status !== 302) throw new Error(`enrolment did not start: ${start.status}`);
  const page = await client.get("/account/two-factor");
  const secret = secretOnPage(page.html);
  const confirmed = await client.post("/account/two-factor", { intent: "confirm", code: await totpAt(secret) });
  if (confirmed.status !== 200) throw new Error(`enrolment not confirmed: ${confirmed.status} ${textOf(confirmed.html).slice(0, 300)}`);
  return { secret, recoveryCodes: recoveryCodesOnPage(confirmed.html), confirmed };
}

/** A staff account's second factor made directly (as the enrolment would), for back-office tests. */
export async function enrolStaffDirectly(staffId: string): Promise<{ totpSecret: string; recoveryCodes: string[] }> {
  const totpSecret = newTotpSecret();
  const recoveryCodes = newRecoveryCodes();
  const db = testDb();
  const cred = await db
    .insertInto("two_factor_credentials")
    .values({ staff_id: staffId, secret_encrypted: encryptSecret(totpSecret, staffId), confirmed_at: new Date(), created_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("two_factor_recovery_codes")
    .values(recoveryCodes.map((c) => ({ credential_id: cred.id, code_hash: hashRecoveryCode(normalizeRecoveryCode(c)!), created_at: new Date() })))
    .execute();
  return { totpSecret, recoveryCodes };
}
