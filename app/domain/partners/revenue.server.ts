import { sql } from "kysely";
import { BILLING_TIME_ZONE } from "../billing/renewal-rules";
import type { Tx } from "../tx.server";

// P-10: the partner's revenue, cashback and discount per month, and its revenue per client.
// Revenue is the net amount invoiced for the partner's active clients: what they paid
// themselves (sums through a narrow function, migration 0023) plus what the partner paid for
// them. Discount is the partner rate taken off the partner's own invoices for clients;
// cashback the lines credited for each month.

export interface RevenueMonth {
  /** `YYYY-MM`. */
  month: string;
  revenue: number;
  cashback: number;
  discount: number;
}

/** The last `count` months (`YYYY-MM-01`) up to and including the month of `at`, in the billing time zone, oldest first. */
export function lastMonths(at: Date, count = 12): string[] {
  const [year, month] = new Intl.DateTimeFormat("en-CA", { timeZone: BILLING_TIME_ZONE, year: "numeric", month: "2-digit" }).format(at).split("-").map(Number);
  return Array.from({ length: count }, (_, i) => {
    const index = year * 12 + (month - 1) - (count - 1 - i);
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}-01`;
  });
}

const monthStart = (month: string) => sql<Date>`(${month}::date)::timestamp at time zone ${BILLING_TIME_ZONE}`;
const zurichMonth = sql<string>`to_char(date_trunc('month', i.issued_at at time zone ${BILLING_TIME_ZONE}), 'YYYY-MM')`;

/** P-10: revenue, cashback and discount per month over `months` (from partnerRevenueMonths' lastMonths). Acts for the partner. */
export async function partnerRevenueByMonth(trx: Tx, partnerOrgId: string, months: string[]): Promise<RevenueMonth[]> {
  const from = monthStart(months[0]);
  const clientPaid = await sql<{ month: string; net: number }>`select to_char(month, 'YYYY-MM') as month, net from portal_partner_revenue_by_month(${partnerOrgId}::uuid, ${from})`.execute(trx);
  const partnerPaid = await trx
    .selectFrom("invoices as i")
    .select([zurichMonth.as("month"), sql<number>`sum(i.net_amount)::bigint`.as("net")])
    .where("i.org_id", "=", partnerOrgId)
    .where("i.client_org_id", "is not", null)
    .where("i.issued_at", ">=", from)
    .groupBy(sql`1`)
    .execute();
  const discounts = await trx
    .selectFrom("invoices as i")
    .innerJoin("invoice_lines as l", "l.invoice_id", "i.id")
    .select([zurichMonth.as("month"), sql<number>`sum(l.discount_amount)::bigint`.as("discount")])
    .where("i.org_id", "=", partnerOrgId)
    .where("i.client_org_id", "is not", null)
    .where("i.issued_at", ">=", from)
    .groupBy(sql`1`)
    .execute();
  const cashback = await trx
    .selectFrom("partner_cashback_lines")
    .select([sql<string>`to_char(month, 'YYYY-MM')`.as("month"), sql<number>`sum(amount)::bigint`.as("amount")])
    .where("org_id", "=", partnerOrgId)
    .where("month", ">=", sql<Date>`${months[0]}::date`)
    .groupBy("month")
    .execute();
  const sumOf = <T extends { month: string }>(rows: T[], month: string, pick: (r: T) => number) => rows.filter((r) => r.month === month).reduce((s, r) => s + Number(pick(r)), 0);
  return months.map((m) => {
    const month = m.slice(0, 7);
    return {
      month,
      revenue: sumOf(clientPaid.rows, month, (r) => r.net) + sumOf(partnerPaid, month, (r) => r.net),
      cashback: sumOf(cashback, month, (r) => r.amount),
      discount: sumOf(discounts, month, (r) => r.discount),
    };
  });
}

/** P-10: the net amount invoiced to or for each of `clientOrgIds` since `fromMonth` (`YYYY-MM-01`). Acts for the partner. */
export async function revenueOfClients(trx: Tx, partnerOrgId: string, clientOrgIds: string[], fromMonth: string): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (clientOrgIds.length === 0) return result;
  const from = monthStart(fromMonth);
  const clientPaid = await sql<{ client_org_id: string; net: number }>`select client_org_id, net from portal_partner_client_revenue(${partnerOrgId}::uuid, ${sql`array[${sql.join(clientOrgIds.map((id) => sql`${id}::uuid`))}]`}, ${from})`.execute(trx);
  const partnerPaid = await trx
    .selectFrom("invoices")
    .select(["client_org_id", sql<number>`sum(net_amount)::bigint`.as("net")])
    .where("org_id", "=", partnerOrgId)
    .where("client_org_id", "in", clientOrgIds)
    .where("issued_at", ">=", from)
    .groupBy("client_org_id")
    .execute();
  for (const r of [...clientPaid.rows, ...partnerPaid]) result.set(r.client_org_id!, (result.get(r.client_org_id!) ?? 0) + Number(r.net));
  return result;
}
