import { assertCan } from "../../auth/ability";
import type { Currency } from "../billing/money";
import { NotFound } from "../errors";
import type { Acting } from "../orgs/member-fields";
import { withActor, type Handle } from "../tx.server";

// P-9: partner prices for common domain extensions, a price list as data (migration 0023),
// shown to approved partners in their currency beside the public price.
export async function partnerDomainPrices(db: Handle, acting: Acting, orgId: string) {
  assertCan(acting.ability, "read", "PartnerApplication", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    const membership = await trx.selectFrom("program_memberships").select("program").where("org_id", "=", orgId).executeTakeFirst();
    if (membership?.program !== "partner") throw new NotFound();
    const org = await trx.selectFrom("organizations").select("currency").where("id", "=", orgId).executeTakeFirstOrThrow();
    const currency = org.currency as Currency;
    const rows = await trx.selectFrom("partner_domain_prices").selectAll().orderBy("sort").execute();
    return {
      currency,
      prices: rows.map((r) => ({
        tld: r.tld,
        price: currency === "CHF" ? r.price_chf : r.price_eur,
        partnerPrice: currency === "CHF" ? r.partner_price_chf : r.partner_price_eur,
      })),
    };
  });
}
