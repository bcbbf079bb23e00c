import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { config } from "../../config.server";

// S-5: identity documents are kept outside the database, encrypted at rest with AES-256-GCM
// under the key from configuration (IDENTITY_FILES_KEY). A file is: version byte, 12-byte
// nonce, 16-byte tag, ciphertext. The check id and the file's role are authenticated data,
// so a file moved to another check (or swapped between document and photo) fails to open.
export type IdentityFileKind = "document" | "photo";

const VERSION = 1;

function pathOf(checkId: string, kind: IdentityFileKind): string {
  return join(config.identityFilesDir, checkId, `${kind}.bin`);
}

export function identityFilePath(checkId: string, kind: IdentityFileKind): string {
  return pathOf(checkId, kind);
}

export function encryptIdentityFile(checkId: string, kind: IdentityFileKind, plain: Uint8Array): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", config.identityFilesKey, nonce);
  cipher.setAAD(Buffer.from(`${checkId}:${kind}`));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]);
}

export function decryptIdentityFile(checkId: string, kind: IdentityFileKind, stored: Buffer): Buffer {
  if (stored.length < 29 || stored[0] !== VERSION) throw new Error("identity file: unknown format");
  const decipher = createDecipheriv("aes-256-gcm", config.identityFilesKey, stored.subarray(1, 13));
  decipher.setAAD(Buffer.from(`${checkId}:${kind}`));
  decipher.setAuthTag(stored.subarray(13, 29));
  return Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]);
}

export async function storeIdentityFile(checkId: string, kind: IdentityFileKind, plain: Uint8Array): Promise<void> {
  await mkdir(join(config.identityFilesDir, checkId), { recursive: true, mode: 0o700 });
  await writeFile(pathOf(checkId, kind), encryptIdentityFile(checkId, kind, plain), { mode: 0o600 });
}

export async function readIdentityFile(checkId: string, kind: IdentityFileKind): Promise<Buffer> {
  return decryptIdentityFile(checkId, kind, await readFile(pathOf(checkId, kind)));
}

/** Removes both files of a check (no error when they are already gone). */
export async function deleteIdentityFiles(checkId: string): Promise<void> {
  await rm(join(config.identityFilesDir, checkId), { recursive: true, force: true });
}
