import { isIP } from "node:net";

// S-3: "where" a sign-in comes from, by its IP address, for the approval prompt. Addresses of
// private, loopback and link-local ranges are named as the local network.
export interface IpPlace {
  ip: string | null;
  local: boolean;
  /** ISO 3166 country code, when the address can be placed. */
  country: string | null;
}

export function isLocalAddress(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split(".").map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0;
  }
  if (isIP(ip) === 6) {
    const lower = ip.toLowerCase();
    return lower === "::1" || lower.startsWith("fc") || lower.startsWith("fd") || lower.startsWith("fe80");
  }
  return false;
}

export function placeOfIp(ip: string | null | undefined): IpPlace {
  if (!ip || isIP(ip.startsWith("::ffff:") ? ip.slice(7) : ip) === 0) return { ip: ip ?? null, local: false, country: null };
  return { ip, local: isLocalAddress(ip), country: null };
}
