import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5, second slice: orders, payments through a gateway, the prepaid account and
// invoices (B-2, B-6, B-7, B-8, B-9, B-10, B-11, B-12). Amounts are integer minor units of
// the order's currency.
//
// orders / order_lines: what is bought (a renewal of products, a new product, or a prepaid
//   top-up) and for how much. A top-up order is one deposit of 0.10 … 9999.00 (B-10).
// payments: one row per attempt and method; an order may be paid by the prepaid account in
//   part and by a gateway method for the rest (B-9). `idempotency_key` is what the gateway
//   sees, so a retried request never opens a second checkout; `gateway_reference` is the
//   gateway's id, the only key a webhook carries.
// payment_webhook_events: every signed gateway event accepted, once (a replay changes nothing).
// saved_payment_methods: a card token or Twint profile saved on first use (B-2, B-8).
// prepaid_accounts / prepaid_entries: the balance (never below zero, even with racing
//   debits) and its signed ledger.
// invoices / invoice_lines: issued once, never changed (a trigger refuses UPDATE and DELETE);
//   numbers `YYYY-NNNNNN` without gaps per year, drawn from invoice_counters in the issuing
//   transaction (a rolled-back issue gives its number back). vat_rates is data (country,
//   from which date, rate in basis points; EU countries carry rate 0 and reverse charge).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table organizations add column vat_id text check (vat_id ~ '^[A-Z]{2}[A-Z0-9.\\- ]{2,18}$');

    create table vat_rates (
      country text not null check (country ~ '^[A-Z]{2}$'),
      valid_from date not null,
      rate_bp integer not null check (rate_bp between 0 and 10000),
      reverse_charge_with_vat_id boolean not null default false,
      primary key (country, valid_from)
    );
    insert into vat_rates (country, valid_from, rate_bp, reverse_charge_with_vat_id) values
      ('CH', '2018-01-01', 770, false), ('CH', '2024-01-01', 810, false),
      ('LI', '2018-01-01', 770, false), ('LI', '2024-01-01', 810, false);
    insert into vat_rates (country, valid_from, rate_bp, reverse_charge_with_vat_id)
      select c, '2000-01-01', 0, true from unnest(array['AT','BE','BG','CY','CZ','DE','DK','EE','ES','FI','FR','GR','HR','HU','IE','IT','LT','LU','LV','MT','NL','PL','PT','RO','SE','SI','SK']) as c;
    revoke insert, update, delete, truncate on vat_rates from portal_app;
    grant select on vat_rates to portal_app;

    create table orders (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      kind text not null check (kind in ('new', 'renewal', 'topup')),
      status text not null default 'pending' check (status in ('pending', 'paid', 'cancelled')),
      currency text not null check (currency in ('CHF', 'EUR')),
      language text not null check (language in ('de', 'fr', 'en')),
      net_amount bigint not null check (net_amount >= 0),
      vat_rate_bp integer not null default 0 check (vat_rate_bp between 0 and 10000),
      vat_amount bigint not null default 0 check (vat_amount >= 0),
      total_amount bigint not null check (total_amount = net_amount + vat_amount),
      reverse_charge boolean not null default false,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      paid_at timestamptz,
      check ((status = 'paid') = (paid_at is not null)),
      -- B-10: one deposit is between 0.10 and 9999.00.
      constraint orders_topup_limits check (kind <> 'topup' or net_amount between 10 and 999900)
    );
    create index orders_org_status_idx on orders (org_id, status, created_at desc);

    create table order_lines (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      order_id uuid not null references orders (id) on delete cascade,
      position integer not null,
      product_id uuid references products (id) on delete set null,
      product_type_code text references product_types (code),
      description text not null check (length(description) between 1 and 300),
      months integer check (months > 0),
      unit_amount bigint not null check (unit_amount >= 0),
      quantity integer not null default 1 check (quantity > 0),
      discount_amount bigint not null default 0 check (discount_amount >= 0),
      net_amount bigint not null check (net_amount >= 0),
      unique (order_id, position)
    );
    create index order_lines_product_idx on order_lines (product_id);

    create table saved_payment_methods (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      method text not null check (method in ('visa', 'mastercard', 'cb', 'twint')),
      gateway_token text not null,
      label text not null,
      created_at timestamptz not null default now(),
      unique (org_id, gateway_token)
    );

    alter table products add column auto_renew_payment_method_id uuid references saved_payment_methods (id) on delete set null;

    create table payments (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      order_id uuid not null references orders (id) on delete cascade,
      method text not null check (method in ('visa', 'mastercard', 'cb', 'postfinance', 'paypal', 'twint', 'prepaid')),
      amount bigint not null check (amount > 0),
      currency text not null check (currency in ('CHF', 'EUR')),
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'refunded')),
      idempotency_key text not null unique,
      gateway_reference text unique,
      failure_reason text,
      created_at timestamptz not null default now(),
      settled_at timestamptz,
      check ((method = 'prepaid') = (gateway_reference is null))
    );
    create index payments_order_idx on payments (order_id);

    create table payment_webhook_events (
      event_id text primary key,
      org_id uuid not null references organizations (id) on delete cascade,
      payment_id uuid references payments (id) on delete set null,
      type text not null,
      received_at timestamptz not null default now()
    );

    create table prepaid_accounts (
      org_id uuid primary key references organizations (id) on delete cascade,
      currency text not null check (currency in ('CHF', 'EUR')),
      balance bigint not null default 0 check (balance >= 0),
      updated_at timestamptz not null default now()
    );

    create table prepaid_entries (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references prepaid_accounts (org_id) on delete cascade,
      kind text not null check (kind in ('topup', 'payment', 'refund')),
      amount bigint not null check (amount <> 0),
      payment_id uuid references payments (id) on delete set null,
      order_id uuid references orders (id) on delete set null,
      created_at timestamptz not null default now(),
      check ((kind = 'payment') = (amount < 0)),
      -- B-10: one deposit is between 0.10 and 9999.00.
      constraint prepaid_entries_topup_limits check (kind <> 'topup' or amount between 10 and 999900)
    );
    create index prepaid_entries_org_idx on prepaid_entries (org_id, created_at desc);

    create table invoice_counters (
      year integer primary key check (year between 2000 and 9999),
      last_number integer not null check (last_number > 0)
    );
    grant select, insert, update on invoice_counters to portal_app;
    revoke delete, truncate on invoice_counters from portal_app;

    create table invoices (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id),
      order_id uuid not null unique references orders (id),
      number text not null unique check (number ~ '^[0-9]{4}-[0-9]{6}$'),
      year integer not null,
      sequence integer not null check (sequence > 0),
      issued_at timestamptz not null,
      language text not null check (language in ('de', 'fr', 'en')),
      currency text not null check (currency in ('CHF', 'EUR')),
      net_amount bigint not null check (net_amount >= 0),
      vat_rate_bp integer not null check (vat_rate_bp between 0 and 10000),
      vat_amount bigint not null check (vat_amount >= 0),
      total_amount bigint not null check (total_amount = net_amount + vat_amount),
      reverse_charge boolean not null default false,
      bill_to jsonb not null,
      paid_by jsonb not null default '[]',
      unique (year, sequence)
    );
    create index invoices_org_issued_idx on invoices (org_id, issued_at desc);

    create table invoice_lines (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id),
      invoice_id uuid not null references invoices (id),
      position integer not null,
      description text not null,
      period_from timestamptz,
      period_to timestamptz,
      unit_amount bigint not null,
      quantity integer not null,
      discount_amount bigint not null,
      net_amount bigint not null,
      unique (invoice_id, position)
    );

    -- An issued invoice never changes; corrections are credit notes.
    create function refuse_invoice_change() returns trigger language plpgsql as $$
    begin
      raise exception 'issued invoices cannot be changed (%)', tg_op using errcode = 'P0001';
    end $$;
    create trigger invoices_immutable before update or delete on invoices
      for each row execute function refuse_invoice_change();
    create trigger invoice_lines_immutable before update or delete on invoice_lines
      for each row execute function refuse_invoice_change();
    revoke update, delete, truncate on invoices, invoice_lines from portal_app;

    select portal_enable_tenant_rls('orders');
    select portal_enable_tenant_rls('order_lines');
    select portal_enable_tenant_rls('saved_payment_methods');
    select portal_enable_tenant_rls('payments');
    select portal_enable_tenant_rls('payment_webhook_events');
    select portal_enable_tenant_rls('prepaid_accounts');
    select portal_enable_tenant_rls('prepaid_entries');
    select portal_enable_tenant_rls('invoices');
    select portal_enable_tenant_rls('invoice_lines');
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
