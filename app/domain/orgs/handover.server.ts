import { z } from "zod";
import { allows, assertCan } from "../../auth/ability";
import { config } from "../../config.server";
import { isLocale, translator, type UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { parseForm } from "../../lib/http.server";
import { audit } from "../audit/audit.server";
import { Conflict, Forbidden, Invalid, isUniqueViolation, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { withActor, type Handle, type Tx } from "../tx.server";
import { findMember, memberChoiceFields, memberChoices, NO_MEMBER_CHOICES, type UserActing } from "./member-choice.server";
import { isUuid } from "./member-fields";

type RawForm = FormData | Record<string, unknown>;

/**
 * O-6: the legal-representative page. Everyone sees who represents the organization; the
 * representative can request a hand-over, and the addressed member can answer it.
 */
export async function handoverState(db: Handle, acting: UserActing, orgId: string) {
  assertCan(acting.ability, "read", "Organization", { id: orgId });
  const me = acting.actor.userId;
  return withActor(db, acting.actor, async (trx) => {
    const rep = await trx
      .selectFrom("organizations as o")
      .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
      .select(["u.id as userId", "u.name", "u.email"])
      .where("o.id", "=", orgId)
      .executeTakeFirst();
    if (!rep) throw new NotFound();
    const pending = await trx
      .selectFrom("legal_rep_transfers as t")
      .innerJoin("users as f", "f.id", "t.from_user_id")
      .innerJoin("users as r", "r.id", "t.to_user_id")
      .select(["t.id", "t.to_user_id as toUserId", "t.created_at as createdAt", "f.name as fromName", "r.name as toName", "r.email as toEmail"])
      .where("t.org_id", "=", orgId)
      .where("t.state", "=", "pending")
      .executeTakeFirst();
    const canHandOver = allows(acting.ability, "handOver", "Organization", { id: orgId });
    const candidates =
      canHandOver && !pending ? await memberChoices(trx, orgId, { excludeUserId: rep.userId }) : NO_MEMBER_CHOICES;
    return {
      rep,
      isRep: rep.userId === me,
      canHandOver,
      pending: pending ? { ...pending, addressedToMe: pending.toUserId === me } : null,
      candidates,
    };
  });
}

const requestSchema = z
  .object(memberChoiceFields)
  .refine((v) => v.userId !== undefined || v.email !== undefined, { message: "errors.required", path: ["userId"] });

/** O-6: the representative asks another member to take over; the member is told by e-mail. */
export async function requestHandover(db: Handle, acting: UserActing, orgId: string, form: RawForm, fallbackLocale: UiLocale) {
  assertCan(acting.ability, "handOver", "Organization", { id: orgId });
  const choice = parseForm(requestSchema, form);
  const field = choice.userId !== undefined ? "userId" : "email";
  const me = acting.actor.userId;
  try {
    return await withActor(db, acting.actor, async (trx) => {
      const org = await lockOrganization(trx, orgId);
      if (org.legal_rep_user_id !== me) throw new Forbidden();
      const target = await findMember(trx, orgId, choice);
      if (!target) throw new Invalid({ [field]: "orgadmin.notAMember" });
      if (target.userId === me) throw new Invalid({ [field]: "orgadmin.handoverSelf" });
      const pending = await trx
        .selectFrom("legal_rep_transfers")
        .select("id")
        .where("org_id", "=", orgId)
        .where("state", "=", "pending")
        .executeTakeFirst();
      if (pending) throw new Conflict("handover_pending", "orgadmin.handoverAlreadyPending");
      const transfer = await trx
        .insertInto("legal_rep_transfers")
        .values({ org_id: orgId, from_user_id: me, to_user_id: target.userId })
        .returning("id")
        .executeTakeFirstOrThrow();
      const from = await trx.selectFrom("users").select("name").where("id", "=", me).executeTakeFirstOrThrow();
      const t = translator(isLocale(target.locale) ? target.locale : fallbackLocale);
      const vars = { org: org.name, from: from.name, link: `${config.publicUrl}/orgs/${orgId}/legal-representative` };
      await queueMail(trx, {
        orgId,
        to: target.email,
        subject: t("orgadmin.handoverMailSubject", vars),
        text: t("orgadmin.handoverMailText", vars),
        kind: "legal_rep_handover",
      });
      await audit(trx, acting.actor, {
        orgId,
        action: "legal_rep.handover_requested",
        targetType: "legal_rep_transfer",
        targetId: transfer.id,
        data: { fromUserId: me, toUserId: target.userId },
      });
      return { transferId: transfer.id, toName: target.name };
    });
  } catch (err) {
    // Two requests at once: the one-pending-per-organization index decides.
    if (isUniqueViolation(err, "legal_rep_transfers_pending_key")) throw new Conflict("handover_pending", "orgadmin.handoverAlreadyPending");
    throw err;
  }
}

const transferSchema = z.object({ transferId: z.string({ message: "errors.required" }) });

/**
 * Locks the organization row first: acceptance, requests and leaving all take this lock, so
 * they run one after the other and each sees who represents the organization right now.
 */
async function lockOrganization(trx: Tx, orgId: string) {
  const org = await trx
    .selectFrom("organizations")
    .select(["id", "name", "legal_rep_user_id"])
    .where("id", "=", orgId)
    .forUpdate()
    .executeTakeFirst();
  if (!org) throw new NotFound();
  return org;
}

async function lockPendingTransfer(trx: Tx, orgId: string, transferId: string) {
  if (!isUuid(transferId)) throw new NotFound();
  const transfer = await trx
    .selectFrom("legal_rep_transfers")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("id", "=", transferId)
    .forUpdate()
    .executeTakeFirst();
  if (!transfer) throw new NotFound();
  if (transfer.state !== "pending") throw new Conflict("handover_not_pending", "orgadmin.handoverNotPending");
  return transfer;
}

/** The representative withdraws the request before it is answered. */
export async function cancelHandover(db: Handle, acting: UserActing, orgId: string, form: RawForm) {
  assertCan(acting.ability, "handOver", "Organization", { id: orgId });
  const { transferId } = parseForm(transferSchema, form);
  await withActor(db, acting.actor, async (trx) => {
    const org = await lockOrganization(trx, orgId);
    if (org.legal_rep_user_id !== acting.actor.userId) throw new Forbidden();
    const transfer = await lockPendingTransfer(trx, orgId, transferId);
    await trx.updateTable("legal_rep_transfers").set({ state: "cancelled", decided_at: now() }).where("id", "=", transfer.id).execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "legal_rep.handover_cancelled",
      targetType: "legal_rep_transfer",
      targetId: transfer.id,
      data: { fromUserId: transfer.from_user_id, toUserId: transfer.to_user_id },
    });
  });
}

/** Only the member the request is addressed to answers it. */
async function lockAddressedTransfer(trx: Tx, acting: UserActing, orgId: string, transferId: string) {
  const org = await lockOrganization(trx, orgId);
  const transfer = await lockPendingTransfer(trx, orgId, transferId);
  if (transfer.to_user_id !== acting.actor.userId) throw new Forbidden();
  return { org, transfer };
}

async function tellRequester(trx: Tx, orgId: string, orgName: string, fromUserId: string, toUserId: string, accepted: boolean) {
  const [from, to] = await Promise.all([
    trx.selectFrom("users").select(["email", "locale"]).where("id", "=", fromUserId).executeTakeFirstOrThrow(),
    trx.selectFrom("users").select("name").where("id", "=", toUserId).executeTakeFirstOrThrow(),
  ]);
  const t = translator(isLocale(from.locale) ? from.locale : "de");
  const vars = { org: orgName, to: to.name };
  await queueMail(trx, {
    orgId,
    to: from.email,
    subject: t(accepted ? "orgadmin.handoverAcceptedMailSubject" : "orgadmin.handoverDeclinedMailSubject", vars),
    text: t(accepted ? "orgadmin.handoverAcceptedMailText" : "orgadmin.handoverDeclinedMailText", vars),
    kind: accepted ? "legal_rep_handover_accepted" : "legal_rep_handover_declined",
  });
}

/**
 * O-6: the addressed member accepts and becomes the legal representative, in one
 * transaction: the request must still be pending and its sender still the representative.
 * The new representative's membership becomes `admin`; the former one stays a member as an
 * administrator.
 */
export async function acceptHandover(db: Handle, acting: UserActing, orgId: string, form: RawForm) {
  assertCan(acting.ability, "read", "Organization", { id: orgId });
  const { transferId } = parseForm(transferSchema, form);
  const me = acting.actor.userId;
  await withActor(db, acting.actor, async (trx) => {
    const { org, transfer } = await lockAddressedTransfer(trx, acting, orgId, transferId);
    if (transfer.from_user_id !== org.legal_rep_user_id) throw new Conflict("handover_stale", "orgadmin.handoverStale");
    const membership = await trx
      .selectFrom("memberships")
      .select("role")
      .where("org_id", "=", orgId)
      .where("user_id", "=", me)
      .forUpdate()
      .executeTakeFirst();
    if (!membership) throw new NotFound();
    await trx.updateTable("memberships").set({ role: "admin" }).where("org_id", "=", orgId).where("user_id", "=", me).execute();
    await trx.updateTable("organizations").set({ legal_rep_user_id: me }).where("id", "=", orgId).execute();
    await trx
      .updateTable("memberships")
      .set({ role: "admin" })
      .where("org_id", "=", orgId)
      .where("user_id", "=", transfer.from_user_id)
      .execute();
    await trx.updateTable("legal_rep_transfers").set({ state: "accepted", decided_at: now() }).where("id", "=", transfer.id).execute();
    await tellRequester(trx, orgId, org.name, transfer.from_user_id, me, true);
    await audit(trx, acting.actor, {
      orgId,
      action: "legal_rep.handover_accepted",
      targetType: "legal_rep_transfer",
      targetId: transfer.id,
      data: { fromUserId: transfer.from_user_id, toUserId: me, previousRole: membership.role },
    });
  });
}

/** O-6: the addressed member declines; nothing else changes. */
export async function declineHandover(db: Handle, acting: UserActing, orgId: string, form: RawForm) {
  assertCan(acting.ability, "read", "Organization", { id: orgId });
  const { transferId } = parseForm(transferSchema, form);
  await withActor(db, acting.actor, async (trx) => {
    const { org, transfer } = await lockAddressedTransfer(trx, acting, orgId, transferId);
    await trx.updateTable("legal_rep_transfers").set({ state: "declined", decided_at: now() }).where("id", "=", transfer.id).execute();
    await tellRequester(trx, orgId, org.name, transfer.from_user_id, transfer.to_user_id, false);
    await audit(trx, acting.actor, {
      orgId,
      action: "legal_rep.handover_declined",
      targetType: "legal_rep_transfer",
      targetId: transfer.id,
      data: { fromUserId: transfer.from_user_id, toUserId: transfer.to_user_id },
    });
  });
}
