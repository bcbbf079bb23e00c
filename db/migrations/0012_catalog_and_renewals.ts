import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5, first slice: the product catalog as data, and what each product needs to be
// renewed (B-1, B-3, B-4, B-13).
//
// product_types: one row per sellable type, global (no org_id), read-only for portal_app.
//   Prices are per billing period (`year` or `month`), integer minor units in CHF and EUR.
//   `renewal_months` lists the periods, in months, a product of the type may be renewed
//   for (B-13): `.ch` 12…120 (1–10 years), other yearly types 12, monthly types 1, 3, 6, 12.
// product_type_price_tiers: volume prices (web hosting): from `min_quantity` units on, the
//   unit price per billing period is the tier's. The tier with min_quantity 1 equals the
//   type's own price; types without tiers use their own price for any quantity.
// products: the catalog type (nullable for rows made before the catalog; backfilled by the
//   product kind and, for domains, the extension), the expiry, the auto-renewal flag and
//   the method it charges (only methods that can charge without the customer, B-2), and
//   the renewal period chosen for this product (B-13; null = the type's shortest).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table product_types (
      code text primary key check (code ~ '^[a-z0-9-]+$'),
      kind text not null check (kind in ('domain', 'hosting', 'mail', 'storage', 'chat')),
      name text not null check (length(name) between 1 and 100),
      billing_period text not null check (billing_period in ('year', 'month')),
      price_chf bigint not null check (price_chf >= 0),
      price_eur bigint not null check (price_eur >= 0),
      renewal_months integer[] not null check (cardinality(renewal_months) >= 1 and 0 < all (renewal_months)),
      sort_order integer not null default 0,
      unique (code, kind)
    );

    create table product_type_price_tiers (
      type_code text not null references product_types (code) on delete cascade,
      min_quantity integer not null check (min_quantity >= 1),
      price_chf bigint not null check (price_chf >= 0),
      price_eur bigint not null check (price_eur >= 0),
      primary key (type_code, min_quantity)
    );

    insert into product_types (code, kind, name, billing_period, price_chf, price_eur, renewal_months, sort_order) values
      ('domain-ch', 'domain', '.ch domain name', 'year', 1590, 1490, '{12,24,36,48,60,72,84,96,108,120}', 10),
      ('domain-com', 'domain', '.com domain name', 'year', 1990, 1790, '{12}', 11),
      ('domain-swiss', 'domain', '.swiss domain name', 'year', 9900, 8900, '{12}', 12),
      ('hosting-starter', 'hosting', 'Web hosting Starter', 'month', 990, 890, '{1,3,6,12}', 20),
      ('hosting-business', 'hosting', 'Web hosting Business', 'year', 19900, 17900, '{12}', 21),
      ('mail-standard', 'mail', 'Mail service', 'month', 300, 280, '{1,3,6,12}', 30),
      ('storage-drive', 'storage', 'Storage drive', 'year', 5900, 5400, '{12}', 40),
      ('chat-team', 'chat', 'Chat', 'month', 500, 450, '{1,3,6,12}', 50);

    insert into product_type_price_tiers (type_code, min_quantity, price_chf, price_eur) values
      ('hosting-starter', 1, 990, 890),
      ('hosting-starter', 5, 890, 800),
      ('hosting-starter', 20, 790, 710),
      ('hosting-business', 1, 19900, 17900),
      ('hosting-business', 5, 17900, 16100),
      ('hosting-business', 20, 15900, 14300);

    -- The catalog is global and changed by migrations only: the portal reads it.
    revoke insert, update, delete, truncate on product_types, product_type_price_tiers from portal_app;
    grant select on product_types, product_type_price_tiers to portal_app;

    alter table products add column product_type_code text;
    alter table products add column expires_at timestamptz;
    alter table products add column auto_renew boolean not null default false;
    alter table products add column auto_renew_method text check (auto_renew_method in ('visa', 'mastercard', 'cb', 'twint'));
    alter table products add column renewal_months integer check (renewal_months > 0);
    -- A product's catalog type is of its own kind.
    alter table products add constraint products_type_fk
      foreign key (product_type_code, type) references product_types (code, kind);
    -- B-3: auto-renewal charges a chosen method; no method, no auto-renewal.
    alter table products add constraint products_auto_renew_needs_method
      check (not auto_renew or auto_renew_method is not null);
    create index products_org_expiry_idx on products (org_id, expires_at);

    update products set product_type_code = case
        when type = 'domain' and name like '%.com' then 'domain-com'
        when type = 'domain' and name like '%.swiss' then 'domain-swiss'
        when type = 'domain' then 'domain-ch'
        when type = 'hosting' then 'hosting-starter'
        when type = 'mail' then 'mail-standard'
        when type = 'storage' then 'storage-drive'
        else 'chat-team'
      end;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
