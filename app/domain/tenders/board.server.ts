import { sql } from "kysely";
import { assertCan, allows } from "../../auth/ability";
import { translator, type UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Conflict, isUniqueViolation, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { isUuid, type Acting } from "../orgs/member-fields";
import { withActor, type Handle, type Tx } from "../tx.server";
import type { AlertsInput, ProposalInput } from "./schemas";
import { orgTenderUrl } from "./submitter.server";

// T-2: tenders are forwarded to partners exclusively. Only users of an approved partner
// (program 'partner', status active or review) reach the board, a tender's page and the
// answer form; for every other organization these pages do not exist (404). The database
// agrees: tenders are visible to a partner only through the board setting (migration 0026).

export const BOARD_PAGE_SIZE = 20;

/** Acts as the tender board of `orgId`, or NotFound when the organization is not a partner. */
async function asBoard<T>(db: Handle, acting: Acting, orgId: string, fn: (trx: Tx) => Promise<T>): Promise<T> {
  assertCan(acting.ability, "read", "TenderBoard", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    if (!(await isPartner(trx, orgId))) throw new NotFound();
    await sql`select set_config('app.tender_board', ${orgId}, true)`.execute(trx);
    return fn(trx);
  });
}

/** An approved partner: a partner program membership, active or under review. */
export async function isPartner(trx: Tx, orgId: string): Promise<boolean> {
  const m = await trx.selectFrom("program_memberships").select("status").where("org_id", "=", orgId).where("program", "=", "partner").executeTakeFirst();
  return !!m && (m.status === "active" || m.status === "review");
}

/** The open tenders (answer period not over), newest first, and whether this partner answered. */
export async function tenderBoard(db: Handle, acting: Acting, orgId: string, opts: { page?: number; perPage?: number } = {}) {
  const page = pageNumber(opts.page);
  const size = opts.perPage ?? BOARD_PAGE_SIZE;
  return asBoard(db, acting, orgId, async (trx) => {
    const at = now();
    const base = trx.selectFrom("tenders as t").where("t.status", "=", "open").where("t.deadline", ">", at);
    const { n } = await base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    const tenders = await base
      .select(["t.id", "t.title", "t.categories", "t.budget_min", "t.budget_max", "t.currency", "t.region", "t.language", "t.deadline", "t.published_at"])
      .select((eb) =>
        eb
          .exists(eb.selectFrom("tender_proposals as p").select(sql`1`.as("one")).whereRef("p.tender_id", "=", "t.id").where("p.org_id", "=", orgId))
          .as("answered"),
      )
      .orderBy("t.published_at", "desc")
      .orderBy("t.id")
      .limit(size)
      .offset((page - 1) * size)
      .execute();
    const mine = await trx
      .selectFrom("tender_proposals as p")
      .innerJoin("tenders as t", "t.id", "p.tender_id")
      .select(["p.id", "p.status", "p.created_at", "t.id as tender_id", "t.title", "t.status as tender_status", "t.closed_reason"])
      .where("p.org_id", "=", orgId)
      .orderBy("p.created_at", "desc")
      .limit(20)
      .execute();
    return { tenders, mine, page, pages: pageCount(n, size), total: n, canAnswer: allows(acting.ability, "create", "TenderProposal", { orgId }) };
  });
}

/** A tender as a partner sees it (no contact e-mail before selection), with its own proposal and the P-6 reminder. */
export async function boardTender(db: Handle, acting: Acting, orgId: string, tenderId: string) {
  if (!isUuid(tenderId)) throw new NotFound();
  return asBoard(db, acting, orgId, async (trx) => {
    const tender = await trx
      .selectFrom("tenders")
      .select(["id", "title", "description", "categories", "budget_min", "budget_max", "currency", "region", "language", "deadline", "status", "closed_reason", "published_at"])
      .where("id", "=", tenderId)
      .executeTakeFirst();
    if (!tender) throw new NotFound();
    const proposal = await trx.selectFrom("tender_proposals").selectAll().where("tender_id", "=", tenderId).where("org_id", "=", orgId).executeTakeFirst();
    const open = tender.status === "open" && tender.deadline > now();
    return {
      tender,
      proposal: proposal ?? null,
      open,
      providerProductsOnly: await acceptedTenderCommitment(trx, orgId),
      canAnswer: open && !proposal && allows(acting.ability, "create", "TenderProposal", { orgId }),
    };
  });
}

/** P-6: whether the partner's approved application carries the commitment to use only the provider's products. */
async function acceptedTenderCommitment(trx: Tx, orgId: string): Promise<boolean> {
  const app = await trx
    .selectFrom("partner_applications")
    .select("id")
    .where("org_id", "=", orgId)
    .where("status", "=", "approved")
    .where("commit_tenders", "=", true)
    .executeTakeFirst();
  return !!app;
}

/**
 * T-2: a partner answers an open tender with its proposal (text, price range, timeline), once.
 * Answers after the deadline are refused here, whether or not the closing job has run. The
 * submitter is told by mail.
 */
export async function answerTender(db: Handle, acting: Acting, orgId: string, tenderId: string, input: ProposalInput, locale: UiLocale): Promise<{ id: string }> {
  assertCan(acting.ability, "create", "TenderProposal", { orgId });
  if (acting.actor.kind !== "user" || !isUuid(tenderId)) throw new NotFound();
  const actor = acting.actor;
  return asBoard(db, acting, orgId, async (trx) => {
    const tender = await trx.selectFrom("tenders").select(["id", "org_id", "title", "status", "deadline", "currency", "contact_email"]).where("id", "=", tenderId).executeTakeFirst();
    if (!tender) throw new NotFound();
    const at = now();
    if (tender.status !== "open" || tender.deadline <= at) throw new Conflict("tender_closed", "tenders.errors.closed");
    if (tender.org_id === orgId) throw new Conflict("own_tender", "tenders.errors.ownTender");
    const org = await trx.selectFrom("organizations").select("name").where("id", "=", orgId).executeTakeFirstOrThrow();
    const row = await trx
      .insertInto("tender_proposals")
      .values({
        tender_id: tender.id,
        org_id: orgId,
        submitted_by: actor.userId,
        partner_name: org.name,
        contact_email: actor.email,
        body: input.body,
        price_min: input.priceMin,
        price_max: input.priceMax,
        currency: tender.currency,
        timeline: input.timeline,
        provider_products_only: await acceptedTenderCommitment(trx, orgId),
        created_at: at,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
      .catch((err) => {
        if (isUniqueViolation(err, "tender_proposals_tender_id_org_id_key")) throw new Conflict("already_answered", "tenders.errors.alreadyAnswered");
        throw err;
      });
    const t = translator(locale);
    const where = tender.org_id ? orgTenderUrl(tender.org_id, tender.id) : t("tenders.mail.yourLink");
    await queueMail(trx, {
      to: tender.contact_email,
      subject: t("tenders.mail.proposalSubject", { title: tender.title }),
      text: t("tenders.mail.proposalText", { title: tender.title, partner: org.name, where }),
      kind: "tender_proposal",
    });
    await audit(trx, actor, { orgId, action: "tender.answered", targetType: "tender_proposal", targetId: row.id, data: { tender: tender.id } });
    return row;
  });
}

/** The partner's digest settings (T-2 opt-in), or the defaults. */
export async function tenderAlerts(db: Handle, acting: Acting, orgId: string) {
  return asBoard(db, acting, orgId, async (trx) => {
    const row = await trx.selectFrom("tender_alerts").selectAll().where("org_id", "=", orgId).executeTakeFirst();
    const email = acting.actor.kind === "user" ? acting.actor.email : "";
    return {
      alerts: row ?? { org_id: orgId, enabled: false, categories: [] as string[], regions: [] as string[], email, enabled_since: null, updated_at: null },
      canManage: allows(acting.ability, "manage", "TenderAlerts", { orgId }),
    };
  });
}

/** T-2: a partner opts in (or out) of the daily digest, for some categories and regions (none chosen: all). */
export async function saveTenderAlerts(db: Handle, acting: Acting, orgId: string, input: AlertsInput, locale: UiLocale): Promise<void> {
  assertCan(acting.ability, "manage", "TenderAlerts", { orgId });
  await asBoard(db, acting, orgId, async (trx) => {
    const at = now();
    const enabled = input.enabled === "yes";
    const before = await trx.selectFrom("tender_alerts").select(["enabled", "enabled_since"]).where("org_id", "=", orgId).executeTakeFirst();
    const enabledSince = enabled ? (before?.enabled ? before.enabled_since : at) : null;
    const values = { enabled, locale, categories: [...new Set(input.categories)], regions: [...new Set(input.regions)], email: input.email, enabled_since: enabledSince, updated_at: at };
    await trx
      .insertInto("tender_alerts")
      .values({ org_id: orgId, ...values })
      .onConflict((oc) => oc.column("org_id").doUpdateSet(values))
      .execute();
    await audit(trx, acting.actor, { orgId, action: enabled ? "tender.alerts_on" : "tender.alerts_off", targetType: "organization", targetId: orgId });
  });
}
