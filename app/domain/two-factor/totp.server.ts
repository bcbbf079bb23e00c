import { generateSecret, generateURI, verify } from "otplib";
import { now } from "../../lib/clock";

// S-3: RFC 6238 time-based codes (30-second steps, 6 digits, SHA-1: what every authenticator
// app understands), through otplib. One step of clock drift is accepted either way.
export const TOTP_PERIOD_SEC = 30;
const TOLERANCE_SEC = 30;
const ISSUER = "Partner Portal";

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secret: string, accountLabel: string): string {
  return generateURI({ issuer: ISSUER, label: accountLabel, secret, period: TOTP_PERIOD_SEC });
}

/** What the user typed, without the spaces apps show in the middle. */
export function normalizeTotp(input: string): string | null {
  const token = input.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(token) ? token : null;
}

/**
 * The time step of a valid code, or null. `afterStep` is the step of the last code accepted
 * for the account: that code, and any earlier one, is refused (no replay within its window).
 */
export async function checkTotp(secret: string, input: string, afterStep: number | null): Promise<number | null> {
  const token = normalizeTotp(input);
  if (!token) return null;
  const epoch = Math.floor(now().getTime() / 1000);
  const latestAcceptable = Math.floor((epoch + TOLERANCE_SEC) / TOTP_PERIOD_SEC);
  if (afterStep !== null && afterStep >= latestAcceptable) return null;
  const result = await verify({
    secret,
    token,
    epoch,
    period: TOTP_PERIOD_SEC,
    epochTolerance: TOLERANCE_SEC,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}
