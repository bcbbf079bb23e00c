import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// S-5: what encrypting identity documents at rest (AES-256-GCM) costs, beside the baseline of
// writing and reading the same bytes in plain, for a typical 5 MB scan. Run alone with
// `npx tsx bench/identity-files.ts`.
export async function benchIdentityFiles(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-identity-"));
  process.env.IDENTITY_FILES_DIR = dir;
  process.env.IDENTITY_FILES_KEY = randomBytes(32).toString("base64");
  const { storeIdentityFile, readIdentityFile } = await import("../app/domain/security/identity-files.server");
  const document = randomBytes(5 * 1024 * 1024);
  const rounds = 20;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const plainWrite: number[] = [];
  const plainRead: number[] = [];
  const encWrite: number[] = [];
  const encRead: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const id = `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`;
      plainWrite.push(await time(() => writeFile(join(dir, `plain-${i}`), document)));
      plainRead.push(await time(() => readFile(join(dir, `plain-${i}`))));
      encWrite.push(await time(() => storeIdentityFile(id, "document", document)));
      encRead.push(await time(() => readIdentityFile(id, "document")));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("\nIdentity documents at rest, 5 MB file, median of 20");
  console.log(`baseline: plain write ${median(plainWrite).toFixed(1).padStart(6)} ms   plain read ${median(plainRead).toFixed(1).padStart(6)} ms`);
  console.log(`AES-256-GCM:    write ${median(encWrite).toFixed(1).padStart(6)} ms   read+verify ${median(encRead).toFixed(1).padStart(6)} ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchIdentityFiles();
}
