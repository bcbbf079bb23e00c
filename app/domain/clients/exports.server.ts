import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import { z } from "zod";
import type { ClientExportFormat, ClientExportStatus, InvoiceLanguage } from "../../../db/schema";
import { allows, assertCan } from "../../auth/ability";
import { config } from "../../config.server";
import { enqueue } from "../../jobs.server";
import { addMs, DAY, now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { Acting } from "../orgs/member-fields";
import { withActor, type Handle, type Tx } from "../tx.server";

// C-6: a partner exports its clients' billing data. The page writes the export row (queued)
// and enqueues the `client-export` job with the export's id as job id; the job streams the
// rows from Postgres into the file, reports its progress, and marks it done; the file is kept
// 7 days, then the `expire-client-exports` job deletes it and marks the row expired.

export const EXPORT_KEEP_MS = 7 * DAY;
export const EXPORTS_PAGE_SIZE = 20;
/** Exports of one partner waiting or running at once; more are refused until one finishes. */
export const MAX_UNFINISHED_EXPORTS = 3;
/** Rows per fetch from Postgres and per write to the file. */
export const EXPORT_CHUNK_ROWS = 5000;

const day = z
  .string()
  .trim()
  .regex(/^(\d{4}-\d{2}-\d{2})?$/, "clientExports.errors.date")
  .refine((v) => v === "" || !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), "clientExports.errors.date")
  .transform((v) => (v === "" ? null : v));

export const exportRequestSchema = z
  .object({
    format: z.enum(["xlsx", "csv"], { message: "clientExports.errors.format" }),
    periodFrom: day.default(""),
    periodTo: day.default(""),
    clientOrgId: z
      .string()
      .trim()
      .default("")
      .refine((v) => v === "" || z.string().uuid().safeParse(v).success, "clientExports.errors.client")
      .transform((v) => (v === "" ? null : v)),
  })
  .refine((v) => !v.periodFrom || !v.periodTo || v.periodFrom <= v.periodTo, { path: ["periodTo"], message: "clientExports.errors.periodOrder" });
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** The status the page shows: a finished export past its 7 days is expired even before the purge ran. */
function shownStatus(status: ClientExportStatus, expiresAt: Date | null, at: Date): ClientExportStatus {
  return status === "done" && expiresAt && expiresAt <= at ? "expired" : status;
}

/** An approved, active partner; for anyone else the export pages do not exist. */
export async function requireActivePartner(trx: Tx, orgId: string): Promise<void> {
  const membership = await trx.selectFrom("program_memberships").select(["program", "status"]).where("org_id", "=", orgId).executeTakeFirst();
  // A partner flagged for review by the yearly re-check is still a partner (P-2: never
  // silently demoted); only staff end a partnership.
  if (membership?.program !== "partner") throw new NotFound();
}

/**
 * C-6 with C-3/C-4: whose billing data the acting user may export for the partner `orgId`.
 * The partner's legal representative and administrators: every client, and the partner's own
 * invoices for its clients (C-5). A partner user with staff rights: the clients its rights
 * reach that gave billing access, and only the exports it requested. Anyone else: 403.
 */
export interface ExportAccess {
  /** null = every client of the partner */
  clients: string[] | null;
  partnerInvoices: boolean;
  /** null = every export of the partner; else only this user's */
  requestedBy: string | null;
}

export function exportAccess(acting: Acting, orgId: string): ExportAccess {
  const userId = acting.actor.kind === "user" ? acting.actor.userId : null;
  // The representative's and administrators' rule has no condition on the client or requester.
  if (allows(acting.ability, "create", "ClientExport", { orgId, requestedBy: null })) return { clients: null, partnerInvoices: true, requestedBy: null };
  assertCan(acting.ability, "read", "ClientExport", { orgId, requestedBy: userId });
  const delegation = acting.actor.kind === "user" ? acting.actor.delegations?.find((d) => d.partnerOrgId === orgId) : undefined;
  // The ClientExport rule of delegation-rules.ts grants exactly these clients.
  return { clients: delegation?.billing ?? [], partnerInvoices: false, requestedBy: userId };
}

/** The clients an export can be filtered by: organizations linked to the partner (active or ended) that the user may export. */
async function exportableClients(trx: Tx, orgId: string, access: ExportAccess) {
  if (access.clients?.length === 0) return [];
  let q = trx
    .selectFrom("partner_client_links as l")
    .innerJoin("organizations as c", "c.id", "l.client_org_id")
    .select(["c.id", "c.name"])
    .distinct()
    .where("l.org_id", "=", orgId)
    .where("l.state", "in", ["active", "ended"]);
  if (access.clients) q = q.where(sql<boolean>`l.client_org_id = any(${access.clients}::uuid[])`);
  return q.orderBy("c.name").orderBy("c.id").execute();
}

/** Whether an export row is the user's to see: every export for the partner's admins, else their own of clients they may still export. */
function visible(access: ExportAccess, row: { requested_by: string | null; client_org_id: string | null; client_org_ids: string[] | null; partner_invoices: boolean }): boolean {
  if (access.requestedBy === null) return true;
  if (row.requested_by !== access.requestedBy || row.partner_invoices) return false;
  const allowed = new Set(access.clients);
  const covered = row.client_org_ids ?? (row.client_org_id ? [row.client_org_id] : null);
  return covered !== null && covered.every((id) => allowed.has(id));
}

/** The export page: the clients to filter by and the partner's exports, newest first, paged. */
export async function clientExportsPage(db: Handle, acting: Acting, orgId: string, opts: { page?: number } = {}) {
  const access = exportAccess(acting, orgId);
  return withActor(db, acting.actor, async (trx) => {
    await requireActivePartner(trx, orgId);
    const clients = await exportableClients(trx, orgId, access);
    const { total } = await trx
      .selectFrom("client_exports")
      .select(sql<number>`count(*)::int`.as("total"))
      .where("org_id", "=", orgId)
      .$if(access.requestedBy !== null, (q) => q.where("requested_by", "=", access.requestedBy))
      .executeTakeFirstOrThrow();
    const pages = Math.max(1, Math.ceil(total / EXPORTS_PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1)));
    const rows = await trx
      .selectFrom("client_exports as e")
      .leftJoin("organizations as c", "c.id", "e.client_org_id")
      .select([
        "e.id",
        "e.format",
        "e.status",
        "e.progress",
        "e.rows_written",
        "e.rows_total",
        "e.file_size",
        "e.created_at",
        "e.finished_at",
        "e.expires_at",
        sql<string | null>`e.period_from::text`.as("period_from"),
        sql<string | null>`e.period_to::text`.as("period_to"),
        "c.name as client_name",
      ])
      .where("e.org_id", "=", orgId)
      .$if(access.requestedBy !== null, (q) => q.where("e.requested_by", "=", access.requestedBy))
      .orderBy("e.created_at", "desc")
      .orderBy("e.id", "desc")
      .limit(EXPORTS_PAGE_SIZE)
      .offset((page - 1) * EXPORTS_PAGE_SIZE)
      .execute();
    const at = now();
    const exports = rows.map((r) => ({ ...r, status: shownStatus(r.status, r.expires_at, at) }));
    return { clients, exports, page, pages, pending: exports.some((e) => e.status === "queued" || e.status === "running") };
  });
}

/**
 * C-6: records an export request (queued) and enqueues its job once committed. The client
 * filter must be one of the partner's linked clients the user may export; the export covers
 * only the billing data its requester may see (exportAccess). A partner has at most
 * MAX_UNFINISHED_EXPORTS exports waiting or running.
 */
export async function requestClientExport(db: Handle, acting: Acting, orgId: string, input: ExportRequest, language: InvoiceLanguage): Promise<{ id: string }> {
  const access = exportAccess(acting, orgId);
  return withActor(db, acting.actor, async (trx) => {
    await requireActivePartner(trx, orgId);
    if (input.clientOrgId && !(await exportableClients(trx, orgId, access)).some((c) => c.id === input.clientOrgId)) {
      throw new Invalid({ clientOrgId: "clientExports.errors.client" });
    }
    // One partner's requests are serialized, so the limit holds under concurrent posts.
    await sql`select pg_advisory_xact_lock(hashtext('client-exports'), hashtext(${orgId}))`.execute(trx);
    const { unfinished } = await trx
      .selectFrom("client_exports")
      .select(sql<number>`count(*)::int`.as("unfinished"))
      .where("org_id", "=", orgId)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirstOrThrow();
    if (unfinished >= MAX_UNFINISHED_EXPORTS) throw new Conflict("too_many_exports", "clientExports.errors.tooMany", { max: MAX_UNFINISHED_EXPORTS });
    const row = await trx
      .insertInto("client_exports")
      .values({
        org_id: orgId,
        requested_by: acting.actor.kind === "user" ? acting.actor.userId : null,
        format: input.format,
        language,
        period_from: input.periodFrom,
        period_to: input.periodTo,
        client_org_id: input.clientOrgId,
        // "All clients" for a user with staff rights: the clients they may export today.
        client_org_ids: input.clientOrgId ? [input.clientOrgId] : access.clients,
        partner_invoices: access.partnerInvoices,
        created_at: now(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, acting.actor, {
      orgId,
      action: "client_export.requested",
      targetType: "client_export",
      targetId: row.id,
      data: { format: input.format, periodFrom: input.periodFrom, periodTo: input.periodTo, clientOrgId: input.clientOrgId, clients: access.clients?.length ?? "all" },
    });
    trx.onCommit(() => enqueue("client-export", { exportId: row.id }, clientExportJobId(row.id)));
    return row;
  });
}

/** The BullMQ job id of an export: its id (deterministic, no ':'). */
export function clientExportJobId(exportId: string): string {
  return `client-export-${exportId}`;
}

export function exportFilePath(exportId: string, format: ClientExportFormat): string {
  return resolve(join(config.exportsDir, `${exportId}.${format}`));
}

const CONTENT_TYPES: Record<ClientExportFormat, string> = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv; charset=utf-8",
};

/** C-6: one export's status and progress (the page's row, for the API), or NotFound. */
export async function clientExportStatus(db: Handle, acting: Acting, orgId: string, exportId: string) {
  const access = exportAccess(acting, orgId);
  if (!z.string().uuid().safeParse(exportId).success) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    await requireActivePartner(trx, orgId);
    const row = await trx
      .selectFrom("client_exports as e")
      .leftJoin("organizations as c", "c.id", "e.client_org_id")
      .select(["e.id", "e.format", "e.status", "e.progress", "e.rows_written", "e.rows_total", "e.file_size", "e.created_at", "e.finished_at", "e.expires_at", "e.client_org_id", "c.name as client_name"])
      .select(["e.requested_by", "e.client_org_ids", "e.partner_invoices"])
      .select([sql<string | null>`e.period_from::text`.as("period_from"), sql<string | null>`e.period_to::text`.as("period_to")])
      .where("e.id", "=", exportId)
      .where("e.org_id", "=", orgId)
      .executeTakeFirst();
    if (!row || !visible(access, row)) throw new NotFound();
    const { requested_by: _r, client_org_ids: _c, partner_invoices: _p, ...shown } = row;
    return { ...shown, status: shownStatus(row.status, row.expires_at, now()) };
  });
}

/**
 * A finished export's file, for the partner's authorized users only; anything else (another
 * organization's export, one not done, one past its 7 days) is not found.
 */
export async function clientExportFile(db: Handle, acting: Acting, orgId: string, exportId: string, format: string) {
  const access = exportAccess(acting, orgId);
  if (!z.string().uuid().safeParse(exportId).success) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    await requireActivePartner(trx, orgId);
    const row = await trx
      .selectFrom("client_exports")
      .select(["id", "format", "status", "expires_at", "created_at", sql<string | null>`period_from::text`.as("period_from"), sql<string | null>`period_to::text`.as("period_to")])
      .select(["requested_by", "client_org_id", "client_org_ids", "partner_invoices"])
      .where("id", "=", exportId)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    if (!row || !visible(access, row) || row.format !== format || shownStatus(row.status, row.expires_at, now()) !== "done") throw new NotFound();
    const path = exportFilePath(row.id, row.format);
    // The file lives in EXPORTS_DIR, which the web process and the workers must share.
    const file = await stat(path).catch(() => null);
    if (!file) throw new NotFound();
    await audit(trx, acting.actor, { orgId, action: "client_export.downloaded", targetType: "client_export", targetId: row.id });
    const created = row.created_at.toISOString().slice(0, 10);
    return {
      path,
      size: file.size,
      contentType: CONTENT_TYPES[row.format],
      fileName: `client-billing-${row.period_from ?? "start"}-${row.period_to ?? created}.${row.format}`,
    };
  });
}

