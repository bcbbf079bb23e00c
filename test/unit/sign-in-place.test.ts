import { describe, expect, it } from "vitest";
import { placeOfIp } from "../../app/lib/ip-place.server";
import { describeUserAgent } from "../../app/lib/user-agent";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "../../app/domain/two-factor/recovery-codes.server";
import { decryptSecret, encryptSecret } from "../../app/domain/two-factor/secret-box.server";

describe("what an approval prompt shows, and how second factors are kept", () => {
  it("S-3: the place of a sign-in is the country of a public address, the local network for private ones", () => {
    expect(placeOfIp("84.72.10.20")).toEqual({ ip: "84.72.10.20", local: false, country: "CH" });
    expect(placeOfIp("::ffff:84.72.10.20").country).toBe("CH");
    expect(placeOfIp("8.8.8.8").country).toBe("US");
    for (const ip of ["10.1.2.3", "192.168.0.5", "172.20.1.1", "127.0.0.1", "::1", "fd00::1"]) expect(placeOfIp(ip).local, ip).toBe(true);
    expect(placeOfIp("unknown")).toEqual({ ip: "unknown", local: false, country: null });
    expect(placeOfIp(null)).toEqual({ ip: null, local: false, country: null });
  });

  it("S-3: the browser of a sign-in is named from its User-Agent", () => {
    expect(describeUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0")).toEqual({ browser: "Firefox", system: "Windows" });
    expect(describeUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15")).toEqual({ browser: "Safari", system: "macOS" });
    expect(describeUserAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1")).toEqual({ browser: "Chrome", system: "iOS" });
    expect(describeUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0")).toEqual({ browser: "Edge", system: "Windows" });
    expect(describeUserAgent(null)).toEqual({ browser: null, system: null });
  });

  it("S-4: emergency codes are 10 distinct 80-bit codes, typed in any case with or without dashes, hashed the same", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
    const typed = codes[0].toLowerCase().replace(/-/g, " ");
    expect(hashRecoveryCode(normalizeRecoveryCode(typed)!)).toBe(hashRecoveryCode(normalizeRecoveryCode(codes[0])!));
    expect(normalizeRecoveryCode("123456")).toBeNull();
  });

  it("S-3: a stored secret decrypts only for the account it was encrypted for", () => {
    const box = encryptSecret("JBSWY3DPEHPK3PXP", "account-1");
    expect(box).not.toContain("JBSWY3DPEHPK3PXP");
    expect(decryptSecret(box, "account-1")).toBe("JBSWY3DPEHPK3PXP");
    expect(() => decryptSecret(box, "account-2")).toThrow();
    expect(encryptSecret("JBSWY3DPEHPK3PXP", "account-1")).not.toBe(box);
  });
});
