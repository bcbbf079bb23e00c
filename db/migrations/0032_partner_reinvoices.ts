import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 7, C-5/P-9: when the partner pays a client's invoices, it re-invoices the client with
// its own document: its own numbering (per partner and year, gap-free), its own prices.
//
// partner_reinvoice_counters: one row per partner and year; the issuing transaction locks it
//   (insert … on conflict do update … returning), so two issues never share or skip a number
//   and a rolled-back issue gives its number back.
// partner_reinvoices / partner_reinvoice_lines: the issued document, `org_id` = the PARTNER
//   (the client never sees it through the tenant policy). Immutable once issued, like invoices.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table partner_reinvoice_counters (
      org_id uuid not null references organizations (id) on delete cascade,
      year integer not null check (year between 2000 and 9999),
      last_sequence integer not null check (last_sequence > 0),
      primary key (org_id, year)
    );

    create table partner_reinvoices (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id),
      client_org_id uuid not null references organizations (id),
      invoice_id uuid references invoices (id),
      number text not null check (number ~ '^RE-[0-9]{4}-[0-9]{4,}$'),
      year integer not null,
      sequence integer not null check (sequence > 0),
      issued_at timestamptz not null,
      issued_by uuid references users (id) on delete set null,
      language text not null check (language in ('de', 'fr', 'en')),
      currency text not null check (currency in ('CHF', 'EUR')),
      net_amount bigint not null check (net_amount >= 0),
      vat_rate_bp integer not null check (vat_rate_bp between 0 and 10000),
      vat_amount bigint not null check (vat_amount >= 0),
      total_amount bigint not null check (total_amount = net_amount + vat_amount),
      issuer jsonb not null,
      bill_to jsonb not null,
      unique (org_id, year, sequence),
      unique (org_id, number)
    );
    create index partner_reinvoices_client_idx on partner_reinvoices (org_id, client_org_id, issued_at desc);

    create table partner_reinvoice_lines (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id),
      reinvoice_id uuid not null references partner_reinvoices (id),
      position integer not null check (position > 0),
      description text not null check (length(description) between 1 and 200),
      period_from timestamptz,
      period_to timestamptz,
      quantity integer not null check (quantity between 1 and 10000),
      unit_amount bigint not null check (unit_amount between 0 and 100000000),
      net_amount bigint not null check (net_amount = unit_amount * quantity),
      unique (reinvoice_id, position)
    );

    create trigger partner_reinvoices_immutable before update or delete on partner_reinvoices
      for each row execute function refuse_invoice_change();
    create trigger partner_reinvoice_lines_immutable before update or delete on partner_reinvoice_lines
      for each row execute function refuse_invoice_change();
    revoke update, delete, truncate on partner_reinvoices, partner_reinvoice_lines from portal_app;
    revoke delete, truncate on partner_reinvoice_counters from portal_app;

    select portal_enable_tenant_rls('partner_reinvoice_counters');
    select portal_enable_tenant_rls('partner_reinvoices');
    select portal_enable_tenant_rls('partner_reinvoice_lines');
    `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
