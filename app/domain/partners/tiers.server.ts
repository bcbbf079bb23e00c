import { sql } from "kysely";
import type { ProductType } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import type { Currency } from "../billing/money";
import { NotFound } from "../errors";
import type { Acting } from "../orgs/member-fields";
import { withActor, type Handle, type Tx } from "../tx.server";
import { now } from "../../lib/clock";
import { lastMonths, partnerRevenueByMonth, revenueOfClients } from "./revenue.server";
import { partnerProgramValue, type ProgramValue } from "./value.server";

// P-9: partner tiers and rates come from data (migration 0020); P-10: the reseller space.

/** The 35 % cap of P-9 in basis points; the database refuses more with a check constraint too. */
export const PARTNER_RATE_CAP_BP = 3500;
export const PRODUCT_KINDS: readonly ProductType[] = ["domain", "hosting", "mail", "storage", "chat"];
export const SPACE_PAGE_SIZE = 25;

/**
 * The partner's share of `amountMinor` at `rateBp` basis points (the discount or the cashback),
 * rounded half up (away from zero) to the minor unit, on integers so no binary fraction leaks in.
 * A rate above the 35 % cap is refused.
 */
export function applyPartnerRate(amountMinor: number, rateBp: number): number {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amounts are integer minor units, got ${amountMinor}`);
  if (!Number.isInteger(rateBp) || rateBp < 0 || rateBp > PARTNER_RATE_CAP_BP) throw new RangeError(`partner rate must be between 0 and ${PARTNER_RATE_CAP_BP} bp, got ${rateBp}`);
  const product = BigInt(amountMinor) * BigInt(rateBp);
  const abs = product < 0n ? -product : product;
  const rounded = (abs * 2n + 10_000n) / 20_000n;
  return Number(product < 0n ? -rounded : rounded);
}

export interface TierSummary {
  code: string;
  name: string;
  minimum: number;
}

export interface PartnerTier {
  value: ProgramValue;
  /** null below the first threshold. */
  tier: TierSummary | null;
  rates: Array<{ kind: ProductType; rateBp: number }>;
  /** null at the top tier; `missing` is the yearly volume still needed to reach it. */
  next: (TierSummary & { missing: number }) | null;
}

/**
 * The partner's current tier from its managed yearly value (P-2), the tier's rate per product
 * kind and the volume missing for the next tier. Runs in the caller's transaction acting for `orgId`.
 */
export async function partnerTier(trx: Tx, orgId: string): Promise<PartnerTier> {
  const value = await partnerProgramValue(trx, orgId);
  const tiers = (await trx.selectFrom("partner_tiers").selectAll().orderBy("sort").execute()).map((t) => ({
    code: t.code,
    name: t.name,
    minimum: minimumIn(t, value.currency),
  }));
  const current = tiers.filter((t) => t.minimum <= value.amount).at(-1) ?? null;
  const upcoming = tiers.find((t) => t.minimum > value.amount) ?? null;
  const rows = current ? await trx.selectFrom("partner_tier_rates").select(["product_kind", "rate_bp"]).where("tier_code", "=", current.code).execute() : [];
  const rates = PRODUCT_KINDS.flatMap((kind) => {
    const row = rows.find((r) => r.product_kind === kind);
    return row ? [{ kind, rateBp: row.rate_bp }] : [];
  });
  return { value, tier: current, rates, next: upcoming ? { ...upcoming, missing: upcoming.minimum - value.amount } : null };
}

function minimumIn(tier: { min_yearly_value_chf: number; min_yearly_value_eur: number }, currency: Currency): number {
  return Number(currency === "CHF" ? tier.min_yearly_value_chf : tier.min_yearly_value_eur);
}

/**
 * P-10: the reseller space of an approved partner: its active clients with, per client, the
 * number of products and their yearly value (catalog prices in the partner's currency), one
 * page at a time, and the current tier. Not a partner (or not active) → NotFound, so the page
 * does not exist for other organizations.
 */
export async function resellerSpace(db: Handle, acting: Acting, orgId: string, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "PartnerApplication", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    const membership = await trx.selectFrom("program_memberships").select(["program", "status"]).where("org_id", "=", orgId).executeTakeFirst();
    // Flagged for review by the yearly re-check is still a partner (P-2: never silently demoted).
    if (membership?.program !== "partner") throw new NotFound();
    const tier = await partnerTier(trx, orgId);
    const price = tier.value.currency === "CHF" ? sql.ref("t.price_chf") : sql.ref("t.price_eur");
    const active = trx.selectFrom("partner_client_links as l").where("l.org_id", "=", orgId).where("l.state", "=", "active");
    const { total } = await active.select(sql<number>`count(*)::int`.as("total")).executeTakeFirstOrThrow();
    const pages = Math.max(1, Math.ceil(total / SPACE_PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Math.floor(Number.isFinite(opts.page) ? opts.page! : 1)));
    // One page of clients first (migration 0036: sorting 5,000 client names under the tenant
    // policies cost 145 ms), then the products of those clients only (not of all of them).
    const { rows: pageRows } = await sql<{ id: string; name: string; since: Date; payer: "client" | "partner"; link_id: string; access: "full" | "limited" }>`
      select id, name, since, payer, link_id, access
      from portal_partner_client_page(${orgId}::uuid, ${SPACE_PAGE_SIZE}, ${(page - 1) * SPACE_PAGE_SIZE})`.execute(trx);
    const ids = pageRows.map((c) => c.id);
    const sums = ids.length
      ? await trx
          .selectFrom("products as p")
          .leftJoin("product_types as t", "t.code", "p.product_type_code")
          .select([
            "p.org_id",
            sql<number>`count(p.id)::int`.as("products"),
            sql<number>`coalesce(sum(case when t.billing_period = 'month' then ${price} * 12 else ${price} end), 0)::bigint`.as("yearly_value"),
          ])
          .where("p.org_id", "in", ids)
          .groupBy("p.org_id")
          .execute()
      : [];
    const clients = pageRows.map((c) => {
      const sum = sums.find((x) => x.org_id === c.id);
      return { ...c, products: sum?.products ?? 0, yearly_value: Number(sum?.yearly_value ?? 0) };
    });
    // P-10: revenue over the last 12 months, per client and per month.
    const months = lastMonths(now());
    const revenue = await revenueOfClients(
      trx,
      orgId,
      clients.map((c) => c.id),
      months[0],
    );
    return {
      ...tier,
      clients: clients.map((c) => ({ ...c, revenue: revenue.get(c.id) ?? 0 })),
      total,
      page,
      pages,
      months: await partnerRevenueByMonth(trx, orgId, months),
    };
  });
}
