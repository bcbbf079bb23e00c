import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { formatMoney } from "../../../app/domain/billing/money";
import { setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { createUser, signedIn } from "../../support/factories";
import { givePrepaid, invoicesOf, useEuro } from "../../support/payments";
import { appDb, testDb } from "../../support/setup";

// P-8: an affiliate earns a commission on every paid invoice of an organization it referred,
// at the rate kept as data, recorded once per invoice by the paying transaction.
const NOW = new Date("2026-06-10T10:00:00Z");
beforeEach(() => setClock(() => NOW));

async function affiliateWithReferral(opts: { euro?: boolean } = {}) {
  const affiliate = await createUser({ name: "Affiliate Person" });
  await testDb().insertInto("program_memberships").values({ org_id: affiliate.orgId, program: "affiliate", referral_code: randomBytes(5).toString("hex"), since: NOW }).execute();
  const referred = await createUser({ name: "Referred Rep" });
  if (opts.euro) await useEuro(referred.orgId);
  await testDb().insertInto("affiliate_referrals").values({ org_id: affiliate.orgId, referred_org_id: referred.orgId, created_at: NOW }).execute();
  return { affiliate, referred };
}

async function pay(user: { orgId: string; email: string; password: string }, codes: string[], currency: "CHF" | "EUR" = "CHF") {
  const ids = [];
  for (const code of codes) {
    if (code.startsWith("test-")) {
      const row = await testDb()
        .insertInto("products")
        .values({ org_id: user.orgId, type: "storage", product_type_code: code, name: `${code}.ch`, expires_at: new Date(NOW.getTime() + 20 * 86_400_000) })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    } else ids.push(await createRenewableProduct(user.orgId, { code, from: NOW, expiresInDays: 20, months: 12 }));
  }
  const account = await testDb().selectFrom("prepaid_accounts").select("org_id").where("org_id", "=", user.orgId).executeTakeFirst();
  if (!account) await givePrepaid(user.orgId, 100_000, currency);
  const page = await (await signedIn(user)).post(`/orgs/${user.orgId}/billing/checkout`, { "ids[]": ids, method: "prepaid" });
  expect(page.status).toBe(302);
}

const commissionsOf = (orgId: string) => testDb().selectFrom("affiliate_commissions").selectAll().where("org_id", "=", orgId).orderBy("created_at").execute();

describe("affiliate commissions", () => {
  it("P-8: a paid invoice of a referred organization records one commission at the data rate (10 %), rounded half up in CHF and EUR, shown on the affiliate's page", async () => {
    const { affiliate, referred } = await affiliateWithReferral();
    // .ch 15.90 + .com 19.90 = 35.80 net: 10 % = 3.58. Then one .ch alone: 1.59.
    await pay(referred, ["domain-ch", "domain-com"]);
    setClock(() => new Date(NOW.getTime() + 60_000));
    await pay(referred, ["domain-ch"]);
    const invoices = await invoicesOf(referred.orgId);
    const rows = await commissionsOf(affiliate.orgId);
    expect(rows.map((r) => [r.invoice_id, r.referred_org_id, r.rate_bp, r.amount, r.currency])).toEqual([
      [invoices[0].id, referred.orgId, 1000, 358, "CHF"],
      [invoices[1].id, referred.orgId, 1000, 159, "CHF"],
    ]);
    // EUR.
    const euro = await affiliateWithReferral({ euro: true });
    await pay(euro.referred, ["domain-ch", "mail-standard"], "EUR"); // 14.90 + 12 × 2.80 = 48.50: 4.85
    expect((await commissionsOf(euro.affiliate.orgId)).map((r) => [r.amount, r.currency])).toEqual([[485, "EUR"]]);

    const page = textOf((await (await signedIn(affiliate)).get(`/orgs/${affiliate.orgId}/partner`)).html).replace(/[\u00a0\u202f]/g, " ");
    expect(page).toContain("You earn 10% of the net amount");
    expect(page).toContain(`${formatMoney(517, "CHF", "en-CH").replace(/[\u00a0\u202f]/g, " ")} from 2 paid invoices`);
  });

  it("P-8: half-unit rounding goes up and a commission is never recorded twice for one invoice, nor for organizations nobody referred", async () => {
    const { affiliate, referred } = await affiliateWithReferral();
    await pay(referred, ["mail-standard"]); // 12 × 3.00 = 36.00: 3.60
    // A catalog type at 10.05 a year: 10 % is 1.005, rounded half up to 1.01.
    const code = `test-${randomBytes(4).toString("hex")}`;
    await testDb().insertInto("product_types").values({ code, kind: "storage", name: code, billing_period: "year", price_chf: 1005, price_eur: 1005, renewal_months: [12], sort_order: 99 }).execute();
    await pay(referred, [code]);
    const [first] = await invoicesOf(referred.orgId);
    // Calling the function again for an invoice already counted records nothing.
    const again = await appDb()
      .transaction()
      .execute(async (trx) => {
        await sql`select set_config('app.org_ids', ${referred.orgId}, true)`.execute(trx);
        return (await sql<{ r: boolean }>`select portal_record_affiliate_commission(${first.id}::uuid, now()) as r`.execute(trx)).rows[0].r;
      });
    expect(again).toBe(false);
    expect((await commissionsOf(affiliate.orgId)).map((r) => r.amount)).toEqual([360, 101]);
    // Acting for another organization, the function does nothing.
    const outsider = await createUser();
    const forged = await appDb()
      .transaction()
      .execute(async (trx) => {
        await sql`select set_config('app.org_ids', ${outsider.orgId}, true)`.execute(trx);
        return (await sql<{ r: boolean }>`select portal_record_affiliate_commission(${first.id}::uuid, now()) as r`.execute(trx)).rows[0].r;
      });
    expect(forged).toBe(false);
    // An organization nobody referred pays: no commission anywhere.
    const before = Number((await testDb().selectFrom("affiliate_commissions").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const unreferred = await createUser();
    await pay(unreferred, ["domain-ch"]);
    const after = Number((await testDb().selectFrom("affiliate_commissions").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    expect(after).toBe(before);
    // The referred organization does not see the affiliate's commissions; the rate cannot be changed by the portal.
    const seen = await appDb()
      .transaction()
      .execute(async (trx) => {
        await sql`select set_config('app.org_ids', ${referred.orgId}, true)`.execute(trx);
        return trx.selectFrom("affiliate_commissions").select("id").execute();
      });
    expect(seen).toEqual([]);
    await expect(sql`update affiliate_commission_rate set rate_bp = 3000`.execute(appDb())).rejects.toThrow(/permission denied/);
    await expect(sql`update affiliate_commission_rate set rate_bp = 3501`.execute(testDb())).rejects.toThrow(/check/);
  });
});
