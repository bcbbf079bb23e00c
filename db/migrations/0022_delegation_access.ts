import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issues 6 and 7 (C-3, C-5, P-9): what a partner–client link lets the partner do.
// `access` is full (the whole account) or limited (only the products the client picks, see the
// clients issue); `billing_access` is the separate choice on top of full access. Existing links
// were accepted as "manage my account" requests, so they become full access without billing.
// Only a client that gave full access can be billed through the partner: enforced here too.
//
// P-9 / C-5 / C-6: when the partner pays, the invoice is the partner's (org_id = partner) and
// names the client whose products it covers (`client_org_id`); the discount is the existing
// invoice_lines.discount_amount. When the client pays, the partner earns cashback per client
// invoice: one line per invoice (unique), org_id = the partner, gathered into monthly
// statements by the cashback job.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table partner_client_links
      add column access text not null default 'full' check (access in ('full', 'limited')),
      add column billing_access boolean not null default false,
      add constraint partner_client_links_billing_needs_full check (not billing_access or access = 'full'),
      add constraint partner_client_links_partner_pays_needs_full check (payer = 'client' or access = 'full');

    alter table invoices add column client_org_id uuid references organizations (id) on delete set null;
    create index invoices_client_org_idx on invoices (org_id, client_org_id, issued_at) where client_org_id is not null;

    create table partner_cashback_lines (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      client_org_id uuid not null references organizations (id) on delete cascade,
      invoice_id uuid not null unique references invoices (id) on delete restrict,
      month date not null check (extract(day from month) = 1),
      rate_bp integer not null check (rate_bp between 0 and 3500),
      amount bigint not null check (amount >= 0),
      currency text not null check (currency in ('CHF', 'EUR')),
      created_at timestamptz not null
    );
    create index partner_cashback_lines_org_month_idx on partner_cashback_lines (org_id, month);
    select portal_enable_tenant_rls('partner_cashback_lines');
    `,
  );
}
