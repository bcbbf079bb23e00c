import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { calculateQRReferenceChecksum, calculateSCORReferenceChecksum } from "swissqrbill/utils";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { BankTransferHoldReason, BillTo, InvoiceLanguage } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { config } from "../../config.server";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import type { StaffActing } from "../staff/accounts.server";
import { actAs, transaction, type Handle, type Tx } from "../tx.server";
import { CamtFormatError, normalizeReference, parseCamt054, type CamtCredit } from "./camt054";
import { settleOrder, type PaymentStart } from "./checkout.server";
import type { Currency } from "./money";

// B-6/B-8/B-10: paying by IBAN transfer. Choosing IBAN issues a proforma (not an invoice:
// it has its own number and the payment reference the transfer must quote); nothing is paid
// or renewed until the money is on the provider's account, which the back office learns from
// a camt.054 file or a staff member's confirmation. A credit that does not match a pending
// order by reference AND amount is kept, held for review, never dropped.

export const TRANSFERS_PAGE_SIZE = 50;
export const MAX_CAMT_BYTES = 5 * 1024 * 1024;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** CHF: a QR reference (26 digits and the mod-10 recursive check digit). EUR: an ISO 11649 creditor reference. */
export function paymentReference(currency: Currency, year: number, sequence: number): string {
  if (currency === "CHF") {
    const body = `${year}${String(sequence).padStart(22, "0")}`;
    return body + calculateQRReferenceChecksum(body);
  }
  const body = `${year}${String(sequence).padStart(6, "0")}`;
  return `RF${calculateSCORReferenceChecksum(body)}${body}`;
}

/** The account a transfer in `currency` goes to: the QR-IBAN for CHF QR-bills, the SEPA IBAN for EUR. */
export function creditorAccount(currency: Currency): string {
  const bank = config.bankCreditor;
  return currency === "CHF" ? bank.qrIban : bank.eurIban;
}

/**
 * B-6/B-10: the order is to be paid by transfer: issues its proforma for what is still due
 * (the prepaid part, B-9, was already taken) and leaves the order pending.
 */
export async function startBankTransfer(trx: Tx, actor: Actor, orderId: string, due: number): Promise<PaymentStart> {
  const order = await trx.selectFrom("orders").select(["id", "org_id", "currency", "language"]).where("id", "=", orderId).executeTakeFirstOrThrow();
  const existing = await trx.selectFrom("proformas").select("id").where("order_id", "=", orderId).executeTakeFirst();
  if (!existing) {
    const org = await trx
      .selectFrom("organizations")
      .select(["name", "street", "postal_code", "city", "country", "vat_id"])
      .where("id", "=", order.org_id)
      .executeTakeFirstOrThrow();
    const issuedAt = now();
    const year = issuedAt.getUTCFullYear();
    const { rows } = await sql<{ n: number }>`select nextval('proforma_number_seq')::int as n`.execute(trx);
    const sequence = Number(rows[0].n);
    const billTo: BillTo = { name: org.name, street: org.street, postalCode: org.postal_code, city: org.city, country: org.country, vatId: org.vat_id };
    const proforma = await trx
      .insertInto("proformas")
      .values({
        org_id: order.org_id,
        order_id: orderId,
        number: `PF-${year}-${String(sequence).padStart(6, "0")}`,
        reference: paymentReference(order.currency, year, sequence),
        creditor_iban: creditorAccount(order.currency),
        currency: order.currency,
        amount: due,
        language: order.language,
        bill_to: JSON.stringify(billTo),
        issued_at: issuedAt,
      })
      .returning(["id", "number", "reference"])
      .executeTakeFirstOrThrow();
    await audit(trx, actor, { orgId: order.org_id, action: "proforma.issued", targetType: "order", targetId: orderId, data: { number: proforma.number, reference: proforma.reference, amount: due } });
  }
  // Top-ups too: the orders page lists every order with its proforma.
  return { orderId, redirectUrl: `/orgs/${order.org_id}/billing/orders?scope=all&proforma=${orderId}` };
}

export interface ProformaDocument {
  number: string;
  reference: string;
  creditorIban: string;
  issuedAt: Date;
  language: InvoiceLanguage;
  currency: Currency;
  amount: number;
  netAmount: number;
  vatRateBp: number;
  vatAmount: number;
  totalAmount: number;
  reverseCharge: boolean;
  billTo: BillTo;
  lines: Array<{ description: string; unitAmount: number; quantity: number; discountAmount: number; netAmount: number }>;
}

/** B-6: what the proforma PDF of an order shows; another organization's order is NotFound. */
export async function proformaDocument(db: Handle, acting: ProductActing, orgId: string, orderId: string): Promise<ProformaDocument> {
  assertCan(acting.ability, "read", "Billing", { orgId });
  if (!uuid.test(orderId)) throw new NotFound();
  const row = await db
    .selectFrom("proformas as p")
    .innerJoin("orders as o", "o.id", "p.order_id")
    .select(["p.number", "p.reference", "p.creditor_iban", "p.issued_at", "p.language", "p.currency", "p.amount", "p.bill_to", "o.net_amount", "o.vat_rate_bp", "o.vat_amount", "o.total_amount", "o.reverse_charge"])
    .where("p.org_id", "=", orgId)
    .where("p.order_id", "=", orderId)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  const lines = await db.selectFrom("order_lines").selectAll().where("order_id", "=", orderId).orderBy("position").execute();
  return {
    number: row.number,
    reference: row.reference,
    creditorIban: row.creditor_iban,
    issuedAt: row.issued_at,
    language: row.language,
    currency: row.currency,
    amount: row.amount,
    netAmount: row.net_amount,
    vatRateBp: row.vat_rate_bp,
    vatAmount: row.vat_amount,
    totalAmount: row.total_amount,
    reverseCharge: row.reverse_charge,
    billTo: row.bill_to,
    lines: lines.map((l) => ({ description: l.description, unitAmount: l.unit_amount, quantity: l.quantity, discountAmount: l.discount_amount, netAmount: l.net_amount })),
  };
}

async function dueOf(trx: Tx, orderId: string, total: number): Promise<number> {
  const row = await trx
    .selectFrom("payments")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount"), sql<number>`0`).as("paid"))
    .where("order_id", "=", orderId)
    .where("status", "=", "succeeded")
    .executeTakeFirstOrThrow();
  return total - Number(row.paid);
}

interface Received {
  entryReference: string;
  source: "camt054" | "manual";
  fileName: string | null;
  reference: string | null;
  amount: number;
  currency: Currency;
  debtorName: string | null;
  bookedOn: string | null;
}

type Outcome = { status: "matched"; orderId: string } | { status: "held"; reason: BankTransferHoldReason } | { status: "duplicate" };

/** The pending order a reference names, with the transaction now acting for its organization. */
async function orderForReference(trx: Tx, actor: Actor, reference: string | null) {
  if (!reference) return null;
  const proforma = await trx.selectFrom("proformas").select(["org_id", "order_id"]).where("reference", "=", reference).executeTakeFirst();
  if (!proforma) return null;
  await actAs(trx, actor, [proforma.org_id]);
  const order = await trx.selectFrom("orders").selectAll().where("id", "=", proforma.order_id).forUpdate().executeTakeFirstOrThrow();
  return order;
}

/** Pays `orderId` with a transfer of `amount`: an `iban` payment, and the order settled once fully paid. */
async function applyTransfer(trx: Tx, actor: Actor, transferId: string, order: { id: string; org_id: string; currency: Currency }, amount: number) {
  const payment = await trx
    .insertInto("payments")
    .values({
      org_id: order.org_id,
      order_id: order.id,
      method: "iban",
      amount,
      currency: order.currency,
      status: "succeeded",
      idempotency_key: `bank-${transferId}`,
      gateway_reference: `bank-${transferId}`,
      settled_at: now(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx.updateTable("bank_transfers").set({ status: "matched", hold_reason: null, org_id: order.org_id, order_id: order.id, payment_id: payment.id }).where("id", "=", transferId).execute();
  await audit(trx, actor, { orgId: order.org_id, action: "payment.iban_received", targetType: "order", targetId: order.id, data: { transfer: transferId, amount } });
  await settleOrder(trx, actor, order.id);
}

/**
 * Records one received credit (once: its bank entry reference is unique) and pays the order
 * whose proforma reference it quotes when the amount is exactly what the order still owes;
 * anything else is held for review.
 */
async function receiveTransfer(trx: Tx, actor: Actor, credit: Received): Promise<Outcome> {
  // Matching acts for one organization at a time; each credit starts from none.
  await actAs(trx, actor);
  const inserted = await trx
    .insertInto("bank_transfers")
    .values({
      entry_reference: credit.entryReference.slice(0, 200),
      source: credit.source,
      file_name: credit.fileName,
      reference: credit.reference,
      amount: credit.amount,
      currency: credit.currency,
      debtor_name: credit.debtorName,
      booked_on: credit.bookedOn,
      status: "held",
      hold_reason: "unknown_reference",
      received_at: now(),
    })
    .onConflict((oc) => oc.column("entry_reference").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return { status: "duplicate" };
  const order = await orderForReference(trx, actor, credit.reference);
  let reason: BankTransferHoldReason | null = null;
  if (!order) reason = "unknown_reference";
  else if (order.status !== "pending") reason = "order_not_pending";
  else if (order.currency !== credit.currency) reason = "currency_mismatch";
  else if ((await dueOf(trx, order.id, order.total_amount)) !== credit.amount) reason = "amount_mismatch";
  if (reason || !order) {
    const held = reason ?? "unknown_reference";
    await trx
      .updateTable("bank_transfers")
      .set({ hold_reason: held, org_id: order?.org_id ?? null, order_id: order?.id ?? null })
      .where("id", "=", inserted.id)
      .execute();
    await audit(trx, actor, {
      orgId: order?.org_id ?? null,
      action: "bank_transfer.held",
      targetType: "bank_transfer",
      targetId: inserted.id,
      data: { reason: held, reference: credit.reference, amount: credit.amount, currency: credit.currency, source: credit.source },
    });
    return { status: "held", reason: held };
  }
  await applyTransfer(trx, actor, inserted.id, order, credit.amount);
  return { status: "matched", orderId: order.id };
}

export interface ImportResult {
  matched: number;
  held: number;
  duplicates: number;
}

/** B-6/B-10: imports a camt.054 file in one transaction; a second import of it changes nothing. */
export async function importCamt054(db: Handle, acting: StaffActing, file: { name: string; xml: string }): Promise<ImportResult> {
  assertCan(acting.ability, "manage", "BankTransfer");
  let credits: CamtCredit[];
  try {
    credits = parseCamt054(file.xml);
  } catch (err) {
    if (err instanceof CamtFormatError) throw new Invalid({ file: "transfers.errors.notCamt" });
    throw err;
  }
  const fileName = file.name.slice(0, 200) || null;
  return transaction(db, async (trx) => {
    const result: ImportResult = { matched: 0, held: 0, duplicates: 0 };
    for (const credit of credits) {
      const outcome = await receiveTransfer(trx, acting.actor, { ...credit, source: "camt054", fileName });
      if (outcome.status === "matched") result.matched++;
      else if (outcome.status === "held") result.held++;
      else result.duplicates++;
    }
    await actAs(trx, acting.actor);
    await audit(trx, acting.actor, { action: "bank_transfers.imported", targetType: "camt054", targetId: fileName ?? undefined, data: { credits: credits.length, ...result } });
    return result;
  }, staffSettings(acting));
}

function staffSettings(acting: StaffActing) {
  return { "app.org_ids": "", "app.user_id": "", "app.staff_role": acting.actor.role };
}

export const confirmTransferSchema = z.object({
  orderId: z.string({ message: "errors.required" }).min(1, "errors.required"),
  confirm: z.literal("yes", { message: "transfers.errors.confirm" }),
});

/** A staff member saw the money arrive for a pending IBAN order: it is paid in full, by hand. */
export async function confirmTransferByHand(db: Handle, acting: StaffActing, input: z.infer<typeof confirmTransferSchema>): Promise<void> {
  assertCan(acting.ability, "manage", "BankTransfer");
  if (!uuid.test(input.orderId)) throw new NotFound();
  await transaction(db, async (trx) => {
    const proforma = await trx.selectFrom("proformas").select(["org_id", "order_id", "reference"]).where("order_id", "=", input.orderId).executeTakeFirst();
    if (!proforma) throw new NotFound();
    await actAs(trx, acting.actor, [proforma.org_id]);
    const order = await trx.selectFrom("orders").selectAll().where("id", "=", proforma.order_id).forUpdate().executeTakeFirstOrThrow();
    if (order.status !== "pending") throw new Conflict("order_not_pending", "transfers.errors.orderNotPending");
    const due = await dueOf(trx, order.id, order.total_amount);
    const transfer = await trx
      .insertInto("bank_transfers")
      .values({
        entry_reference: `manual-${randomUUID()}`,
        source: "manual",
        reference: proforma.reference,
        amount: due,
        currency: order.currency,
        status: "held",
        hold_reason: "unknown_reference",
        org_id: order.org_id,
        order_id: order.id,
        received_at: now(),
        resolved_by: acting.actor.staffId,
        resolved_at: now(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, acting.actor, { orgId: order.org_id, action: "bank_transfer.confirmed_by_hand", targetType: "order", targetId: order.id, data: { transfer: transfer.id, amount: due } });
    await applyTransfer(trx, acting.actor, transfer.id, order, due);
  }, staffSettings(acting));
}

export const matchTransferSchema = z.object({
  transferId: z.string({ message: "errors.required" }).min(1, "errors.required"),
  reference: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(60, "errors.tooLong"),
  confirm: z.literal("yes", { message: "transfers.errors.confirm" }),
});

/**
 * A held transfer is assigned to the pending order of a proforma reference: it pays that
 * order (in part when it is less than what is due; the order settles once fully paid). More
 * than is due is refused: that money goes back to the payer outside the portal.
 */
export async function matchHeldTransfer(db: Handle, acting: StaffActing, input: z.infer<typeof matchTransferSchema>): Promise<void> {
  assertCan(acting.ability, "manage", "BankTransfer");
  if (!uuid.test(input.transferId)) throw new NotFound();
  await transaction(db, async (trx) => {
    const transfer = await trx.selectFrom("bank_transfers").selectAll().where("id", "=", input.transferId).forUpdate().executeTakeFirst();
    if (!transfer) throw new NotFound();
    if (transfer.status !== "held") throw new Conflict("transfer_not_held", "transfers.errors.notHeld");
    const order = await orderForReference(trx, acting.actor, normalizeReference(input.reference));
    if (!order) throw new Invalid({ reference: "transfers.errors.unknownReference" });
    if (order.status !== "pending") throw new Conflict("order_not_pending", "transfers.errors.orderNotPending");
    if (order.currency !== transfer.currency) throw new Conflict("currency_mismatch", "transfers.errors.currency");
    if (transfer.amount > (await dueOf(trx, order.id, order.total_amount))) throw new Conflict("amount_exceeds_due", "transfers.errors.exceedsDue");
    await trx.updateTable("bank_transfers").set({ resolved_by: acting.actor.staffId, resolved_at: now() }).where("id", "=", transfer.id).execute();
    await audit(trx, acting.actor, { orgId: order.org_id, action: "bank_transfer.matched_by_hand", targetType: "bank_transfer", targetId: transfer.id, data: { order: order.id, amount: transfer.amount } });
    await applyTransfer(trx, acting.actor, transfer.id, order, transfer.amount);
  }, staffSettings(acting));
}

/** The back office page: held transfers oldest first, orders awaiting a transfer, and every received transfer newest first. */
export async function transfersOverview(
  db: Handle,
  acting: StaffActing,
  opts: { heldPage?: number; pendingPage?: number; allPage?: number; confirmOrderId?: string | null; matchTransferId?: string | null },
) {
  assertCan(acting.ability, "manage", "BankTransfer");
  return transaction(
    db,
    async (trx) => {
      const heldPage = pageNumber(opts.heldPage);
      const pendingPage = pageNumber(opts.pendingPage);
      const allPage = pageNumber(opts.allPage);
      const transferColumns = ["id", "entry_reference", "source", "reference", "amount", "currency", "debtor_name", "booked_on", "status", "hold_reason", "order_id", "received_at"] as const;
      const heldTotal = toCount((await trx.selectFrom("bank_transfers").select((eb) => eb.fn.countAll().as("n")).where("status", "=", "held").executeTakeFirstOrThrow()).n);
      const held = await trx
        .selectFrom("bank_transfers")
        .select(transferColumns)
        .where("status", "=", "held")
        .orderBy("received_at")
        .orderBy("id")
        .limit(TRANSFERS_PAGE_SIZE)
        .offset((heldPage - 1) * TRANSFERS_PAGE_SIZE)
        .execute();
      const pendingBase = trx.selectFrom("proformas as p").innerJoin("orders as o", "o.id", "p.order_id").where("o.status", "=", "pending");
      const pendingTotal = toCount((await pendingBase.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
      const pending = await pendingBase
        .select(["p.order_id", "p.number", "p.reference", "p.currency", "p.amount", "p.issued_at", sql<string>`p.bill_to->>'name'`.as("org_name")])
        .orderBy("p.issued_at")
        .orderBy("p.id")
        .limit(TRANSFERS_PAGE_SIZE)
        .offset((pendingPage - 1) * TRANSFERS_PAGE_SIZE)
        .execute();
      const allTotal = toCount((await trx.selectFrom("bank_transfers").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
      const all = await trx
        .selectFrom("bank_transfers")
        .select(transferColumns)
        .orderBy("received_at", "desc")
        .orderBy("id")
        .limit(TRANSFERS_PAGE_SIZE)
        .offset((allPage - 1) * TRANSFERS_PAGE_SIZE)
        .execute();
      // The item a confirmation step is about, wherever it is in the lists.
      const confirming =
        opts.confirmOrderId && uuid.test(opts.confirmOrderId)
          ? ((await pendingBase
              .select(["p.order_id", "p.number", "p.reference", "p.currency", "p.amount", "p.issued_at", sql<string>`p.bill_to->>'name'`.as("org_name")])
              .where("p.order_id", "=", opts.confirmOrderId)
              .executeTakeFirst()) ?? null)
          : null;
      const matching =
        opts.matchTransferId && uuid.test(opts.matchTransferId)
          ? ((await trx.selectFrom("bank_transfers").select(transferColumns).where("status", "=", "held").where("id", "=", opts.matchTransferId).executeTakeFirst()) ?? null)
          : null;
      return {
        confirming,
        matching,
        held: { rows: held, page: heldPage, pages: pageCount(heldTotal, TRANSFERS_PAGE_SIZE), total: heldTotal },
        pending: { rows: pending, page: pendingPage, pages: pageCount(pendingTotal, TRANSFERS_PAGE_SIZE), total: pendingTotal },
        all: { rows: all, page: allPage, pages: pageCount(allTotal, TRANSFERS_PAGE_SIZE), total: allTotal },
      };
    },
    staffSettings(acting),
  );
}
