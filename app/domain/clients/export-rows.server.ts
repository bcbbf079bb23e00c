import { sql, type RawBuilder } from "kysely";
import { hasConnectionPool } from "../../../db/client";
import type { Currency } from "../billing/money";
import { transaction, type Handle, type Settings } from "../tx.server";

// C-6: the rows of a client export, one per invoice line (an invoice without lines gives one
// row), read from Postgres in chunks so memory stays flat however many lines there are.

/** The job's name in `app.job`: migration 0025 lets exactly this job read its partner's clients' invoices. */
export const CLIENT_EXPORT_JOB = "client-export";

export interface ExportScope {
  partnerOrgId: string;
  /** Zurich calendar days `YYYY-MM-DD`, inclusive; null = open. */
  periodFrom: string | null;
  periodTo: string | null;
  clientOrgId: string | null;
  /** The clients the requester may export (null = every client of the partner), fixed at request. */
  clientOrgIds: string[] | null;
  /** Whether the partner's own invoices for its clients are included (its billing managers only). */
  partnerInvoices: boolean;
}

export interface ExportRow {
  client_name: string;
  client_id: string;
  payer: "client" | "partner";
  invoice_id: string;
  number: string;
  /** The invoice's issue day in Zurich, `YYYY-MM-DD`. */
  issued_on: string;
  /** Keyset position (full precision), for the chunked reader. */
  issued_key: string;
  currency: Currency;
  net_amount: number;
  vat_amount: number;
  total_amount: number;
  paid: number;
  credited: number;
  cashback_rate_bp: number | null;
  cashback_amount: number | null;
  position: number | null;
  description: string | null;
  period_from: string | null;
  period_to: string | null;
  quantity: number | null;
  unit_amount: number | null;
  discount_amount: number | null;
  line_net: number | null;
}

/**
 * The settings of the job's transactions: it acts for the partner only and names itself, so
 * row-level security shows it the partner's own rows plus its active clients' invoices (0025).
 */
export function exportSettings(partnerOrgId: string): Settings {
  return { "app.job": CLIENT_EXPORT_JOB, "app.org_ids": partnerOrgId, "app.user_id": "", "app.staff_role": "" };
}

/**
 * The invoices in scope, one row each, with what is computed once per invoice (paid, credited,
 * cashback): the client's own invoices since the client's link to the partner became active,
 * while the client gives the partner billing access (C-3), and, for the partner's billing
 * managers, the invoices the partner paid for the client (org_id = partner, client_org_id = client).
 * `offset 0` keeps Postgres from computing the per-invoice sums once per line.
 */
function invoicesInScope(scope: ExportScope): RawBuilder<unknown> {
  const p = scope.partnerOrgId;
  const filters = (alias: string, clientColumn: string) => sql.join(
    [
      sql`true`,
      scope.periodFrom ? sql`${sql.ref(`${alias}.issued_at`)} >= (${scope.periodFrom}::date)::timestamp at time zone 'Europe/Zurich'` : null,
      scope.periodTo ? sql`${sql.ref(`${alias}.issued_at`)} < ((${scope.periodTo}::date + 1)::timestamp at time zone 'Europe/Zurich')` : null,
      scope.clientOrgId ? sql`${sql.ref(clientColumn)} = ${scope.clientOrgId}::uuid` : null,
      scope.clientOrgIds ? sql`${sql.ref(clientColumn)} = any(${scope.clientOrgIds}::uuid[])` : null,
    ].filter((f): f is RawBuilder<unknown> => f !== null),
    sql` and `,
  );
  return sql`(
    select s.*,
      (select coalesce(sum((e->>'amount')::bigint), 0) from jsonb_array_elements(s.paid_by) e)::bigint as paid,
      coalesce((select -sum(n.total_amount) from credit_notes n where n.invoice_id = s.id), 0)::bigint as credited
    from (
      select i.id, i.org_id as client_id, 'client'::text as payer, i.number, i.issued_at, i.currency,
             i.net_amount, i.vat_amount, i.total_amount, i.paid_by
      from invoices i
      join partner_client_links k on k.client_org_id = i.org_id and k.org_id = ${p}::uuid
        and k.state = 'active' and k.access = 'full' and k.billing_access and i.issued_at >= k.since
      where ${filters("i", "i.org_id")}
      union all
      select i.id, i.client_org_id, 'partner', i.number, i.issued_at, i.currency,
             i.net_amount, i.vat_amount, i.total_amount, i.paid_by
      from invoices i
      where ${scope.partnerInvoices} and i.org_id = ${p}::uuid and i.client_org_id is not null and ${filters("i", "i.client_org_id")}
    ) s
    offset 0
  )`;
}

/**
 * The rows in order (client name, client, issue time, invoice, line). The invoices are sorted
 * first (a few per thousand lines), then each invoice's lines come from the (invoice_id,
 * position) index, so Postgres only sorts the handful of lines within each invoice
 * (an incremental sort) instead of sorting every line: the first rows come at once and memory
 * stays small on the database side too.
 */
export function selectRows(scope: ExportScope, after: ExportRow | null, limit: number | null): RawBuilder<ExportRow> {
  const keyset = after
    ? sql`where (s.client_name, s.client_id, s.issued_at, s.id, coalesce(l.position, 0)) >
        (${after.client_name}, ${after.client_id}::uuid, ${after.issued_key}::timestamptz, ${after.invoice_id}::uuid, ${after.position ?? 0})`
    : sql``;
  return sql<ExportRow>`
    select s.client_name, s.client_id, s.payer, s.id as invoice_id, s.number,
      to_char(s.issued_at at time zone 'Europe/Zurich', 'YYYY-MM-DD') as issued_on,
      s.issued_at::text as issued_key,
      s.currency, s.net_amount, s.vat_amount, s.total_amount, s.paid, s.credited,
      cb.rate_bp as cashback_rate_bp, cb.amount as cashback_amount,
      l.position, l.description,
      to_char(l.period_from at time zone 'Europe/Zurich', 'YYYY-MM-DD') as period_from,
      to_char(l.period_to at time zone 'Europe/Zurich', 'YYYY-MM-DD') as period_to,
      l.quantity, l.unit_amount, l.discount_amount, l.net_amount as line_net
    from (
      select v.*, c.name as client_name
      from ${invoicesInScope(scope)} v
      join organizations c on c.id = v.client_id
      order by c.name, v.client_id, v.issued_at, v.id
    ) s
    left join invoice_lines l on l.invoice_id = s.id
    left join partner_cashback_lines cb on cb.invoice_id = s.id and cb.org_id = ${scope.partnerOrgId}::uuid
    ${keyset}
    order by s.client_name, s.client_id, s.issued_at, s.id, coalesce(l.position, 0)
    ${limit === null ? sql`` : sql`limit ${limit}`}`;
}

/** How many rows the export will have (for its progress). Runs in the job's transaction. */
export async function countRows(trx: Handle, scope: ExportScope): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from ${invoicesInScope(scope)} s
    left join invoice_lines l on l.invoice_id = s.id`.execute(trx);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Reads the export's rows in order, `chunkSize` at a time, and hands each chunk to `onChunk`
 * (awaited, so a slow writer slows the reader down). On a pg pool: one transaction with a
 * server-side cursor (one consistent snapshot), the next chunk fetched while the current one is
 * written. On PGlite (one connection, whose transactions would block every request meanwhile):
 * one short transaction per chunk, continuing after the last row read (keyset).
 */
export async function readRows(
  db: Handle,
  scope: ExportScope,
  chunkSize: number,
  onChunk: (rows: ExportRow[]) => Promise<void>,
): Promise<void> {
  const settings = exportSettings(scope.partnerOrgId);
  if (hasConnectionPool(db)) {
    await transaction(
      db,
      async (trx) => {
        await sql`declare client_export no scroll cursor for ${selectRows(scope, null, null)}`.execute(trx);
        const fetchChunk = () => sql.raw<ExportRow>(`fetch forward ${Math.floor(chunkSize)} from client_export`).execute(trx);
        let current = await fetchChunk();
        while (current.rows.length > 0) {
          const next = current.rows.length < chunkSize ? null : fetchChunk();
          // A rejected prefetch is awaited (and thrown) below; do not let it go unhandled meanwhile.
          next?.catch(() => undefined);
          await onChunk(current.rows);
          if (!next) break;
          current = await next;
        }
        await sql`close client_export`.execute(trx);
      },
      settings,
    );
    return;
  }
  let after: ExportRow | null = null;
  for (;;) {
    const { rows }: { rows: ExportRow[] } = await transaction(db, (trx) => selectRows(scope, after, chunkSize).execute(trx), settings);
    if (rows.length === 0) break;
    await onChunk(rows);
    if (rows.length < chunkSize) break;
    after = rows[rows.length - 1];
  }
}
