import { sql, type Selectable } from "kysely";
import type { TendersTable } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { hashToken } from "../../auth/tokens.server";
import { config } from "../../config.server";
import { translator, type UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { formatMoney, type Currency } from "../billing/money";
import { Conflict, isUniqueViolation, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { isUuid, type Acting } from "../orgs/member-fields";
import { transaction, withActor, type Handle, type Tx } from "../tx.server";
import { tokenSettings } from "./post.server";

// The submitter's side of a tender (T-1, T-2): reading the answers side by side, selecting
// one (the others are told), withdrawing. A visitor acts through the private link; a
// customer through the portal, for its organization.

export type Submitter =
  | { kind: "link"; token: string; ip: string }
  | { kind: "org"; acting: Acting; orgId: string; tenderId: string };

const TENDER_COLUMNS = [
  "id",
  "org_id",
  "title",
  "description",
  "categories",
  "budget_min",
  "budget_max",
  "currency",
  "region",
  "language",
  "deadline",
  "contact_email",
  "status",
  "closed_reason",
  "created_at",
  "published_at",
  "closed_at",
] as const;

/** Runs `fn` as the submitter of the tender, or throws NotFound (unknown link, another organization's tender). */
async function asSubmitter<T>(db: Handle, who: Submitter, fn: (trx: Tx, tender: TenderRow, actor: Actor) => Promise<T>): Promise<T> {
  if (who.kind === "link") {
    return transaction(
      db,
      async (trx) => {
        const tender = await trx.selectFrom("tenders").select(TENDER_COLUMNS).where("access_token_hash", "=", hashToken(who.token)).executeTakeFirst();
        if (!tender) throw new NotFound();
        return fn(trx, tender, { kind: "anonymous", ip: who.ip });
      },
      tokenSettings(who.token),
    );
  }
  assertCan(who.acting.ability, "read", "Tender", { orgId: who.orgId });
  if (!isUuid(who.tenderId)) throw new NotFound();
  return withActor(db, who.acting.actor, async (trx) => {
    const tender = await trx.selectFrom("tenders").select(TENDER_COLUMNS).where("id", "=", who.tenderId).where("org_id", "=", who.orgId).executeTakeFirst();
    if (!tender) throw new NotFound();
    return fn(trx, tender, who.acting.actor);
  });
}
type TenderRow = Pick<Selectable<TendersTable>, (typeof TENDER_COLUMNS)[number]>;

/** A selection is still possible while the tender is open or only its answer period ended. */
function canDecide(tender: { status: string; closed_reason: string | null }): boolean {
  return tender.status === "open" || (tender.status === "closed" && tender.closed_reason === "deadline");
}

/** The tender with its proposals, to compare side by side. */
export async function submitterView(db: Handle, who: Submitter) {
  return asSubmitter(db, who, async (trx, tender) => {
    const proposals = await trx
      .selectFrom("tender_proposals")
      .select(["id", "partner_name", "contact_email", "body", "price_min", "price_max", "currency", "timeline", "provider_products_only", "status", "created_at"])
      .where("tender_id", "=", tender.id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const awarded = proposals.some((p) => p.status === "selected");
    const decidable = canDecide(tender) && !awarded;
    return {
      tender,
      proposals,
      canSelect: decidable && proposals.length > 0,
      canWithdraw: tender.status === "open" || tender.status === "unconfirmed",
    };
  });
}

/**
 * T-2: the submitter selects one proposal: it is selected, the others declined, the tender
 * closes; the selected partner gets the submitter's contact, the others are told.
 */
export async function selectProposal(db: Handle, who: Submitter, proposalId: string, locale: UiLocale): Promise<void> {
  if (!isUuid(proposalId)) throw new NotFound();
  await asSubmitter(db, who, async (trx, tender, actor) => {
    if (!canDecide(tender)) throw new Conflict("tender_closed", "tenders.errors.closed");
    const at = now();
    const chosen = await trx
      .updateTable("tender_proposals")
      .set({ status: "selected", decided_at: at })
      .where("id", "=", proposalId)
      .where("tender_id", "=", tender.id)
      .where("status", "=", "submitted")
      .returning(["id", "org_id", "contact_email", "partner_name", "price_min", "price_max", "currency"])
      .executeTakeFirst()
      .catch((err) => {
        if (isUniqueViolation(err, "tender_proposals_one_selected")) throw new Conflict("tender_awarded", "tenders.errors.awarded");
        throw err;
      });
    if (!chosen) throw new NotFound();
    const declined = await trx
      .updateTable("tender_proposals")
      .set({ status: "declined", decided_at: at })
      .where("tender_id", "=", tender.id)
      .where("status", "=", "submitted")
      .returning(["contact_email"])
      .execute();
    await trx.updateTable("tenders").set({ status: "closed", closed_reason: "awarded", closed_at: tender.closed_at ?? at }).where("id", "=", tender.id).execute();
    const t = translator(locale);
    const vars = { title: tender.title, partner: chosen.partner_name, contact: tender.contact_email, price: priceRange(chosen, locale) };
    await queueMail(trx, { to: chosen.contact_email, subject: t("tenders.mail.selectedSubject", vars), text: t("tenders.mail.selectedText", vars), kind: "tender_selected" });
    for (const other of declined) {
      await queueMail(trx, { to: other.contact_email, subject: t("tenders.mail.declinedSubject", vars), text: t("tenders.mail.declinedText", vars), kind: "tender_declined" });
    }
    await queueMail(trx, {
      to: tender.contact_email,
      subject: t("tenders.mail.awardedSubject", vars),
      text: t("tenders.mail.awardedText", { ...vars, contact: chosen.contact_email }),
      kind: "tender_awarded",
    });
    await audit(trx, actor, { orgId: tender.org_id, action: "tender.awarded", targetType: "tender", targetId: tender.id, data: { proposal: chosen.id, partner: chosen.org_id } });
  });
}

/** T-2: the submitter withdraws the tender at any time; partners that answered are told. */
export async function withdrawTender(db: Handle, who: Submitter, locale: UiLocale): Promise<void> {
  await asSubmitter(db, who, async (trx, tender, actor) => {
    if (tender.status === "closed") throw new Conflict("tender_closed", "tenders.errors.closed");
    const at = now();
    await trx.updateTable("tenders").set({ status: "closed", closed_reason: "withdrawn", closed_at: at }).where("id", "=", tender.id).execute();
    const answered = await trx.selectFrom("tender_proposals").select("contact_email").where("tender_id", "=", tender.id).execute();
    const t = translator(locale);
    for (const p of answered) {
      await queueMail(trx, { to: p.contact_email, subject: t("tenders.mail.withdrawnSubject", { title: tender.title }), text: t("tenders.mail.withdrawnText", { title: tender.title }), kind: "tender_withdrawn" });
    }
    await audit(trx, actor, { orgId: tender.org_id, action: "tender.withdrawn", targetType: "tender", targetId: tender.id });
  });
}

export function priceRange(p: { price_min: number; price_max: number; currency: Currency }, locale: UiLocale): string {
  const tag = `${locale}-CH`;
  return p.price_min === p.price_max ? formatMoney(p.price_min, p.currency, tag) : `${formatMoney(p.price_min, p.currency, tag)} – ${formatMoney(p.price_max, p.currency, tag)}`;
}

export const ORG_TENDERS_PAGE_SIZE = 20;

/** T-1: the tenders an organization posted, newest first, with their number of proposals. */
export async function orgTenders(db: Handle, acting: Acting, orgId: string, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "Tender", { orgId });
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const base = trx.selectFrom("tenders as t").where("t.org_id", "=", orgId);
    const { n } = await base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    const tenders = await base
      .select(["t.id", "t.title", "t.status", "t.closed_reason", "t.deadline", "t.created_at"])
      .select((eb) => eb.selectFrom("tender_proposals as p").whereRef("p.tender_id", "=", "t.id").select(sql<number>`count(*)::int`.as("n")).as("proposals"))
      .orderBy("t.created_at", "desc")
      .orderBy("t.id")
      .limit(ORG_TENDERS_PAGE_SIZE)
      .offset((page - 1) * ORG_TENDERS_PAGE_SIZE)
      .execute();
    return { tenders, page, pages: pageCount(n, ORG_TENDERS_PAGE_SIZE) };
  });
}

/** Where a customer's tender lives in the portal (for mails to the submitter). */
export function orgTenderUrl(orgId: string, tenderId: string): string {
  return `${config.publicUrl}/orgs/${orgId}/tenders/${tenderId}`;
}
