import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import type { Client, Page } from "./app";
import { testDb } from "./setup";

// Support requests, support access and identity checks: files go to this test file's own
// folders (the configuration is read when used).
process.env.SUPPORT_FILES_DIR = mkdtempSync(join(tmpdir(), "portal-support-"));
process.env.IDENTITY_FILES_DIR = mkdtempSync(join(tmpdir(), "portal-identity-"));
// The built server runs as production, where the key must be configured.
process.env.IDENTITY_FILES_KEY = randomBytes(32).toString("base64");

/** A tiny real PNG (1×1) with `marker` bytes appended after its end chunk. */
export function png(marker = "png-bytes"): Buffer {
  const base = Buffer.from(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4d40000000049454e44ae426082",
    "hex",
  );
  return Buffer.concat([base, Buffer.from(marker)]);
}

export function jpeg(marker = "jpeg-bytes"): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from(`JFIF ${marker}`), Buffer.from([0xff, 0xd9])]);
}

export function pdf(marker = "pdf-bytes"): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${marker}\n%%EOF\n`);
}

export interface FilePart {
  name: string;
  data: Buffer;
  type?: string;
}

/** Posts a multipart form (text fields and files) the way a browser does. */
export function postMultipart(client: Client, path: string, fields: Record<string, string>, files: Record<string, FilePart[]> = {}): Promise<Page> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [k, list] of Object.entries(files)) {
    for (const f of list) form.append(k, new Blob([new Uint8Array(f.data)], { type: f.type ?? "application/octet-stream" }), f.name);
  }
  return client.request(path, { method: "POST", body: form });
}

/** Makes `agentIds` the only active support agents of this test database (assignment is global). */
export async function onlyTheseAgents(agentIds: string[]) {
  await testDb()
    .updateTable("staff_accounts")
    .set({ disabled_at: new Date() })
    .where("role", "=", "support_agent")
    .where("id", "not in", agentIds)
    .where("disabled_at", "is", null)
    .execute();
}

export function requestsOf(userId: string) {
  return testDb().selectFrom("support_requests").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute();
}

export async function auditOf(action: string, targetId?: string) {
  return testDb()
    .selectFrom("audit_log")
    .selectAll()
    .where("action", "=", action)
    .$if(!!targetId, (q) => q.where("target_id", "=", targetId!))
    .orderBy("id")
    .execute();
}

/** The one-time link path (`/identity/…`) in a mail's text. */
export function identityPathIn(text: string): string {
  const match = text.match(/\/identity\/([A-Za-z0-9_-]+)/);
  if (!match) throw new Error(`no identity link in: ${text}`);
  return `/identity/${match[1]}`;
}

export async function identityChecksOf(userId: string) {
  return testDb().selectFrom("identity_checks").selectAll().where("user_id", "=", userId).orderBy("requested_at").orderBy("id").execute();
}

/** Moves a submitted check's submission time (to put checks in a known order). */
export async function setSubmittedAt(checkId: string, at: Date) {
  await sql`update identity_checks set submitted_at = ${at} where id = ${checkId}`.execute(testDb());
}
