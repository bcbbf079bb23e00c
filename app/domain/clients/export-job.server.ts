import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { Database } from "../../../db/client";
import { config } from "../../config.server";
import { translator } from "../../i18n/index";
import { addMs, now } from "../../lib/clock";
import { transaction } from "../tx.server";
import { EXPORT_COLUMNS, paymentState, type Cell, type PaymentState } from "./export-format";
import { CLIENT_EXPORT_JOB, countRows, exportSettings, readRows, type ExportRow, type ExportScope } from "./export-rows.server";
import { csvWriter, xlsxWriter } from "./export-writers.server";
import { EXPORT_CHUNK_ROWS, EXPORT_KEEP_MS, exportFilePath, requireActivePartner } from "./exports.server";

// C-6: the job side of client exports (workers/jobs/client-export.ts, expire-client-exports.ts).
export interface ExportProgress {
  (percent: number): Promise<void>;
}

export type ExportOutcome = { status: "done"; rows: number; size: number } | { status: "skipped"; reason: "missing" | "finished" };

/**
 * The `client-export` job: writes the export's file and marks it done. Idempotent: an export
 * already done (or expired) is left as it is; a rerun of an unfinished one writes the file anew
 * under a temporary name and replaces it whole. `progress` receives 0–100 (BullMQ's
 * job.updateProgress); the row's `progress` column says the same for the page.
 */
export async function runClientExport(db: Database, exportId: string, progress?: ExportProgress, chunkRows = EXPORT_CHUNK_ROWS): Promise<ExportOutcome> {
  const job = { "app.job": CLIENT_EXPORT_JOB };
  const claimed = await transaction(
    db,
    async (trx) => {
      const row = await trx
        .selectFrom("client_exports")
        .select(["id", "org_id", "format", "language", "status", "client_org_id", "client_org_ids", "partner_invoices", sql<string | null>`period_from::text`.as("period_from"), sql<string | null>`period_to::text`.as("period_to")])
        .where("id", "=", exportId)
        .forUpdate()
        .executeTakeFirst();
      if (!row || row.status === "done" || row.status === "expired") return row ?? null;
      await trx.updateTable("client_exports").set({ status: "running", started_at: now(), progress: 0, rows_written: 0, failure: null }).where("id", "=", exportId).execute();
      return row;
    },
    job,
  );
  if (!claimed) return { status: "skipped", reason: "missing" };
  if (claimed.status === "done" || claimed.status === "expired") return { status: "skipped", reason: "finished" };

  const scope: ExportScope = { partnerOrgId: claimed.org_id, periodFrom: claimed.period_from, periodTo: claimed.period_to, clientOrgId: claimed.client_org_id,
    clientOrgIds: claimed.client_org_ids,
    partnerInvoices: claimed.partner_invoices,
  };
  const settings = exportSettings(claimed.org_id);
  const record = (values: { progress: number; rows_written: number }) =>
    transaction(db, (trx) => trx.updateTable("client_exports").set(values).where("id", "=", exportId).execute(), settings);
  const finalPath = exportFilePath(exportId, claimed.format);
  const partialPath = `${finalPath}.${randomBytes(4).toString("hex")}.partial`;
  try {
    await transaction(db, (trx) => requireActivePartner(trx, claimed.org_id), settings);
    // The row count (for the progress) runs beside the export, on another connection: Postgres
    // counts while this process writes, instead of the writing waiting for the count.
    let total: number | null = null;
    const counting = transaction(
      db,
      async (trx) => {
        const n = await countRows(trx, scope);
        await trx.updateTable("client_exports").set({ rows_total: n }).where("id", "=", exportId).execute();
        return n;
      },
      settings,
    ).then((n) => (total = n));
    // A failed count is thrown below (awaited before the export is marked done), not left unhandled meanwhile.
    counting.catch(() => undefined);
    await progress?.(0);
    await mkdir(config.exportsDir, { recursive: true });
    const t = translator(claimed.language);
    const headers = EXPORT_COLUMNS.map((c) => t(c.key));
    const writer = claimed.format === "xlsx" ? xlsxWriter(partialPath, t("clientExports.sheet"), EXPORT_COLUMNS, headers) : csvWriter(partialPath, EXPORT_COLUMNS, headers);
    const labels = {
      payer: { client: t("clientExports.payer.client"), partner: t("clientExports.payer.partner") },
      state: Object.fromEntries((["paid", "partly_paid", "open", "credited", "partly_credited"] as const).map((s) => [s, t(`clientExports.state.${s}`)])) as Record<PaymentState, string>,
    };
    let written = 0;
    let reported = 0;
    let previousInvoice = "";
    await readRows(db, scope, chunkRows, async (rows) => {
      const cells = rows.map((r) => {
        const first = r.invoice_id !== previousInvoice;
        previousInvoice = r.invoice_id;
        return exportCells(r, first, labels);
      });
      await writer.writeRows(cells);
      written += rows.length;
      // Whole percent steps below 100: 100 means the file is complete.
      const percent = total === null ? 0 : total > 0 ? Math.min(99, Math.floor((written * 100) / total)) : 99;
      if (percent > reported) {
        reported = percent;
        await record({ progress: percent, rows_written: written });
        await progress?.(percent);
      }
    });
    await writer.finish();
    await counting;
    await rename(partialPath, finalPath);
    const { size } = await stat(finalPath);
    const finishedAt = now();
    await transaction(
      db,
      (trx) =>
        trx
          .updateTable("client_exports")
          .set({ status: "done", progress: 100, rows_written: written, rows_total: written, file_size: size, finished_at: finishedAt, expires_at: addMs(finishedAt, EXPORT_KEEP_MS) })
          .where("id", "=", exportId)
          .execute(),
      settings,
    );
    await progress?.(100);
    return { status: "done", rows: written, size };
  } catch (err) {
    await rm(partialPath, { force: true });
    const failure = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await transaction(db, (trx) => trx.updateTable("client_exports").set({ status: "failed", failure }).where("id", "=", exportId).execute(), job);
    throw err;
  }
}

/**
 * One export row: the line's own values on every row; the invoice's amounts (net, VAT, total,
 * paid, credited, cashback) on its first line only, so that a column's sum is the real total.
 */
export function exportCells(r: ExportRow, firstLineOfInvoice: boolean, labels: { payer: Record<"client" | "partner", string>; state: Record<PaymentState, string> }): Cell[] {
  const f = firstLineOfInvoice;
  return [
    r.client_name,
    r.client_id,
    labels.payer[r.payer],
    r.number,
    r.issued_on,
    r.currency,
    labels.state[paymentState(r.total_amount, r.paid, r.credited)],
    r.position,
    r.description,
    r.period_from,
    r.period_to,
    r.quantity,
    r.unit_amount,
    r.discount_amount,
    r.line_net,
    f ? r.net_amount : null,
    f ? r.vat_amount : null,
    f ? r.total_amount : null,
    f ? r.paid : null,
    f ? r.credited : null,
    f ? r.cashback_rate_bp : null,
    f ? r.cashback_amount : null,
  ];
}

/**
 * The `expire-client-exports` job: deletes the files of exports finished over 7 days ago and
 * marks them expired. Idempotent (an expired export is not touched again).
 */
export async function expireClientExports(db: Database): Promise<{ expired: number }> {
  let expired = 0;
  for (;;) {
    const batch = await transaction(
      db,
      async (trx) => {
        const rows = await trx
          .selectFrom("client_exports")
          .select(["id", "format"])
          .where("status", "=", "done")
          .where("expires_at", "<=", now())
          .orderBy("expires_at")
          .limit(200)
          .forUpdate()
          .skipLocked()
          .execute();
        for (const r of rows) await rm(exportFilePath(r.id, r.format), { force: true });
        if (rows.length > 0) {
          await trx
            .updateTable("client_exports")
            .set({ status: "expired" })
            .where(
              "id",
              "in",
              rows.map((r) => r.id),
            )
            .execute();
        }
        return rows.length;
      },
      { "app.job": CLIENT_EXPORT_JOB },
    );
    expired += batch;
    if (batch < 200) return { expired };
  }
}
