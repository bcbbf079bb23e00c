import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { loadUserActor } from "../../../app/auth/actor.server";
import { formatMoney, type Currency } from "../../../app/domain/billing/money";
import { applyPartnerRate, partnerTier, SPACE_PAGE_SIZE } from "../../../app/domain/partners/tiers.server";
import { withActor } from "../../../app/domain/tx.server";
import { textOf } from "../../support/app";
import { createMember, createUser, signedIn } from "../../support/factories";
import { addProducts } from "../../support/partners";
import { appDb, testDb } from "../../support/setup";

// P-9 (tiers and rates as data, the 35 % cap) and P-10 (the reseller space) through the real
// route and the real database.

/** A product of the organization worth exactly `amount` minor units a year (a one-off catalog type). */
async function productWorth(orgId: string, amount: number) {
  const code = `test-${randomBytes(4).toString("hex")}`;
  await testDb()
    .insertInto("product_types")
    .values({ code, kind: "hosting", name: code, billing_period: "year", price_chf: amount, price_eur: amount, renewal_months: [12], sort_order: 99 })
    .execute();
  await testDb().insertInto("products").values({ org_id: orgId, type: "hosting", product_type_code: code, name: `${code}.ch` }).execute();
}

async function partnerOrg(opts: { currency?: Currency; status?: "active" | "review"; name?: string } = {}) {
  const user = await createUser({ name: opts.name ?? "Partner Rep" });
  if (opts.currency) await testDb().updateTable("organizations").set({ currency: opts.currency }).where("id", "=", user.orgId).execute();
  await testDb().insertInto("program_memberships").values({ org_id: user.orgId, program: "partner", status: opts.status ?? "active", since: new Date() }).execute();
  return user;
}

async function tierOf(user: { userId: string; email: string; orgId: string }) {
  const actor = await loadUserActor(appDb(), { id: user.userId, email: user.email });
  return withActor(appDb(), actor, (trx) => partnerTier(trx, user.orgId));
}

async function activeClient(partnerOrgId: string, name: string, state: "active" | "requested" | "ended" = "active") {
  const client = await createUser({ name, organizationName: name });
  await testDb().insertInto("partner_client_links").values({ org_id: partnerOrgId, client_org_id: client.orgId, state, since: new Date("2026-03-01T10:00:00Z") }).execute();
  return client;
}

describe("partner tiers and the reseller space", () => {
  it("P-9: the tier comes from the managed yearly value: below, at and above each threshold, in CHF and in EUR, with the volume missing for the next tier", async () => {
    const cases: Array<[Currency, number, string | null, string | null, number | null]> = [
      ["CHF", 199_999, null, "bronze", 1],
      ["CHF", 200_000, "bronze", "silver", 800_000],
      ["CHF", 999_999, "bronze", "silver", 1],
      ["CHF", 1_000_000, "silver", "gold", 4_000_000],
      ["CHF", 5_000_000, "gold", null, null],
      ["CHF", 7_500_000, "gold", null, null],
      ["EUR", 179_999, null, "bronze", 1],
      ["EUR", 180_000, "bronze", "silver", 720_000],
      ["EUR", 900_000, "silver", "gold", 3_600_000],
      ["EUR", 4_499_999, "silver", "gold", 1],
      ["EUR", 4_500_000, "gold", null, null],
    ];
    for (const [currency, amount, tier, next, missing] of cases) {
      const user = await partnerOrg({ currency });
      await productWorth(user.orgId, amount);
      const result = await tierOf(user);
      expect(result.value).toMatchObject({ currency, amount });
      expect({ currency, amount, tier: result.tier?.code ?? null, next: result.next?.code ?? null, missing: result.next?.missing ?? null }).toEqual({ currency, amount, tier, next, missing });
      expect(result.rates.length).toBe(tier ? 5 : 0);
    }
  });

  it("P-9: rates rise per tier and never exceed 35 %; the top tier's hosting, mail and chat rates are exactly 35 %", async () => {
    const rates = await testDb().selectFrom("partner_tier_rates as r").innerJoin("partner_tiers as t", "t.code", "r.tier_code").select(["t.code", "t.sort", "r.product_kind", "r.rate_bp"]).execute();
    expect(rates).toHaveLength(15);
    expect(Math.max(...rates.map((r) => r.rate_bp))).toBe(3500);
    const rate = (tier: string, kind: string) => rates.find((r) => r.code === tier && r.product_kind === kind)!.rate_bp;
    for (const kind of ["domain", "hosting", "mail", "storage", "chat"]) {
      expect(rate("bronze", kind)).toBeLessThan(rate("silver", kind));
      expect(rate("silver", kind)).toBeLessThan(rate("gold", kind));
    }
    expect([rate("gold", "hosting"), rate("gold", "mail"), rate("gold", "chat")]).toEqual([3500, 3500, 3500]);
  });

  it("P-9: the database refuses a rate above 35 % (3501 bp) even from the owner, and the portal's role cannot change rates at all", async () => {
    await expect(sql`update partner_tier_rates set rate_bp = 3501 where tier_code = 'gold' and product_kind = 'hosting'`.execute(testDb())).rejects.toThrow(/partner_tier_rates_cap/);
    await expect(sql`insert into partner_tier_rates (tier_code, product_kind, rate_bp) values ('gold', 'domain', 3501) on conflict (tier_code, product_kind) do update set rate_bp = excluded.rate_bp`.execute(testDb())).rejects.toThrow(/partner_tier_rates_cap/);
    await expect(sql`update partner_tier_rates set rate_bp = -1 where tier_code = 'bronze' and product_kind = 'mail'`.execute(testDb())).rejects.toThrow(/partner_tier_rates_cap/);
    await expect(sql`update partner_tier_rates set rate_bp = 100 where tier_code = 'bronze'`.execute(appDb())).rejects.toThrow(/permission denied/);
    await expect(sql`update partner_tiers set min_yearly_value_chf = 1`.execute(appDb())).rejects.toThrow(/permission denied/);
    const gold = await testDb().selectFrom("partner_tier_rates").select("rate_bp").where("tier_code", "=", "gold").where("product_kind", "=", "hosting").executeTakeFirstOrThrow();
    expect(gold.rate_bp).toBe(3500);
  });

  it("P-9: the domain refuses a rate above 35 % and rounds the partner's share exactly, half up to the centime (CHF) and the cent (EUR)", () => {
    // CHF catalog prices: .com domain 19.90, hosting Business 199.00, mail 3.00 a month.
    expect(applyPartnerRate(1990, 3500)).toBe(697); // 696.5 → 697
    expect(applyPartnerRate(19900, 1500)).toBe(2985);
    expect(applyPartnerRate(300, 2500)).toBe(75);
    expect(applyPartnerRate(1590, 1000)).toBe(159);
    expect(applyPartnerRate(1590, 1500)).toBe(239); // 238.5 → 239
    expect(applyPartnerRate(1234, 3333)).toBe(411); // 411.2922 → 411
    // EUR catalog prices: .com domain 17.90, hosting Business 179.00, mail 2.80 a month.
    expect(applyPartnerRate(1790, 1500)).toBe(269); // 268.5 → 269
    expect(applyPartnerRate(17900, 3500)).toBe(6265);
    expect(applyPartnerRate(280, 3500)).toBe(98);
    expect(applyPartnerRate(1490, 2500)).toBe(373); // 372.5 → 373
    expect(applyPartnerRate(1, 3500)).toBe(0); // 0.35 → 0
    expect(applyPartnerRate(2, 2500)).toBe(1); // 0.5 → 1
    // Credits round away from zero, symmetric to charges.
    expect(applyPartnerRate(-1990, 3500)).toBe(-697);
    // Large amounts stay exact (no floating point).
    expect(applyPartnerRate(9_007_199_254_740_991, 3500)).toBe(Number((9_007_199_254_740_991n * 3500n * 2n + 10_000n) / 20_000n));
    expect(applyPartnerRate(100_000, 3500)).toBe(35_000);
    expect(() => applyPartnerRate(100_000, 3501)).toThrow(RangeError);
    expect(() => applyPartnerRate(100_000, 10_000)).toThrow(RangeError);
    expect(() => applyPartnerRate(100_000, -1)).toThrow(RangeError);
    expect(() => applyPartnerRate(100_000, 1500.5)).toThrow(RangeError);
    expect(() => applyPartnerRate(10.5, 1500)).toThrow(RangeError);
  });

  it("P-10: the reseller space lists the active clients with their products and yearly value, and shows the tier, its rates and the volume for the next tier", async () => {
    const partner = await partnerOrg({ name: "Reseller Rep" });
    await productWorth(partner.orgId, 500_000);
    const alpha = await activeClient(partner.orgId, "Alpha Client AG");
    await addProducts(alpha.orgId, "hosting-business", 1); // 199.00 a year
    await addProducts(alpha.orgId, "mail-standard", 1); // 3.00 a month → 36.00 a year
    const beta = await activeClient(partner.orgId, "Beta Client GmbH");
    await addProducts(beta.orgId, "hosting-business", 2);
    await activeClient(partner.orgId, "Gamma Requested SA", "requested");
    await activeClient(partner.orgId, "Delta Ended AG", "ended");
    const client = await signedIn(partner);

    // The program page links to the space once approved.
    const overview = await client.get(`/orgs/${partner.orgId}/partner`);
    expect(overview.html).toContain(`href="/orgs/${partner.orgId}/partner/space"`);

    const page = await client.get(`/orgs/${partner.orgId}/partner/space`);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    const chf = (amount: number, locale = "en-CH") => formatMoney(amount, "CHF", locale).replace(/\s/g, " ");
    expect(text).toContain("Reseller space");
    expect(text).toContain("Active clients (2)");
    expect(text).toMatch(new RegExp(`Alpha Client AG\\s*2\\s*${escape(chf(23_500))}`));
    expect(text).toMatch(new RegExp(`Beta Client GmbH\\s*2\\s*${escape(chf(39_800))}`));
    expect(text).not.toContain("Gamma Requested SA");
    expect(text).not.toContain("Delta Ended AG");
    // 5000.00 own + 235.00 + 398.00 = 5633.00: Bronze, Silver from 10000.00 is 4367.00 away.
    expect(text).toContain(`Yearly value managed through the program: ${chf(563_300)}`);
    expect(text).toContain(`Current tier: Bronze (from ${chf(200_000)} per year)`);
    expect(text).toContain(`Next tier: Silver from ${chf(1_000_000)} per year, ${chf(436_700)} still needed.`);
    expect(text).toMatch(/Web hosting\s*15%/);
    expect(text).toMatch(/Domain[^%]*10%/);

    // German and French pages use their catalogs (the user's language).
    await testDb().updateTable("users").set({ locale: "de" }).where("id", "=", partner.userId).execute();
    const de = textOf((await client.get(`/orgs/${partner.orgId}/partner/space`)).html);
    expect(de).toContain("Partnerbereich");
    expect(de).toContain(`es fehlen noch ${chf(436_700, "de-CH")}`);
    await testDb().updateTable("users").set({ locale: "fr" }).where("id", "=", partner.userId).execute();
    const fr = textOf((await client.get(`/orgs/${partner.orgId}/partner/space`)).html);
    expect(fr).toContain("Espace revendeur");
    expect(fr).toContain("Palier actuel : Bronze");
  });

  it("P-10: the client list is paginated in SQL", async () => {
    const partner = await partnerOrg({ name: "Big Reseller" });
    for (let i = 0; i < SPACE_PAGE_SIZE + 1; i++) await activeClient(partner.orgId, `Client ${String(i).padStart(3, "0")}`);
    const client = await signedIn(partner);
    const first = textOf((await client.get(`/orgs/${partner.orgId}/partner/space`)).html);
    expect(first).toContain(`Active clients (${SPACE_PAGE_SIZE + 1})`);
    expect(first).toContain("Client 000");
    expect(first).toContain(`Client ${String(SPACE_PAGE_SIZE - 1).padStart(3, "0")}`);
    expect(first).not.toContain(`Client ${String(SPACE_PAGE_SIZE).padStart(3, "0")}`);
    expect(first).toContain("Page 1 of 2");
    expect(first).toContain("No tier yet");
    const second = textOf((await client.get(`/orgs/${partner.orgId}/partner/space?page=2`)).html);
    expect(second).toContain(`Client ${String(SPACE_PAGE_SIZE).padStart(3, "0")}`);
    expect(second).not.toContain("Client 000");
  });

  it("P-10: administrators see the space; a restricted member gets 403; a non-partner gets 404 (the space does not exist for it), a partner flagged for review keeps it (P-2: never silently demoted); another organization gets 404", async () => {
    const partner = await partnerOrg({ name: "Guarded Reseller" });
    const secret = await activeClient(partner.orgId, "Secret Client AG");
    const path = `/orgs/${partner.orgId}/partner/space`;
    const admin = await signedIn(await createMember(partner.orgId, "admin"));
    expect((await admin.get(path)).status).toBe(200);
    const restricted = await signedIn(await createMember(partner.orgId, "restricted"));
    const refused = await restricted.get(path);
    expect(refused.status).toBe(403);
    expect(refused.html).not.toContain("Secret Client AG");

    const plain = await createUser({ name: "Not A Partner" });
    const plainClient = await signedIn(plain);
    expect((await plainClient.get(`/orgs/${plain.orgId}/partner/space`)).status).toBe(404);
    expect((await plainClient.get(`/orgs/${plain.orgId}/partner`)).html).not.toContain("/partner/space");
    const other = await plainClient.get(path);
    expect(other.status).toBe(404);
    expect(other.html).not.toContain("Secret Client AG");

    const reviewed = await partnerOrg({ name: "Flagged Reseller", status: "review" });
    expect((await (await signedIn(reviewed)).get(`/orgs/${reviewed.orgId}/partner/space`)).status).toBe(200);

    // The client itself has no reseller space of its own.
    expect((await (await signedIn(secret)).get(`/orgs/${secret.orgId}/partner/space`)).status).toBe(404);
  });

  it("P-10: the value and the page of clients (migration 0036 functions) answer only a transaction acting for the partner, with exactly what the tenant policies showed it", async () => {
    const partner = await partnerOrg({ name: "Narrow Reseller" });
    await productWorth(partner.orgId, 300_000);
    const active = await activeClient(partner.orgId, "Narrow Active AG");
    await addProducts(active.orgId, "hosting-business", 1);
    const ended = await activeClient(partner.orgId, "Narrow Ended AG", "ended");
    await addProducts(ended.orgId, "hosting-business", 3);
    const actor = await loadUserActor(appDb(), { id: partner.userId, email: partner.email });
    const read = (orgId: string) =>
      withActor(appDb(), actor, async (trx) => ({
        value: (await sql<{ amount: number; products: number; clients: number }>`select amount, products, clients from portal_partner_program_value(${orgId}::uuid)`.execute(trx)).rows,
        page: (await sql<{ name: string }>`select name from portal_partner_client_page(${orgId}::uuid, 10, 0)`.execute(trx)).rows.map((r) => r.name),
      }));
    // 3000.00 own + 199.00 of the active client; the ended client's products do not count.
    expect(await read(partner.orgId)).toEqual({ value: [{ amount: 319_900, products: 2, clients: 1 }], page: ["Narrow Active AG"] });
    // Through the tenant policies, the partner sees the same two products (not the ended client's).
    const viaPolicies = await withActor(appDb(), actor, (trx) =>
      trx.selectFrom("products").select((eb) => eb.fn.countAll<number>().as("n")).where("org_id", "in", [partner.orgId, active.orgId, ended.orgId]).executeTakeFirstOrThrow(),
    );
    expect(Number(viaPolicies.n)).toBe(2);

    // Another organization's user (not acting for the partner) gets nothing from either.
    const stranger = await createUser({ name: "Stranger" });
    const strangerActor = await loadUserActor(appDb(), { id: stranger.userId, email: stranger.email });
    const asStranger = await withActor(appDb(), strangerActor, async (trx) => ({
      value: (await sql`select * from portal_partner_program_value(${partner.orgId}::uuid)`.execute(trx)).rows,
      page: (await sql`select * from portal_partner_client_page(${partner.orgId}::uuid, 10, 0)`.execute(trx)).rows,
    }));
    expect(asStranger).toEqual({ value: [], page: [] });
    // The active client acts for itself only, not for its partner.
    const clientActor = await loadUserActor(appDb(), { id: active.userId, email: active.email });
    const asClient = await withActor(appDb(), clientActor, async (trx) => (await sql`select * from portal_partner_client_page(${partner.orgId}::uuid, 10, 0)`.execute(trx)).rows);
    expect(asClient).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
