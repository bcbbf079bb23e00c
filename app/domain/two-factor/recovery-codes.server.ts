import { createHash, randomBytes } from "node:crypto";

// S-4: ten emergency codes, each 16 characters from a 32-letter alphabet without look-alikes
// (80 random bits), shown as four groups of four. 80 bits make a plain SHA-256 enough to
// store them: no guessing or offline search can get through that space.
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(16);
    const chars = [...bytes].map((b) => ALPHABET[b % 32]).join("");
    return chars.match(/.{4}/g)!.join("-");
  });
}

/** Upper case, without spaces and dashes; null when it cannot be an emergency code. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  return /^[A-Z2-9]{16}$/.test(code) ? code : null;
}

export function hashRecoveryCode(normalized: string): string {
  return createHash("sha256").update(normalized).digest("hex");
}
