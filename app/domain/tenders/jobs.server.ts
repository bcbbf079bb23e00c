import { sql } from "kysely";
import type { Database } from "../../../db/client";
import { config } from "../../config.server";
import { translator, type UiLocale } from "../../i18n/index";
import { addMs, DAY, now } from "../../lib/clock";
import { asJob } from "../jobs/as-job.server";
import { billingDay } from "../billing/renewal-rules";
import { queueMail } from "../mail/outbox.server";
import { formatMoney } from "../billing/money";
import type { Currency } from "../billing/money";

/** A visitor's tender whose e-mail was never confirmed is deleted after this long. */
export const UNCONFIRMED_LIFETIME_MS = 7 * DAY;

/**
 * T-2: closes the open tenders whose deadline has passed and deletes visitors' tenders never
 * confirmed within a week (or whose deadline passed unconfirmed). Idempotent: a second run
 * finds nothing to do.
 */
export async function closeExpiredTenders(db: Database, at: Date = now()): Promise<{ closed: number; purged: number }> {
  return asJob(db, "tenders", async (trx) => {
    const closed = await trx
      .updateTable("tenders")
      .set({ status: "closed", closed_reason: "deadline", closed_at: at })
      .where("status", "=", "open")
      .where("deadline", "<=", at)
      .executeTakeFirst();
    const purged = await trx
      .deleteFrom("tenders")
      .where("status", "=", "unconfirmed")
      .where((eb) => eb.or([eb("deadline", "<=", at), eb("created_at", "<=", addMs(at, -UNCONFIRMED_LIFETIME_MS))]))
      .executeTakeFirst();
    return { closed: Number(closed.numUpdatedRows), purged: Number(purged.numDeletedRows) };
  });
}

/**
 * T-2: the daily digest. For every partner that opted in, the open tenders published since its
 * last digest (or since it opted in) whose categories and region match its choice (no choice:
 * all) are mailed in ONE mail. The (partner, day) primary key of tender_digests makes a second
 * run on the same day send nothing.
 */
export async function sendTenderDigests(db: Database, at: Date = now()): Promise<{ day: string; mailed: number }> {
  const day = billingDay(at);
  const mailed = await asJob(db, "tenders", async (trx) => {
    const due = await sql<{
      org_id: string;
      email: string;
      locale: UiLocale;
      tender_ids: string[];
    }>`
      select a.org_id, a.email, a.locale, array_agg(t.id order by t.published_at, t.id) as tender_ids
      from tender_alerts a
      join program_memberships m on m.org_id = a.org_id and m.program = 'partner' and m.status in ('active', 'review')
      join tenders t on t.status = 'open' and t.deadline > ${at}
        and t.published_at <= ${at}
        and t.published_at > coalesce((select max(d.sent_at) from tender_digests d where d.org_id = a.org_id), a.enabled_since)
        and (cardinality(a.categories) = 0 or t.categories && a.categories)
        and (cardinality(a.regions) = 0 or t.region = any(a.regions)
             or (t.region like 'CH-%' and 'CH' = any(a.regions))
             or (t.region = 'CH' and exists (select 1 from unnest(a.regions) r where r like 'CH-%')))
        and (t.org_id is null or t.org_id <> a.org_id)
      where a.enabled
        and not exists (select 1 from tender_digests d where d.org_id = a.org_id and d.day = ${day}::date)
      group by a.org_id, a.email, a.locale`.execute(trx);
    let count = 0;
    for (const partner of due.rows) {
      const recorded = await trx
        .insertInto("tender_digests")
        .values({ org_id: partner.org_id, day, tender_ids: partner.tender_ids, sent_at: at })
        .onConflict((oc) => oc.columns(["org_id", "day"]).doNothing())
        .returning("org_id")
        .executeTakeFirst();
      if (!recorded) continue;
      const tenders = await trx
        .selectFrom("tenders")
        .select(["id", "title", "budget_min", "budget_max", "currency", "region", "deadline"])
        .where("id", "in", partner.tender_ids)
        .orderBy("published_at")
        .orderBy("id")
        .execute();
      const t = translator(partner.locale);
      const tag = `${partner.locale}-CH`;
      const lines = tenders.map(
        (x) =>
          `- ${x.title} (${x.region}, ${formatMoney(Number(x.budget_min), x.currency as Currency, tag)} – ${formatMoney(Number(x.budget_max), x.currency as Currency, tag)}): ${config.publicUrl}/orgs/${partner.org_id}/tender-board/${x.id}`,
      );
      // The mail belongs to the partner organization: act for it to queue it.
      await sql`select set_config('app.org_ids', ${partner.org_id}, true)`.execute(trx);
      await queueMail(trx, {
        orgId: partner.org_id,
        to: partner.email,
        subject: t("tenders.mail.digestSubject", { count: tenders.length }),
        text: t("tenders.mail.digestText", { count: tenders.length, list: lines.join("\n"), settings: `${config.publicUrl}/orgs/${partner.org_id}/tender-board/alerts` }),
        kind: "tender_digest",
      });
      count++;
    }
    return count;
  });
  return { day, mailed };
}
