import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { config } from "../../config.server";

// S-3: TOTP secrets are stored encrypted (AES-256-GCM) with a key from the configuration,
// not readable in the database. `users` and `sessions` are account tables that the portal's
// role reads and writes directly (no row-level security applies before anyone is signed
// in), so a database role cannot be what protects them; encryption with a key kept outside
// the database does: a dump, a backup, a replica or an injected query yields only
// ciphertext. The account's id is the additional authenticated data, so a secret copied
// onto another account does not decrypt. "v1" names the format for a later key rotation.
const VERSION = "v1";

export function encryptSecret(plain: string, boundTo: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", config.twoFactorEncryptionKey, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), data.toString("base64url")].join(".");
}

export function decryptSecret(box: string, boundTo: string): string {
  const [version, iv, tag, data] = box.split(".");
  if (version !== VERSION || !iv || !tag || !data) throw new Error("unknown two-factor secret format");
  const decipher = createDecipheriv("aes-256-gcm", config.twoFactorEncryptionKey, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}
