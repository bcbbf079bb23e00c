import { sql } from "kysely";
import type { Actor } from "../../auth/actor";
import { addMs, DAY, now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { asJob } from "../jobs/as-job.server";
import type { Handle } from "../tx.server";
import { REQUEST_DAYS, tellLegalRep } from "./delegations.server";

/**
 * C-3: both sides are warned this many days before a delegation's end date. Tightest first:
 * an end date set 5 days ahead gets the 7-day warning only, not the 30-day one as well.
 */
export const WARNING_DAYS = [1, 7, 30] as const;

const system: Actor = { kind: "anonymous" };

/**
 * The daily delegation sweep (C-1, C-3): expires requests older than 90 days, ends the
 * delegations whose end date has passed (access already stopped at that moment: the
 * session actor ignores them), and warns both sides 30, 7 and 1 days before an end date,
 * once per link, end date and threshold. Running it twice changes nothing the second time.
 */
export async function sweepDelegations(db: Handle): Promise<{ expired: number; ended: number; warned: number }> {
  const at = now();
  return asJob(db, "delegations", async (trx) => {
    const expired = await trx
      .updateTable("partner_client_links")
      .set({ state: "expired" })
      .where("state", "=", "requested")
      .where("requested_at", "<=", addMs(at, -REQUEST_DAYS * DAY))
      .returning(["id", "org_id", "client_org_id"])
      .execute();
    for (const l of expired) {
      await audit(trx, system, { orgId: l.client_org_id, action: "delegation.expired", targetType: "partner_client_link", targetId: l.id });
      await audit(trx, system, { orgId: l.org_id, action: "delegation.expired", targetType: "partner_client_link", targetId: l.id });
    }

    const ended = await trx
      .updateTable("partner_client_links")
      .set({ state: "ended", ended_at: sql`ends_at`, end_reason: "end_date", payer: "client" })
      .where("state", "=", "active")
      .where("ends_at", "<=", at)
      .returning(["id", "org_id", "client_org_id"])
      .execute();
    for (const l of ended) {
      const names = await trx.selectFrom("organizations").select(["id", "name"]).where("id", "in", [l.org_id, l.client_org_id]).execute();
      const vars = { partner: names.find((n) => n.id === l.org_id)?.name ?? "", client: names.find((n) => n.id === l.client_org_id)?.name ?? "" };
      for (const orgId of [l.org_id, l.client_org_id]) {
        await audit(trx, system, { orgId, action: "delegation.ended", targetType: "partner_client_link", targetId: l.id, data: { endedBy: "end_date" } });
        await tellLegalRep(trx, orgId, "clients.mail.endDate", vars);
      }
    }

    let warned = 0;
    for (const days of WARNING_DAYS) {
      // Links ending within `days` days not yet warned at this threshold for this end date.
      const due = await trx
        .selectFrom("partner_client_links as l")
        .innerJoin("organizations as p", "p.id", "l.org_id")
        .innerJoin("organizations as c", "c.id", "l.client_org_id")
        .select(["l.id", "l.org_id", "l.client_org_id", "l.ends_at", "p.name as partner", "c.name as client"])
        .where("l.state", "=", "active")
        .where("l.ends_at", ">", at)
        .where("l.ends_at", "<=", addMs(at, days * DAY))
        .where((eb) => eb.not(eb.exists(eb.selectFrom("partner_link_warnings as w").select("w.link_id").whereRef("w.link_id", "=", "l.id").whereRef("w.ends_at", "=", "l.ends_at").where("w.days", "<=", days))))
        .execute();
      for (const l of due) {
        const inserted = await trx
          .insertInto("partner_link_warnings")
          .values({ org_id: l.org_id, link_id: l.id, ends_at: l.ends_at!, days, sent_at: at })
          .onConflict((oc) => oc.doNothing())
          .returning("link_id")
          .executeTakeFirst();
        if (!inserted) continue;
        const vars = { partner: l.partner, client: l.client, days, date: l.ends_at!.toISOString().slice(0, 10) };
        await tellLegalRep(trx, l.org_id, "clients.mail.endingPartner", vars);
        await tellLegalRep(trx, l.client_org_id, "clients.mail.endingClient", vars);
        warned++;
      }
    }
    return { expired: expired.length, ended: ended.length, warned };
  });
}
