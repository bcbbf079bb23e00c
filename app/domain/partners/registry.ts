import { normalizeRegistryId } from "../orgs/settings.server";

// P-1/P-3: the company registration an applicant gives, checked before it is stored.
export const REGISTRY_KINDS = ["ch_uid", "fr_siret", "other"] as const;
export type RegistryKindName = (typeof REGISTRY_KINDS)[number];

export type RegistryResult = { ok: true; country: string; number: string } | { ok: false; field: "registryNumber" | "registryCountry"; error: string };

/** French SIRET: 14 digits whose Luhn sum is a multiple of 10. */
export function isValidSiret(value: string): boolean {
  const digits = value.replace(/\s/g, "");
  if (!/^\d{14}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = Number(digits[13 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Swiss UID with its modulo-11 check digit (the organization settings' validator), French SIRET with Luhn, or any other register's country and number. */
export function validateRegistry(kind: RegistryKindName, country: string, number: string): RegistryResult {
  const trimmed = number.trim();
  if (kind === "ch_uid") {
    const normalized = /^CHE/i.test(trimmed.replace(/\s/g, "")) ? normalizeRegistryId(trimmed) : null;
    return normalized ? { ok: true, country: "CH", number: normalized } : { ok: false, field: "registryNumber", error: "partners.errors.uid" };
  }
  if (kind === "fr_siret") {
    return isValidSiret(trimmed) ? { ok: true, country: "FR", number: trimmed.replace(/\s/g, "") } : { ok: false, field: "registryNumber", error: "partners.errors.siret" };
  }
  const cc = country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc)) return { ok: false, field: "registryCountry", error: "partners.errors.country" };
  if (!/^[\p{L}\p{N}][\p{L}\p{N} .\/-]{1,59}$/u.test(trimmed)) return { ok: false, field: "registryNumber", error: "partners.errors.registry" };
  return { ok: true, country: cc, number: trimmed };
}
