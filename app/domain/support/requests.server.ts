import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { ScreenshotType } from "../../../db/schema";
import { allows, assertCan, type AppAbility } from "../../auth/ability";
import type { UserActor } from "../../auth/actor";
import { config } from "../../config.server";
import { safeFileName, sniffType } from "../../lib/file-types";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import type { Upload } from "../../lib/uploads.server";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { StaffActing } from "../staff/accounts.server";
import { withActor, type Handle, type Tx } from "../tx.server";

// K-4: a user opens a support request (text and screenshots); it goes to one support agent,
// who answers and closes it from the back office queue.

export const SUPPORT_PAGE_SIZE = 25;
/** Each screenshot at most 5 MB, at most 5 per message. */
export const SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024;
export const SCREENSHOTS_PER_MESSAGE = 5;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const openRequestSchema = z.object({
  subject: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(200, "errors.tooLong"),
  body: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(10000, "errors.tooLong"),
});
export const replySchema = z.object({
  body: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(10000, "errors.tooLong"),
});

export interface UserActing {
  actor: UserActor;
  ability: AppAbility;
}

/** Screenshots are PNG or JPEG by their first bytes; anything else is refused. */
function checkScreenshots(files: Upload[]): Array<Upload & { type: ScreenshotType }> {
  if (files.length > SCREENSHOTS_PER_MESSAGE) throw new Invalid({ screenshots: "support.errors.tooManyScreenshots" });
  return files.map((f) => {
    if (f.data.byteLength > SCREENSHOT_MAX_BYTES) throw new Invalid({ screenshots: "support.errors.screenshotTooLarge" });
    const type = sniffType(f.data);
    if (type !== "image/png" && type !== "image/jpeg") throw new Invalid({ screenshots: "support.errors.screenshotType" });
    return { ...f, type };
  });
}

function attachmentPath(requestId: string, attachmentId: string): string {
  return join(config.supportFilesDir, requestId, attachmentId);
}

async function addMessage(
  trx: Tx,
  requestId: string,
  author: { userId?: string; staffId?: string },
  body: string,
  screenshots: Array<Upload & { type: ScreenshotType }>,
): Promise<string> {
  const messageId = randomUUID();
  const at = now();
  await trx
    .insertInto("support_messages")
    .values({ id: messageId, request_id: requestId, author_user_id: author.userId ?? null, author_staff_id: author.staffId ?? null, body, created_at: at })
    .execute();
  for (const shot of screenshots) {
    const id = randomUUID();
    await trx
      .insertInto("support_attachments")
      .values({ id, request_id: requestId, message_id: messageId, file_name: safeFileName(shot.name, shot.type), content_type: shot.type, size_bytes: shot.data.byteLength, created_at: at })
      .execute();
    await mkdir(join(config.supportFilesDir, requestId), { recursive: true });
    await writeFile(attachmentPath(requestId, id), shot.data, { mode: 0o600 });
  }
  return messageId;
}

/** K-4: opens a request with its first message and screenshots, assigned to one support agent. */
export async function openSupportRequest(db: Handle, acting: UserActing, input: z.infer<typeof openRequestSchema>, files: Upload[]): Promise<{ requestId: string }> {
  assertCan(acting.ability, "create", "SupportRequest", { userId: acting.actor.userId });
  const screenshots = checkScreenshots(files);
  return withActor(db, acting.actor, async (trx) => {
    const { rows } = await sql<{ agent: string | null }>`select portal_pick_support_agent() as agent`.execute(trx);
    const agent = rows[0]?.agent ?? null;
    const requestId = randomUUID();
    await trx
      .insertInto("support_requests")
      .values({ id: requestId, user_id: acting.actor.userId, subject: input.subject, assigned_staff_id: agent, created_at: now() })
      .execute();
    await addMessage(trx, requestId, { userId: acting.actor.userId }, input.body, screenshots);
    await audit(trx, acting.actor, { action: "support.request_opened", targetType: "support_request", targetId: requestId, data: { assignedStaffId: agent, screenshots: screenshots.length } });
    return { requestId };
  });
}

/** The user's own requests, open first, newest first. */
export async function mySupportRequests(db: Handle, acting: UserActing, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "SupportRequest", { userId: acting.actor.userId });
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const base = trx.selectFrom("support_requests").where("user_id", "=", acting.actor.userId);
    const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const requests = await base
      .select(["id", "subject", "status", "created_at", "closed_at"])
      .orderBy(sql`status = 'open'`, "desc")
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(SUPPORT_PAGE_SIZE)
      .offset((page - 1) * SUPPORT_PAGE_SIZE)
      .execute();
    return { page, pages: pageCount(total, SUPPORT_PAGE_SIZE), requests };
  });
}

async function conversation(trx: Tx, requestId: string) {
  const messages = await trx
    .selectFrom("support_messages as m")
    .leftJoin("staff_accounts as s", "s.id", "m.author_staff_id")
    .select(["m.id", "m.body", "m.created_at", "m.author_user_id", "m.author_staff_id", "s.name as staff_name"])
    .where("m.request_id", "=", requestId)
    .orderBy("m.created_at")
    .orderBy("m.id")
    .execute();
  const attachments = await trx
    .selectFrom("support_attachments")
    .select(["id", "message_id", "file_name", "content_type", "size_bytes"])
    .where("request_id", "=", requestId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return messages.map((m) => ({ ...m, attachments: attachments.filter((a) => a.message_id === m.id) }));
}

/** One of the user's requests with its conversation (another user's id answers 404). */
export async function mySupportRequest(db: Handle, acting: UserActing, requestId: string) {
  if (!uuid.test(requestId)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const request = await trx
      .selectFrom("support_requests")
      .select(["id", "user_id", "subject", "status", "created_at", "closed_at", "assigned_staff_id"])
      .where("id", "=", requestId)
      .where("user_id", "=", acting.actor.userId)
      .executeTakeFirst();
    if (!request || !allows(acting.ability, "read", "SupportRequest", { userId: request.user_id })) throw new NotFound();
    return { request, messages: await conversation(trx, requestId) };
  });
}

/** The user adds a message (and screenshots) to their open request. */
export async function replyAsUser(db: Handle, acting: UserActing, requestId: string, body: string, files: Upload[]): Promise<void> {
  const screenshots = checkScreenshots(files);
  await withActor(db, acting.actor, async (trx) => {
    const request = await userRequestForUpdate(trx, acting, requestId);
    if (request.status !== "open") throw new Conflict("support_request_closed", "support.errors.closed");
    await addMessage(trx, requestId, { userId: acting.actor.userId }, body, screenshots);
    await audit(trx, acting.actor, { action: "support.user_replied", targetType: "support_request", targetId: requestId, data: { screenshots: screenshots.length } });
  });
}

async function userRequestForUpdate(trx: Tx, acting: UserActing, requestId: string) {
  if (!uuid.test(requestId)) throw new NotFound();
  const request = await trx.selectFrom("support_requests").selectAll().where("id", "=", requestId).where("user_id", "=", acting.actor.userId).forUpdate().executeTakeFirst();
  if (!request) throw new NotFound();
  assertCan(acting.ability, "update", "SupportRequest", { userId: request.user_id });
  return request;
}

/** The user closes their request (support access then stops being usable: K-4). */
export async function closeAsUser(db: Handle, acting: UserActing, requestId: string): Promise<void> {
  await withActor(db, acting.actor, async (trx) => {
    const request = await userRequestForUpdate(trx, acting, requestId);
    if (request.status !== "open") return;
    await trx.updateTable("support_requests").set({ status: "closed", closed_at: now() }).where("id", "=", requestId).execute();
    await audit(trx, acting.actor, { action: "support.request_closed", targetType: "support_request", targetId: requestId, data: { by: "user" } });
  });
}

/** A screenshot of the user's own request. */
export async function myAttachment(db: Handle, acting: UserActing, requestId: string, attachmentId: string) {
  await mySupportRequest(db, acting, requestId);
  return readAttachment(db, acting.actor, requestId, attachmentId);
}

async function readAttachment(db: Handle, actor: UserActor | StaffActing["actor"], requestId: string, attachmentId: string) {
  if (!uuid.test(attachmentId)) throw new NotFound();
  const row = await withActor(db, actor, (trx) =>
    trx.selectFrom("support_attachments").select(["id", "file_name", "content_type"]).where("id", "=", attachmentId).where("request_id", "=", requestId).executeTakeFirst(),
  );
  if (!row) throw new NotFound();
  return { fileName: row.file_name, contentType: row.content_type, data: await readFile(attachmentPath(requestId, row.id)) };
}

// ---- The back office (K-4) ----

/** The agent's queue: their open requests, oldest first; then (scope "all") their closed ones. */
export async function agentQueue(db: Handle, acting: StaffActing, opts: { scope: "open" | "all"; page?: number }) {
  assertCan(acting.ability, "read", "SupportRequest");
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const base = trx
      .selectFrom("support_requests as r")
      // Administrators oversee every request; an agent sees the ones assigned to them.
      .$if(acting.actor.role !== "administrator", (qb) => qb.where("r.assigned_staff_id", "=", acting.actor.staffId))
      .$if(opts.scope === "open", (qb) => qb.where("r.status", "=", "open"));
    const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const requests = await base
      .innerJoin("users as u", "u.id", "r.user_id")
      .leftJoin("staff_accounts as s", "s.id", "r.assigned_staff_id")
      .select(["r.id", "r.subject", "r.status", "r.created_at", "u.name as user_name", "u.email as user_email", "s.name as agent_name"])
      .orderBy(sql`r.status = 'open'`, "desc")
      .orderBy("r.created_at")
      .orderBy("r.id")
      .limit(SUPPORT_PAGE_SIZE)
      .offset((page - 1) * SUPPORT_PAGE_SIZE)
      .execute();
    return { page, pages: pageCount(total, SUPPORT_PAGE_SIZE), total, requests };
  });
}

async function staffRequest(trx: Tx, acting: StaffActing, requestId: string, action: "read" | "update") {
  if (!uuid.test(requestId)) throw new NotFound();
  const request = await trx
    .selectFrom("support_requests as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["r.id", "r.user_id", "r.subject", "r.status", "r.created_at", "r.closed_at", "r.assigned_staff_id", "u.name as user_name", "u.email as user_email"])
    .where("r.id", "=", requestId)
    .$if(action === "update", (qb) => qb.forUpdate("r"))
    .executeTakeFirst();
  if (!request) throw new NotFound();
  // Another agent's request: as if it did not exist.
  if (!allows(acting.ability, action, "SupportRequest", { assignedStaffId: request.assigned_staff_id })) throw new NotFound();
  return request;
}

/** One request of the agent's queue with its conversation. */
export async function requestForAgent(db: Handle, acting: StaffActing, requestId: string) {
  return withActor(db, acting.actor, async (trx) => {
    const request = await staffRequest(trx, acting, requestId, "read");
    return { request, messages: await conversation(trx, requestId) };
  });
}

export async function replyAsAgent(db: Handle, acting: StaffActing, requestId: string, body: string): Promise<void> {
  await withActor(db, acting.actor, async (trx) => {
    const request = await staffRequest(trx, acting, requestId, "update");
    if (request.status !== "open") throw new Conflict("support_request_closed", "support.errors.closed");
    await addMessage(trx, requestId, { staffId: acting.actor.staffId }, body, []);
    await audit(trx, acting.actor, { action: "support.agent_replied", targetType: "support_request", targetId: requestId });
  });
}

export async function closeAsAgent(db: Handle, acting: StaffActing, requestId: string): Promise<void> {
  await withActor(db, acting.actor, async (trx) => {
    const request = await staffRequest(trx, acting, requestId, "update");
    if (request.status !== "open") return;
    await trx.updateTable("support_requests").set({ status: "closed", closed_at: now() }).where("id", "=", requestId).execute();
    await audit(trx, acting.actor, { action: "support.request_closed", targetType: "support_request", targetId: requestId, data: { by: "agent" } });
  });
}

export async function agentAttachment(db: Handle, acting: StaffActing, requestId: string, attachmentId: string) {
  await requestForAgent(db, acting, requestId);
  return readAttachment(db, acting.actor, requestId, attachmentId);
}
