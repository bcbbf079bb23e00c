import { sql } from "kysely";
import { toCount } from "../../../db/client";
import type { CashbackLineDetail } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { isLocale, translator, type UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { ensurePrepaidAccount } from "../billing/checkout.server";
import { formatMoney, type Currency } from "../billing/money";
import { BILLING_TIME_ZONE } from "../billing/renewal-rules";
import { NotFound } from "../errors";
import { asJob } from "../jobs/as-job.server";
import { queueMail } from "../mail/outbox.server";
import type { Acting } from "../orgs/member-fields";
import { transaction, withActor, type Handle } from "../tx.server";
import { applyPartnerRate, partnerTier } from "./tiers.server";

// P-9: when the client pays its invoices itself, the partner earns cashback at its rate for
// each line's category; a monthly job credits it to the partner's prepaid account with a
// statement of every invoice line it came from.

const CASHBACK_JOB: Actor = { kind: "anonymous" };
export const STATEMENTS_PAGE_SIZE = 24;

/** The first day (`YYYY-MM-01`) of the month before `at`, in the billing time zone. */
export function previousBillingMonth(at: Date): string {
  const [year, month] = new Intl.DateTimeFormat("en-CA", { timeZone: BILLING_TIME_ZONE, year: "numeric", month: "2-digit" }).format(at).split("-").map(Number);
  const y = month === 1 ? year - 1 : year;
  const m = month === 1 ? 12 : month - 1;
  return `${y}-${String(m).padStart(2, "0")}-01`;
}

const monthPattern = /^\d{4}-(0[1-9]|1[0-2])-01$/;

/** The partners the monthly run covers (every organization in the partner program). */
export async function cashbackPartners(db: Handle): Promise<string[]> {
  const rows = await asJob(db, "partner-cashback", (trx) => trx.selectFrom("program_memberships").select("org_id").where("program", "=", "partner").orderBy("org_id").execute());
  return rows.map((r) => r.org_id);
}

export interface CashbackRun {
  outcome: "credited" | "already_done" | "not_partner";
  amount: number;
  invoices: number;
}

/**
 * P-9: the cashback of one partner for one month (`YYYY-MM-01`): one line per invoice its
 * active clients paid themselves in that month (in the partner's currency), at the partner's
 * current rates per category, rounded half up per invoice line; one statement and one credit
 * to its prepaid account. Idempotent: the statement is unique per partner and month and a
 * cashback line unique per invoice, so a second run changes nothing.
 */
export async function runPartnerCashback(db: Handle, partnerOrgId: string, month: string): Promise<CashbackRun> {
  if (!monthPattern.test(month)) throw new RangeError(`month must be YYYY-MM-01, got ${month}`);
  return transaction(
    db,
    async (trx) => {
      const membership = await trx.selectFrom("program_memberships").select("program").where("org_id", "=", partnerOrgId).executeTakeFirst();
      if (membership?.program !== "partner") return { outcome: "not_partner" as const, amount: 0, invoices: 0 };
      const done = await trx.selectFrom("partner_cashback_statements").select("id").where("org_id", "=", partnerOrgId).where("month", "=", sql<Date>`${month}::date`).forUpdate().executeTakeFirst();
      if (done) return { outcome: "already_done" as const, amount: 0, invoices: 0 };
      const partner = await trx
        .selectFrom("organizations as o")
        .leftJoin("users as u", "u.id", "o.legal_rep_user_id")
        .select(["o.currency", "u.email", "u.locale"])
        .where("o.id", "=", partnerOrgId)
        .executeTakeFirstOrThrow();
      const currency = partner.currency as Currency;
      const links = await trx.selectFrom("partner_client_links").select(["client_org_id", "since"]).where("org_id", "=", partnerOrgId).where("state", "=", "active").execute();
      const tier = await partnerTier(trx, partnerOrgId);
      const rateOf = (kind: string | null) => tier.rates.find((r) => r.kind === kind)?.rateBp ?? 0;
      const byInvoice = new Map<string, { clientOrgId: string; details: CashbackLineDetail[] }>();
      if (links.length > 0) {
        // The job reads its partner's active clients' invoices: it acts for them too.
        await sql`select set_config('app.org_ids', ${[partnerOrgId, ...links.map((l) => l.client_org_id)].join(",")}, true)`.execute(trx);
        const from = sql<Date>`(${month}::date)::timestamp at time zone ${BILLING_TIME_ZONE}`;
        const to = sql<Date>`(${month}::date + interval '1 month')::timestamp at time zone ${BILLING_TIME_ZONE}`;
        const rows = await trx
          .selectFrom("invoices as i")
          .innerJoin("partner_client_links as l", (j) => j.onRef("l.client_org_id", "=", "i.org_id").on("l.org_id", "=", partnerOrgId).on("l.state", "=", "active"))
          .innerJoin("invoice_lines as il", "il.invoice_id", "i.id")
          .leftJoin("order_lines as ol", (j) => j.onRef("ol.order_id", "=", "i.order_id").onRef("ol.position", "=", "il.position"))
          .leftJoin("product_types as t", "t.code", "ol.product_type_code")
          .select(["i.id as invoice_id", "i.number", "i.org_id as client_org_id", "il.position", "il.description", "il.net_amount", "t.kind"])
          .where("i.client_org_id", "is", null)
          .where("i.currency", "=", currency)
          .where("i.issued_at", ">=", from)
          .where("i.issued_at", "<", to)
          .whereRef("i.issued_at", ">=", "l.since")
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom("partner_cashback_lines as c").select(sql`1`.as("one")).whereRef("c.invoice_id", "=", "i.id"))))
          .orderBy("i.issued_at")
          .orderBy("i.id")
          .orderBy("il.position")
          .execute();
        for (const r of rows) {
          const rateBp = rateOf(r.kind);
          const entry = byInvoice.get(r.invoice_id) ?? { clientOrgId: r.client_org_id, details: [] };
          entry.details.push({ invoice: r.number, position: r.position, description: r.description, kind: r.kind, net: r.net_amount, rateBp, amount: applyPartnerRate(r.net_amount, rateBp) });
          byInvoice.set(r.invoice_id, entry);
        }
      }
      const at = now();
      const lines = [...byInvoice].map(([invoiceId, e]) => ({
        org_id: partnerOrgId,
        client_org_id: e.clientOrgId,
        invoice_id: invoiceId,
        month,
        // The line's rate when all its invoice lines share one; else the highest (each detail has its own).
        rate_bp: Math.max(0, ...e.details.map((d) => d.rateBp)),
        amount: e.details.reduce((s, d) => s + d.amount, 0),
        currency,
        created_at: at,
        details: JSON.stringify(e.details),
      }));
      for (let i = 0; i < lines.length; i += 500) {
        await trx.insertInto("partner_cashback_lines").values(lines.slice(i, i + 500)).execute();
      }
      const amount = lines.reduce((s, l) => s + l.amount, 0);
      await trx.insertInto("partner_cashback_statements").values({ org_id: partnerOrgId, month, currency, amount, invoices: lines.length, created_at: at }).execute();
      if (amount > 0) {
        await ensurePrepaidAccount(trx, partnerOrgId, currency);
        await trx
          .updateTable("prepaid_accounts")
          .set((eb) => ({ balance: eb("balance", "+", amount), updated_at: at }))
          .where("org_id", "=", partnerOrgId)
          .execute();
        await trx.insertInto("prepaid_entries").values({ org_id: partnerOrgId, kind: "cashback", amount, created_at: at }).execute();
        if (partner.email) {
          const locale: UiLocale = isLocale(partner.locale) ? partner.locale : "de";
          const t = translator(locale);
          const vars = { month: month.slice(0, 7), amount: formatMoney(amount, currency, `${locale}-CH`), invoices: String(lines.length) };
          await queueMail(trx, { orgId: partnerOrgId, to: partner.email, subject: t("partners.cashback.mailSubject", vars), text: t("partners.cashback.mailText", vars), kind: "partner_cashback" });
        }
      }
      await audit(trx, CASHBACK_JOB, { orgId: partnerOrgId, action: "partner.cashback_credited", targetType: "organization", targetId: partnerOrgId, data: { month, amount, invoices: lines.length } });
      return { outcome: "credited" as const, amount, invoices: lines.length };
    },
    { "app.org_ids": partnerOrgId, "app.user_id": "", "app.staff_role": "", "app.job": "" },
  );
}

/** P-9: the partner's monthly cashback statements, newest first. */
export async function cashbackStatements(db: Handle, acting: Acting, orgId: string, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "Billing", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    const total = toCount((await trx.selectFrom("partner_cashback_statements").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n);
    const pages = Math.max(1, Math.ceil(total / STATEMENTS_PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1)));
    const statements = await trx
      .selectFrom("partner_cashback_statements")
      .select(["id", sql<string>`to_char(month, 'YYYY-MM-DD')`.as("month"), "currency", "amount", "invoices", "created_at"])
      .where("org_id", "=", orgId)
      .orderBy("month", "desc")
      .limit(STATEMENTS_PAGE_SIZE)
      .offset((page - 1) * STATEMENTS_PAGE_SIZE)
      .execute();
    return { page, pages, total, statements };
  });
}

/** P-9: one month's statement: every client invoice and invoice line the cashback came from. */
export async function cashbackStatement(db: Handle, acting: Acting, orgId: string, month: string) {
  assertCan(acting.ability, "read", "Billing", { orgId });
  if (!monthPattern.test(month)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const statement = await trx
      .selectFrom("partner_cashback_statements")
      .select([sql<string>`to_char(month, 'YYYY-MM-DD')`.as("month"), "currency", "amount", "invoices", "created_at"])
      .where("org_id", "=", orgId)
      .where("month", "=", sql<Date>`${month}::date`)
      .executeTakeFirst();
    if (!statement) throw new NotFound();
    // The partner reads its cashback lines and its clients' names, not the clients' invoices: the line keeps what it needs.
    const lines = await trx
      .selectFrom("partner_cashback_lines as c")
      .leftJoin("organizations as o", "o.id", "c.client_org_id")
      .select(["c.invoice_id", "c.client_org_id", "o.name as client_name", "c.amount", "c.rate_bp", "c.currency", "c.details"])
      .where("c.org_id", "=", orgId)
      .where("c.month", "=", sql<Date>`${month}::date`)
      .orderBy("o.name")
      .orderBy("c.invoice_id")
      .execute();
    return { statement, lines };
  });
}
