import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 6, P-9: partner tiers as data. A partner's tier comes from the yearly value it manages
// (P-2, in its organization's currency); each tier gives a rate per product kind. The 35 % cap
// is a check constraint, so no path (domain bug, form, manual SQL) can store a higher rate.
// Both tables are global and changed by migrations only: the portal reads them.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table partner_tiers (
      code text primary key check (code ~ '^[a-z][a-z0-9_]{1,30}$'),
      name text not null check (length(name) between 1 and 60),
      min_yearly_value_chf bigint not null check (min_yearly_value_chf > 0),
      min_yearly_value_eur bigint not null check (min_yearly_value_eur > 0),
      sort integer not null unique
    );

    create table partner_tier_rates (
      tier_code text not null references partner_tiers (code) on delete cascade,
      product_kind text not null check (product_kind in ('domain', 'hosting', 'mail', 'storage', 'chat')),
      rate_bp integer not null constraint partner_tier_rates_cap check (rate_bp between 0 and 3500),
      primary key (tier_code, product_kind)
    );

    -- The first threshold is the program's entry condition (P-2: CHF 2000 / EUR 1800).
    insert into partner_tiers (code, name, min_yearly_value_chf, min_yearly_value_eur, sort) values
      ('bronze', 'Bronze', 200000, 180000, 1),
      ('silver', 'Silver', 1000000, 900000, 2),
      ('gold', 'Gold', 5000000, 4500000, 3);

    insert into partner_tier_rates (tier_code, product_kind, rate_bp) values
      ('bronze', 'domain', 1000), ('bronze', 'hosting', 1500), ('bronze', 'mail', 1500), ('bronze', 'storage', 1000), ('bronze', 'chat', 1000),
      ('silver', 'domain', 1500), ('silver', 'hosting', 2500), ('silver', 'mail', 2500), ('silver', 'storage', 2000), ('silver', 'chat', 2000),
      ('gold', 'domain', 2000), ('gold', 'hosting', 3500), ('gold', 'mail', 3500), ('gold', 'storage', 3000), ('gold', 'chat', 3500);

    revoke insert, update, delete, truncate on partner_tiers, partner_tier_rates from portal_app;
    grant select on partner_tiers, partner_tier_rates to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
