import { z } from "zod";
import { toCount } from "../../../db/client";
import type { IdentityCheckReason, IdentityDocumentType, ScreenshotType } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { hashToken } from "../../auth/tokens.server";
import { pickLocale, translator } from "../../i18n/index";
import { sniffType } from "../../lib/file-types";
import { addMs, HOUR, now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import type { Upload } from "../../lib/uploads.server";
import { audit } from "../audit/audit.server";
import { settleOrder } from "../billing/checkout.server";
import { Conflict, Invalid, isUniqueViolation, NotFound } from "../errors";
import { asJob } from "../jobs/as-job.server";
import { queueMail } from "../mail/outbox.server";
import type { StaffActing } from "../staff/accounts.server";
import { actAs, transaction, withActor, type Handle, type Tx } from "../tx.server";
import { deleteIdentityFiles, readIdentityFile, storeIdentityFile, type IdentityFileKind } from "./identity-files.server";
import { STAFF_REQUESTABLE_REASONS } from "../support/limits";
import { ONE_OPEN_TWO_FACTOR_CHECK, startIdentityCheck } from "./identity-links.server";
import { blocksOfCheck } from "./order-screening.server";
import { switchOffTwoFactorAfterIdentityCheck } from "../two-factor/two-factor.server";

// S-5/K-3: identity checks. The user uploads an identity document and a photo of themselves
// holding it through a one-time link; staff handle submitted checks oldest first; handling
// deletes the documents, and a job deletes those of checks not handled within 72 hours.

export const IDENTITY_FILE_MAX_BYTES = 10 * 1024 * 1024;
export const UNHANDLED_DOCUMENTS_TTL_MS = 72 * HOUR;
export const IDENTITY_QUEUE_PAGE_SIZE = 25;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const decisionSchema = z
  .object({
    checkId: z.string().uuid("errors.invalid"),
    decision: z.enum(["approve", "reject"], { message: "errors.invalid" }),
    rejectionReason: z.string().trim().max(1000, "errors.tooLong").optional(),
    confirm: z.literal("yes", { message: "identity.errors.confirm" }),
  })
  .refine((v) => v.decision !== "reject" || (v.rejectionReason ?? "").length > 0, { path: ["rejectionReason"], message: "identity.errors.rejectionReason" });

export const requestCheckSchema = z.object({ reason: z.enum(STAFF_REQUESTABLE_REASONS, { message: "errors.invalid" }) });

/** Settings that let this transaction read and answer exactly the check of the link. */
function byToken(token: string) {
  return { "app.identity_token_hash": hashToken(token), "app.org_ids": "", "app.user_id": "", "app.staff_role": "" } as const;
}

async function openCheckOfToken(trx: Tx, token: string, forUpdate: boolean) {
  const check = await trx
    .selectFrom("identity_checks")
    .select(["id", "reason", "status", "upload_used_at", "upload_expires_at", "requested_at"])
    .where("upload_token_hash", "=", hashToken(token))
    .$if(forUpdate, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!check || check.status !== "requested" || check.upload_used_at || check.upload_expires_at.getTime() <= now().getTime()) return null;
  return check;
}

/** The check behind a one-time link, or null when the link is unknown, used or expired. */
export async function identityCheckOfLink(db: Handle, token: string | undefined) {
  if (!token || token.length > 100) return null;
  return transaction(db, (trx) => openCheckOfToken(trx, token, false), byToken(token));
}

function checkFile(file: Upload | undefined, field: IdentityFileKind, allowed: readonly IdentityDocumentType[]) {
  if (!file) throw new Invalid({ [field]: "identity.errors.required" });
  if (file.data.byteLength > IDENTITY_FILE_MAX_BYTES) throw new Invalid({ [field]: "identity.errors.tooLarge" });
  const type = sniffType(file.data);
  if (!type || !allowed.includes(type)) throw new Invalid({ [field]: field === "document" ? "identity.errors.documentType" : "identity.errors.photoType" });
  return { data: file.data, type };
}

/**
 * S-5: stores the identity document (PNG, JPEG or PDF) and the photo (PNG or JPEG), each
 * encrypted, and puts the check in the staff queue. The link works once.
 */
export async function submitIdentityDocuments(db: Handle, token: string, files: { document?: Upload; photo?: Upload }, ip?: string): Promise<void> {
  const document = checkFile(files.document, "document", ["image/png", "image/jpeg", "application/pdf"]);
  const photo = checkFile(files.photo, "photo", ["image/png", "image/jpeg"]);
  await transaction(
    db,
    async (trx) => {
      const check = await openCheckOfToken(trx, token, true);
      if (!check) throw new Conflict("identity_link_unusable", "identity.errors.linkUnusable");
      await storeIdentityFile(check.id, "document", document.data);
      await storeIdentityFile(check.id, "photo", photo.data);
      const at = now();
      await trx
        .updateTable("identity_checks")
        .set({ status: "submitted", submitted_at: at, upload_used_at: at, document_type: document.type, photo_type: photo.type as ScreenshotType })
        .where("id", "=", check.id)
        .execute();
      await audit(trx, { kind: "anonymous", ip }, { action: "identity_check.submitted", targetType: "identity_check", targetId: check.id, data: { reason: check.reason } });
    },
    byToken(token),
  );
}

/** K-3: submitted checks, oldest first. */
export async function identityCheckQueue(db: Handle, acting: StaffActing, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "IdentityCheck");
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const base = trx.selectFrom("identity_checks as c").where("c.status", "=", "submitted");
    const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const checks = await base
      .innerJoin("users as u", "u.id", "c.user_id")
      .select(["c.id", "c.reason", "c.submitted_at", "c.requested_at", "u.name as user_name", "u.email as user_email"])
      .orderBy("c.submitted_at")
      .orderBy("c.id")
      .limit(IDENTITY_QUEUE_PAGE_SIZE)
      .offset((page - 1) * IDENTITY_QUEUE_PAGE_SIZE)
      .execute();
    return { page, pages: pageCount(total, IDENTITY_QUEUE_PAGE_SIZE), total, checks };
  });
}

async function staffCheck(trx: Tx, checkId: string, forUpdate = false) {
  if (!uuid.test(checkId)) throw new NotFound();
  const check = await trx
    .selectFrom("identity_checks as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .select([
      "c.id",
      "c.user_id",
      "c.reason",
      "c.status",
      "c.document_type",
      "c.photo_type",
      "c.requested_at",
      "c.submitted_at",
      "c.handled_at",
      "c.documents_deleted_at",
      "c.rejection_reason",
      "u.name as user_name",
      "u.email as user_email",
      "u.locale as user_locale",
    ])
    .where("c.id", "=", checkId)
    .$if(forUpdate, (qb) => qb.forUpdate("c"))
    .executeTakeFirst();
  if (!check) throw new NotFound();
  return check;
}

/** One check for the staff member handling it, with the orders it would release (B-14). */
export async function identityCheckForStaff(db: Handle, acting: StaffActing, checkId: string) {
  assertCan(acting.ability, "read", "IdentityCheck");
  return withActor(db, acting.actor, async (trx) => {
    const check = await staffCheck(trx, checkId);
    return { check, blocks: await blocksOfCheck(trx, check.id) };
  });
}

/** A submitted check's document or photo, decrypted for the staff member; each view is audited. */
export async function identityDocument(db: Handle, acting: StaffActing, checkId: string, kind: IdentityFileKind) {
  assertCan(acting.ability, "read", "IdentityCheck");
  return withActor(db, acting.actor, async (trx) => {
    const check = await staffCheck(trx, checkId);
    const type = kind === "document" ? check.document_type : check.photo_type;
    if (check.status !== "submitted" || check.documents_deleted_at || !type) throw new NotFound();
    await audit(trx, acting.actor, { action: "identity_check.document_viewed", targetType: "identity_check", targetId: check.id, data: { kind } });
    return { contentType: type, data: await readIdentityFile(check.id, kind) };
  });
}

/**
 * K-3: approves or rejects a submitted check; either way its documents are deleted. Approving
 * an order check releases and completes the held orders (B-14), acting for each order's
 * organization only.
 */
export async function handleIdentityCheck(db: Handle, acting: StaffActing, input: z.infer<typeof decisionSchema>): Promise<void> {
  assertCan(acting.ability, "update", "IdentityCheck");
  await withActor(db, acting.actor, async (trx) => {
    const check = await staffCheck(trx, input.checkId, true);
    if (check.status !== "submitted") throw new Conflict("identity_check_handled", "identity.errors.handled");
    const at = now();
    const approved = input.decision === "approve";
    await trx
      .updateTable("identity_checks")
      .set({ status: approved ? "approved" : "rejected", handled_by: acting.actor.staffId, handled_at: at, documents_deleted_at: at, rejection_reason: approved ? null : input.rejectionReason! })
      .where("id", "=", check.id)
      .execute();
    await audit(trx, acting.actor, { action: approved ? "identity_check.approved" : "identity_check.rejected", targetType: "identity_check", targetId: check.id, data: { reason: check.reason, userId: check.user_id } });
    await audit(trx, acting.actor, { action: "identity_check.documents_deleted", targetType: "identity_check", targetId: check.id, data: { cause: "handled" } });
    const t = translator(pickLocale(check.user_locale, null));
    await queueMail(trx, {
      to: check.user_email,
      subject: t(approved ? "identity.mail.approvedSubject" : "identity.mail.rejectedSubject"),
      text: approved ? t("identity.mail.approvedBody", { name: check.user_name }) : t("identity.mail.rejectedBody", { name: check.user_name, reason: input.rejectionReason! }),
      kind: approved ? "identity_check_approved" : "identity_check_rejected",
    });
    if (approved) await approvalEffects[check.reason]?.(trx, acting.actor, check);
    // The documents go before the decision commits: they never outlive a handled check.
    await deleteIdentityFiles(check.id);
  });
}

/**
 * What approving a check does beyond closing it, per reason, in the same transaction: an order
 * check releases the held orders (B-14); a check for switching 2FA off switches it off (S-5).
 * The other reasons only confirm the identity for the staff member's next step.
 */
const approvalEffects: Partial<Record<IdentityCheckReason, (trx: Tx, actor: Actor, check: { id: string; user_id: string }) => Promise<void>>> = {
  suspicious_order: (trx, actor, check) => releaseOrders(trx, actor, check.id),
  disable_2fa: (trx, actor, check) => switchOffTwoFactorAfterIdentityCheck(trx, actor, check.user_id, check.id),
};

async function releaseOrders(trx: Tx, actor: Actor, checkId: string) {
  for (const block of await blocksOfCheck(trx, checkId)) {
    if (block.status !== "blocked") continue;
    // Completing the order writes that organization's data: act for it, and only it.
    await actAs(trx, actor, [block.org_id]);
    await trx.updateTable("order_blocks").set({ status: "released", released_at: now() }).where("id", "=", block.id).execute();
    await audit(trx, actor, { orgId: block.org_id, action: "order.released", targetType: "order", targetId: block.order_id, data: { identityCheckId: checkId } });
    await settleOrder(trx, actor, block.order_id);
  }
}

/** S-5: support asks the user of a request for an identity check (e.g. a forgotten password). */
export async function requestIdentityCheckFromSupport(db: Handle, acting: StaffActing, requestId: string, reason: (typeof STAFF_REQUESTABLE_REASONS)[number]): Promise<void> {
  assertCan(acting.ability, "update", "IdentityCheck");
  if (!uuid.test(requestId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const request = await trx
      .selectFrom("support_requests as r")
      .innerJoin("users as u", "u.id", "r.user_id")
      .select(["r.id", "r.user_id", "r.status", "r.assigned_staff_id", "u.email", "u.name", "u.locale"])
      .where("r.id", "=", requestId)
      .executeTakeFirst();
    if (!request) throw new NotFound();
    assertCan(acting.ability, "update", "SupportRequest", { assignedStaffId: request.assigned_staff_id });
    if (request.status !== "open") throw new Conflict("support_request_closed", "support.errors.closed");
    const { link } = await startIdentityCheck(trx, acting.actor, { userId: request.user_id, reason, requestedByStaffId: acting.actor.staffId }).catch((err: unknown) => {
      if (isUniqueViolation(err, ONE_OPEN_TWO_FACTOR_CHECK)) throw new Conflict("identity_check_open", "identity.errors.alreadyOpen");
      throw err;
    });
    const t = translator(pickLocale(request.locale, null));
    await queueMail(trx, {
      to: request.email,
      subject: t("identity.mail.requestSubject"),
      text: t("identity.mail.requestBody", { name: request.name, reason: t(`identity.reason.${reason}`), link }),
      kind: "identity_check_requested",
    });
  });
}

/**
 * S-5: deletes the documents of every check submitted more than 72 hours ago and still not
 * handled; the check ends as expired and the deletion is logged. Idempotent.
 */
export async function purgeUnhandledIdentityDocuments(db: Handle): Promise<{ deleted: number }> {
  const cutoff = addMs(now(), -UNHANDLED_DOCUMENTS_TTL_MS);
  return asJob(db, "identity-documents", async (trx) => {
    const due = await trx
      .selectFrom("identity_checks")
      .select(["id", "reason", "user_id", "submitted_at"])
      .where("status", "=", "submitted")
      .where("documents_deleted_at", "is", null)
      .where("submitted_at", "<=", cutoff)
      .forUpdate()
      .execute();
    const at = now();
    for (const check of due) {
      await deleteIdentityFiles(check.id);
      await trx.updateTable("identity_checks").set({ status: "expired", documents_deleted_at: at }).where("id", "=", check.id).execute();
      await audit(trx, { kind: "anonymous" }, { action: "identity_check.documents_deleted", targetType: "identity_check", targetId: check.id, data: { cause: "unhandled_72h", reason: check.reason, userId: check.user_id, submittedAt: check.submitted_at } });
    }
    return { deleted: due.length };
  });
}
