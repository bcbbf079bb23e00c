import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isIP } from "node:net";

// S-3: "where" a sign-in comes from, by its IP address, for the approval prompt: the country
// of the address, from the public-domain (CC0) IP-to-country ranges of ip-location-db
// (RIR whois and ASN data, IPv4), loaded once on first use. Addresses of private, loopback
// and link-local ranges are named as the local network. IPv6 addresses are shown as they are.
export interface IpPlace {
  ip: string | null;
  local: boolean;
  /** ISO 3166 country code, when the address can be placed. */
  country: string | null;
}

function ipv4Of(ip: string): string | null {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return isIP(v4) === 4 ? v4 : null;
}

function toNumber(v4: string): number {
  return v4.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

export function isLocalAddress(ip: string): boolean {
  const v4 = ipv4Of(ip);
  if (v4) {
    const [a, b] = v4.split(".").map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0;
  }
  if (isIP(ip) === 6) {
    const lower = ip.toLowerCase();
    return lower === "::1" || lower.startsWith("fc") || lower.startsWith("fd") || lower.startsWith("fe80");
  }
  return false;
}

interface Ranges {
  starts: Uint32Array;
  ends: Uint32Array;
  countries: string[];
}
let ranges: Ranges | null | undefined;

function loadRanges(): Ranges | null {
  try {
    const require = createRequire(import.meta.url);
    const file = require.resolve("@ip-location-db/geo-whois-asn-country/geo-whois-asn-country-ipv4-num.csv");
    const lines = readFileSync(file, "utf8").split("\n");
    const starts = new Uint32Array(lines.length);
    const ends = new Uint32Array(lines.length);
    const countries: string[] = [];
    let n = 0;
    for (const line of lines) {
      const [start, end, country] = line.split(",");
      if (!country) continue;
      starts[n] = Number(start);
      ends[n] = Number(end);
      countries.push(country.trim());
      n++;
    }
    return { starts: starts.subarray(0, n), ends: ends.subarray(0, n), countries };
  } catch {
    // Without the data the prompt still shows the address itself.
    return null;
  }
}

function countryOf(v4: string): string | null {
  ranges ??= loadRanges();
  if (!ranges) return null;
  const n = toNumber(v4);
  let lo = 0;
  let hi = ranges.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges.starts[mid] <= n) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && ranges.ends[hi] >= n ? ranges.countries[hi] : null;
}

export function placeOfIp(ip: string | null | undefined): IpPlace {
  if (!ip || (isIP(ip) === 0 && !ipv4Of(ip))) return { ip: ip ?? null, local: false, country: null };
  if (isLocalAddress(ip)) return { ip, local: true, country: null };
  const v4 = ipv4Of(ip);
  return { ip, local: false, country: v4 ? countryOf(v4) : null };
}
