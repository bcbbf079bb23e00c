import { sql } from "kysely";
import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { isLocale, translator, type UiLocale } from "../../i18n/index";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { formatMoney } from "../billing/money";
import { asJob } from "../jobs/as-job.server";
import { queueMail } from "../mail/outbox.server";
import type { StaffActing } from "../staff/accounts.server";
import { transaction, withActor, type Handle } from "../tx.server";
import { partnerProgramValue } from "./value.server";

// P-2, yearly: each partner's managed value is re-computed once a year (a year after it became
// a partner, then a year after each check). Under the threshold the partner is flagged for
// review (status 'review'), told by e-mail and listed for partner managers; it stays a partner.

const ELIGIBILITY_JOB: Actor = { kind: "anonymous" };
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const PAGE_SIZE = 25;

/** Every partner (the per-partner job decides whether its check is due). */
export async function eligibilityPartners(db: Handle): Promise<string[]> {
  const rows = await asJob(db, "partner-eligibility", (trx) => trx.selectFrom("program_memberships").select("org_id").where("program", "=", "partner").orderBy("org_id").execute());
  return rows.map((r) => r.org_id);
}

export type EligibilityOutcome = "not_due" | "confirmed" | "flagged" | "not_partner";

/** P-2: the yearly re-check of one partner, idempotent (a check within the last year, or this year's row, means done). */
export async function recheckPartnerEligibility(db: Handle, orgId: string, at: Date = now()): Promise<{ outcome: EligibilityOutcome }> {
  return transaction(
    db,
    async (trx) => {
      const membership = await trx.selectFrom("program_memberships").select(["program", "status", "since"]).where("org_id", "=", orgId).forUpdate().executeTakeFirst();
      if (membership?.program !== "partner") return { outcome: "not_partner" as const };
      const yearAgo = new Date(at.getTime() - YEAR_MS);
      if (membership.since > yearAgo) return { outcome: "not_due" as const };
      const recent = await trx
        .selectFrom("partner_eligibility_checks")
        .select("id")
        .where("org_id", "=", orgId)
        .where((eb) => eb.or([eb("checked_at", ">", yearAgo), eb("year", "=", at.getUTCFullYear())]))
        .executeTakeFirst();
      if (recent) return { outcome: "not_due" as const };
      const value = await partnerProgramValue(trx, orgId);
      const below = value.amount < value.threshold;
      await trx
        .insertInto("partner_eligibility_checks")
        .values({ org_id: orgId, year: at.getUTCFullYear(), value_amount: value.amount, value_threshold: value.threshold, currency: value.currency, below, checked_at: at })
        .execute();
      const data = { value: value.amount, threshold: value.threshold, currency: value.currency };
      if (!below) {
        await audit(trx, ELIGIBILITY_JOB, { orgId, action: "partner.eligibility_confirmed", targetType: "organization", targetId: orgId, data });
        return { outcome: "confirmed" as const };
      }
      await trx.updateTable("program_memberships").set({ status: "review" }).where("org_id", "=", orgId).execute();
      await audit(trx, ELIGIBILITY_JOB, { orgId, action: "partner.flagged_for_review", targetType: "organization", targetId: orgId, data });
      const rep = await trx
        .selectFrom("organizations as o")
        .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
        .select(["u.email", "u.locale"])
        .where("o.id", "=", orgId)
        .executeTakeFirst();
      if (rep) {
        const locale: UiLocale = isLocale(rep.locale) ? rep.locale : "de";
        const t = translator(locale);
        const vars = {
          value: formatMoney(value.amount, value.currency, `${locale}-CH`),
          threshold: formatMoney(value.threshold, value.currency, `${locale}-CH`),
          missing: formatMoney(value.missing, value.currency, `${locale}-CH`),
        };
        await queueMail(trx, { orgId, to: rep.email, subject: t("partners.eligibility.mailSubject", vars), text: t("partners.eligibility.mailText", vars), kind: "partner_review" });
      }
      return { outcome: "flagged" as const };
    },
    { "app.org_ids": orgId, "app.user_id": "", "app.staff_role": "", "app.job": "" },
  );
}

/** The back office list of partners flagged for review, with their last yearly check. */
export async function partnersInReview(db: Handle, acting: StaffActing, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "PartnerApplication");
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const base = trx.selectFrom("program_memberships as m").where("m.program", "=", "partner").where("m.status", "=", "review");
    const { n } = await base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    const rows = await base
      .leftJoin("organizations as o", "o.id", "m.org_id")
      .leftJoinLateral(
        (eb) => eb.selectFrom("partner_eligibility_checks as c").select(["c.value_amount", "c.value_threshold", "c.currency", "c.checked_at"]).whereRef("c.org_id", "=", "m.org_id").orderBy("c.checked_at", "desc").limit(1).as("c"),
        (join) => join.onTrue(),
      )
      .select(["m.org_id", "o.name", "c.value_amount", "c.value_threshold", "c.currency", "c.checked_at"])
      .orderBy("c.checked_at", "desc")
      .orderBy("m.org_id")
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
    return { partners: rows, page, pages: pageCount(n, PAGE_SIZE) };
  });
}
