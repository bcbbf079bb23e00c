import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import { assertCan } from "../../auth/ability";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import type { StaffActing } from "../staff/accounts.server";
import { actAs, withActor, type Handle } from "../tx.server";
import { nextInvoiceNumber, vatAmount, type InvoiceDocument } from "./invoices.server";
import type { Currency } from "./money";

// B-9/B-11: an issued invoice never changes; a billing agent corrects it with a credit note
// that credits whole lines (all or chosen ones) and puts the credited total on the
// organization's prepaid balance.

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const creditNoteSchema = z.object({
  invoiceId: z.string({ message: "errors.required" }).min(1, "errors.required"),
  lineIds: z.array(z.string()).min(1, "creditNotes.errors.noLines"),
  reason: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(500, "errors.tooLong"),
  confirm: z.literal("yes", { message: "creditNotes.errors.confirm" }),
});
export type CreditNoteInput = z.infer<typeof creditNoteSchema>;

/** The back office's view of one invoice by its number (null if none): its lines and which are still creditable. */
export async function invoiceForCredit(db: Handle, acting: StaffActing, number: string) {
  assertCan(acting.ability, "create", "CreditNote");
  if (!/^[0-9]{4}-[0-9]{6}$/.test(number)) return null;
  return withActor(db, acting.actor, async (trx) => {
    const inv = await trx
      .selectFrom("invoices as i")
      .innerJoin("organizations as o", "o.id", "i.org_id")
      .select(["i.id", "i.number", "i.issued_at", "i.currency", "i.total_amount", "o.name as org_name"])
      .where("i.number", "=", number)
      .executeTakeFirst();
    if (!inv) return null;
    const lines = await trx
      .selectFrom("invoice_lines as l")
      .leftJoin("credit_note_lines as c", "c.invoice_line_id", "l.id")
      .select(["l.id", "l.description", "l.net_amount", (eb) => eb("c.id", "is not", null).as("credited")])
      .where("l.invoice_id", "=", inv.id)
      .orderBy("l.position")
      .execute();
    return { ...inv, lines };
  });
}

function isLineAlreadyCredited(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === "23505" && e.constraint === "credit_note_lines_invoice_line_id_key";
}

/**
 * B-9/B-11: issues a credit note for chosen lines of an invoice, numbered in the invoices'
 * gapless sequence, and credits its total to the prepaid balance. A line is credited once
 * at most: the transaction locks the invoice (advisory lock) and the UNIQUE constraint on
 * `credit_note_lines.invoice_line_id` refuses a racing second credit of the same line.
 */
export async function issueCreditNote(db: Handle, acting: StaffActing, input: CreditNoteInput): Promise<{ id: string; number: string }> {
  assertCan(acting.ability, "create", "CreditNote");
  if (!uuid.test(input.invoiceId) || input.lineIds.some((id) => !uuid.test(id))) throw new NotFound();
  try {
    return await withActor(db, acting.actor, async (trx) => {
      const inv = await trx.selectFrom("invoices").selectAll().where("id", "=", input.invoiceId).executeTakeFirst();
      if (!inv) throw new NotFound();
      // Issuing moves money of this one organization: the transaction acts for it too.
      await actAs(trx, acting.actor, [inv.org_id]);
      await sql`select pg_advisory_xact_lock(hashtext(${`credit:${inv.id}`}))`.execute(trx);
      const lines = await trx
        .selectFrom("invoice_lines as l")
        .leftJoin("credit_note_lines as c", "c.invoice_line_id", "l.id")
        .select(["l.id", "l.position", "l.description", "l.period_from", "l.period_to", "l.unit_amount", "l.quantity", "l.discount_amount", "l.net_amount", "c.id as credited"])
        .where("l.invoice_id", "=", inv.id)
        .orderBy("l.position")
        .execute();
      const chosen = lines.filter((l) => input.lineIds.includes(l.id));
      if (chosen.length !== new Set(input.lineIds).size) throw new Invalid({ lineIds: "creditNotes.errors.noLines" });
      if (chosen.some((l) => l.credited)) throw new Conflict("invoice_line_credited", "creditNotes.errors.alreadyCredited");
      const net = chosen.reduce((sum, l) => sum + l.net_amount, 0);
      const credited = await trx
        .selectFrom("credit_notes")
        .select([(eb) => eb.fn.coalesce(eb.fn.sum<number>("vat_amount"), sql<number>`0`).as("vat"), (eb) => eb.fn.coalesce(eb.fn.sum<number>("total_amount"), sql<number>`0`).as("total")])
        .where("invoice_id", "=", inv.id)
        .executeTakeFirstOrThrow();
      const vatLeft = inv.vat_amount + Number(credited.vat);
      const leftToCredit = inv.total_amount + Number(credited.total);
      const closesInvoice = lines.every((l) => l.credited || input.lineIds.includes(l.id));
      // The last credit takes exactly the VAT left, so rounding never credits more than invoiced.
      const vat = closesInvoice ? vatLeft : Math.min(vatAmount(net, inv.currency, inv.vat_rate_bp), vatLeft);
      const total = net + vat;
      if (total <= 0) throw new Conflict("credit_note_zero", "creditNotes.errors.zero");
      if (total > leftToCredit) throw new Conflict("credit_note_exceeds", "creditNotes.errors.exceeds");
      const issuedAt = now();
      const { sequence, number } = await nextInvoiceNumber(trx, issuedAt.getUTCFullYear());
      const note = await trx
        .insertInto("credit_notes")
        .values({
          org_id: inv.org_id,
          invoice_id: inv.id,
          number,
          year: issuedAt.getUTCFullYear(),
          sequence,
          issued_at: issuedAt,
          issued_by: acting.actor.staffId,
          reason: input.reason,
          language: inv.language,
          currency: inv.currency,
          net_amount: -net,
          vat_rate_bp: inv.vat_rate_bp,
          vat_amount: -vat,
          total_amount: -total,
          reverse_charge: inv.reverse_charge,
          bill_to: JSON.stringify(inv.bill_to),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("credit_note_lines")
        .values(
          chosen.map((l, i) => ({
            org_id: inv.org_id,
            credit_note_id: note.id,
            invoice_line_id: l.id,
            position: i + 1,
            description: l.description,
            period_from: l.period_from,
            period_to: l.period_to,
            unit_amount: -l.unit_amount,
            quantity: l.quantity,
            discount_amount: -l.discount_amount,
            net_amount: -l.net_amount,
          })),
        )
        .execute();
      // B-9: the credited total goes to the prepaid balance (opened if the organization has none).
      const account = await trx
        .insertInto("prepaid_accounts")
        .values({ org_id: inv.org_id, currency: inv.currency, balance: total, updated_at: issuedAt })
        .onConflict((oc) => oc.column("org_id").doUpdateSet((eb) => ({ balance: eb("prepaid_accounts.balance", "+", total), updated_at: issuedAt })))
        .returning("balance")
        .executeTakeFirstOrThrow();
      await trx.insertInto("prepaid_entries").values({ org_id: inv.org_id, kind: "credit_note", amount: total, credit_note_id: note.id, created_at: issuedAt }).execute();
      await audit(trx, acting.actor, {
        orgId: inv.org_id,
        action: "invoice.credit_note_issued",
        targetType: "credit_note",
        targetId: note.id,
        data: { number, invoice: inv.number, lines: chosen.map((l) => l.position), reason: input.reason, total: -total, currency: inv.currency, balanceAfter: account.balance },
      });
      return { id: note.id, number };
    });
  } catch (err) {
    if (isLineAlreadyCredited(err)) throw new Conflict("invoice_line_credited", "creditNotes.errors.alreadyCredited");
    throw err;
  }
}

export interface CreditNoteDocument extends InvoiceDocument {
  invoiceNumber: string;
  reason: string;
}

/** B-11: everything the PDF of one credit note shows; another organization's is NotFound. */
export async function creditNoteDocument(db: Handle, acting: ProductActing, orgId: string, creditNoteId: string): Promise<CreditNoteDocument> {
  assertCan(acting.ability, "read", "Billing", { orgId });
  if (!uuid.test(creditNoteId)) throw new NotFound();
  const note = await db
    .selectFrom("credit_notes as n")
    .innerJoin("invoices as i", "i.id", "n.invoice_id")
    .selectAll("n")
    .select("i.number as invoice_number")
    .where("n.org_id", "=", orgId)
    .where("n.id", "=", creditNoteId)
    .executeTakeFirst();
  if (!note) throw new NotFound();
  const lines = await db.selectFrom("credit_note_lines").selectAll().where("credit_note_id", "=", note.id).orderBy("position").execute();
  return {
    number: note.number,
    invoiceNumber: note.invoice_number,
    reason: note.reason,
    issuedAt: note.issued_at,
    language: note.language,
    currency: note.currency,
    netAmount: note.net_amount,
    vatRateBp: note.vat_rate_bp,
    vatAmount: note.vat_amount,
    totalAmount: note.total_amount,
    reverseCharge: note.reverse_charge,
    billTo: note.bill_to,
    paidBy: [],
    lines: lines.map((l) => ({
      description: l.description,
      periodFrom: l.period_from,
      periodTo: l.period_to,
      unitAmount: l.unit_amount,
      quantity: l.quantity,
      discountAmount: l.discount_amount,
      netAmount: l.net_amount,
    })),
  };
}

/** The back office's list of recent credit notes, newest first. */
export async function recentCreditNotes(db: Handle, acting: StaffActing, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "CreditNote");
  const size = 50;
  const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
  return withActor(db, acting.actor, async (trx) => {
    const total = toCount((await trx.selectFrom("credit_notes").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const notes = await trx
      .selectFrom("credit_notes as n")
      .innerJoin("invoices as i", "i.id", "n.invoice_id")
      .innerJoin("organizations as o", "o.id", "n.org_id")
      .select(["n.id", "n.number", "i.number as invoice_number", "o.name as org_name", "n.issued_at", "n.currency", "n.total_amount", "n.reason"])
      .orderBy("n.issued_at", "desc")
      .orderBy("n.sequence", "desc")
      .limit(size)
      .offset((page - 1) * size)
      .execute();
    return { page, pages: Math.max(1, Math.ceil(total / size)), notes: notes.map((n) => ({ ...n, currency: n.currency as Currency })) };
  });
}
