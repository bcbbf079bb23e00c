import { z } from "zod";
import type { WithdrawalDestination } from "../../../db/schema";
import { toCount } from "../../../db/client";
import { assertCan } from "../../auth/ability";
import { membershipOf } from "../../auth/actor";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { ProductActing } from "../products/queries.server";
import type { StaffActing } from "../staff/accounts.server";
import { actAs, withActor, type Handle } from "../tx.server";
import type { Currency } from "./money";
import { parseAmount } from "./payment-rules";

// B-10: the legal representative withdraws (part of) the prepaid balance to an IBAN or a
// PayPal address; a billing agent completes or rejects it in the back office.

export const WITHDRAWALS_PAGE_SIZE = 50;
export const DESTINATION_KINDS = ["iban", "paypal"] as const satisfies readonly WithdrawalDestination[];

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An IBAN without spaces, upper case, when its ISO 13616 mod-97 check digits are right; else null. */
export function normalizeIban(text: string): string | null {
  const iban = text.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return null;
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  return remainder === 1 ? iban : null;
}

export const withdrawalRequestSchema = z.object({
  amount: z.string({ message: "errors.required" }).trim().min(1, "errors.required"),
  destinationKind: z.enum(DESTINATION_KINDS, { message: "shop.withdraw.errors.destinationKind" }),
  destination: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(254, "errors.invalid"),
  confirm: z.literal("yes", { message: "shop.withdraw.errors.confirm" }),
});
export type WithdrawalRequest = z.infer<typeof withdrawalRequestSchema>;

export const withdrawalDecisionSchema = z.object({
  withdrawalId: z.string({ message: "errors.required" }).min(1, "errors.required"),
  decision: z.enum(["complete", "reject"], { message: "errors.invalid" }),
  confirm: z.literal("yes", { message: "shop.withdraw.errors.confirm" }),
});

function destinationOf(input: WithdrawalRequest): string {
  if (input.destinationKind === "iban") {
    const iban = normalizeIban(input.destination);
    if (!iban) throw new Invalid({ destination: "shop.withdraw.errors.iban" });
    return iban;
  }
  const email = z.string().email().safeParse(input.destination);
  if (!email.success) throw new Invalid({ destination: "shop.withdraw.errors.paypal" });
  return email.data.toLowerCase();
}

function isBalanceViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === "23514" && e.constraint === "prepaid_accounts_balance_check";
}

/** The representative's page: the available balance and the organization's withdrawals, newest first. */
export async function withdrawalsOverview(db: Handle, acting: ProductActing, orgId: string, opts: { page?: number } = {}) {
  if (!membershipOf(acting.actor, orgId)) throw new NotFound();
  assertCan(acting.ability, "read", "Withdrawal", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    const org = await trx.selectFrom("organizations").select("currency").where("id", "=", orgId).executeTakeFirst();
    if (!org) throw new NotFound();
    const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
    const account = await trx.selectFrom("prepaid_accounts").select(["balance", "currency"]).where("org_id", "=", orgId).executeTakeFirst();
    const total = toCount((await trx.selectFrom("prepaid_withdrawals").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n);
    const withdrawals = await trx
      .selectFrom("prepaid_withdrawals")
      .select(["id", "amount", "currency", "destination_kind", "destination", "status", "requested_at", "decided_at"])
      .where("org_id", "=", orgId)
      .orderBy("requested_at", "desc")
      .orderBy("id")
      .limit(WITHDRAWALS_PAGE_SIZE)
      .offset((page - 1) * WITHDRAWALS_PAGE_SIZE)
      .execute();
    return {
      currency: (account?.currency ?? org.currency) as Currency,
      balance: account?.balance ?? 0,
      page,
      pages: Math.max(1, Math.ceil(total / WITHDRAWALS_PAGE_SIZE)),
      withdrawals,
    };
  });
}

/**
 * B-10: reserves the amount at once (a ledger debit in the same transaction). The balance
 * is decreased by one UPDATE and never read-then-written: two racing requests serialize on
 * the account row and the `balance >= 0` CHECK refuses the one that would overdraw.
 */
export async function requestWithdrawal(db: Handle, acting: ProductActing, orgId: string, input: WithdrawalRequest): Promise<{ id: string }> {
  if (!membershipOf(acting.actor, orgId)) throw new NotFound();
  assertCan(acting.ability, "create", "Withdrawal", { orgId });
  const amount = parseAmount(input.amount);
  if (amount === null || amount <= 0) throw new Invalid({ amount: "shop.withdraw.errors.amount" });
  const destination = destinationOf(input);
  try {
    return await withActor(db, acting.actor, async (trx) => {
      const debited = await trx
        .updateTable("prepaid_accounts")
        .set((eb) => ({ balance: eb("balance", "-", amount), updated_at: now() }))
        .where("org_id", "=", orgId)
        .returning(["currency", "balance"])
        .executeTakeFirst();
      if (!debited) throw new Conflict("prepaid_insufficient_balance", "shop.withdraw.errors.insufficient");
      const withdrawal = await trx
        .insertInto("prepaid_withdrawals")
        .values({ org_id: orgId, amount, currency: debited.currency, destination_kind: input.destinationKind, destination, requested_by: acting.actor.userId, requested_at: now() })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("prepaid_entries")
        .values({ org_id: orgId, kind: "withdrawal", amount: -amount, withdrawal_id: withdrawal.id, created_at: now() })
        .execute();
      await audit(trx, acting.actor, {
        orgId,
        action: "prepaid.withdrawal_requested",
        targetType: "withdrawal",
        targetId: withdrawal.id,
        data: { amount, currency: debited.currency, destinationKind: input.destinationKind, destination, balanceAfter: debited.balance },
      });
      return { id: withdrawal.id };
    });
  } catch (err) {
    if (isBalanceViolation(err)) throw new Conflict("prepaid_insufficient_balance", "shop.withdraw.errors.insufficient");
    throw err;
  }
}

/** The back office queue: requested withdrawals first (oldest first), then decided ones. */
export async function withdrawalsQueue(db: Handle, acting: StaffActing, opts: { scope: "requested" | "all"; page?: number }) {
  assertCan(acting.ability, "read", "Withdrawal");
  return withActor(db, acting.actor, async (trx) => {
    const page = Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1));
    const base = trx.selectFrom("prepaid_withdrawals as w").$if(opts.scope === "requested", (qb) => qb.where("w.status", "=", "requested"));
    const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const withdrawals = await base
      .innerJoin("organizations as o", "o.id", "w.org_id")
      .select(["w.id", "w.org_id", "o.name as org_name", "w.amount", "w.currency", "w.destination_kind", "w.destination", "w.status", "w.requested_at", "w.decided_at"])
      .orderBy((eb) => eb("w.status", "=", "requested"), "desc")
      .orderBy("w.requested_at")
      .orderBy("w.id")
      .limit(WITHDRAWALS_PAGE_SIZE)
      .offset((page - 1) * WITHDRAWALS_PAGE_SIZE)
      .execute();
    return { page, pages: Math.max(1, Math.ceil(total / WITHDRAWALS_PAGE_SIZE)), total, withdrawals };
  });
}

/** One withdrawal for the back office's confirmation step. */
export async function withdrawalForDecision(db: Handle, acting: StaffActing, withdrawalId: string) {
  assertCan(acting.ability, "update", "Withdrawal");
  if (!uuid.test(withdrawalId)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const row = await trx
      .selectFrom("prepaid_withdrawals as w")
      .innerJoin("organizations as o", "o.id", "w.org_id")
      .select(["w.id", "o.name as org_name", "w.amount", "w.currency", "w.destination_kind", "w.destination", "w.status"])
      .where("w.id", "=", withdrawalId)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  });
}

/**
 * B-10: a billing agent completes a requested withdrawal (the money was sent) or rejects it
 * (the amount goes back to the balance, with its ledger entry).
 */
export async function decideWithdrawal(db: Handle, acting: StaffActing, withdrawalId: string, decision: "complete" | "reject"): Promise<void> {
  assertCan(acting.ability, "update", "Withdrawal");
  if (!uuid.test(withdrawalId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const w = await trx.selectFrom("prepaid_withdrawals").selectAll().where("id", "=", withdrawalId).forUpdate().executeTakeFirst();
    if (!w) throw new NotFound();
    if (w.status !== "requested") throw new Conflict("withdrawal_decided", "shop.backoffice.errors.decided");
    // The decision moves money of this one organization: the transaction acts for it too.
    await actAs(trx, acting.actor, [w.org_id]);
    const status = decision === "complete" ? "completed" : "rejected";
    await trx.updateTable("prepaid_withdrawals").set({ status, decided_by: acting.actor.staffId, decided_at: now() }).where("id", "=", w.id).execute();
    if (decision === "reject") {
      await trx
        .updateTable("prepaid_accounts")
        .set((eb) => ({ balance: eb("balance", "+", w.amount), updated_at: now() }))
        .where("org_id", "=", w.org_id)
        .execute();
      await trx.insertInto("prepaid_entries").values({ org_id: w.org_id, kind: "withdrawal_returned", amount: w.amount, withdrawal_id: w.id, created_at: now() }).execute();
    }
    await audit(trx, acting.actor, {
      orgId: w.org_id,
      action: decision === "complete" ? "prepaid.withdrawal_completed" : "prepaid.withdrawal_rejected",
      targetType: "withdrawal",
      targetId: w.id,
      data: { amount: w.amount, currency: w.currency, destinationKind: w.destination_kind, destination: w.destination },
    });
  });
}
