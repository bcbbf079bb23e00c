import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5: prepaid withdrawals (B-10) and ordering new products (B-1, B-7).
//
// prepaid_withdrawals: the legal representative asks to pay out (part of) the prepaid
//   balance to an IBAN or a PayPal address. The amount leaves the balance at once (a
//   `withdrawal` ledger entry in the same transaction, so the balance CHECK makes racing
//   withdrawals unable to overdraw); a billing agent or staff administrator then completes
//   it (money sent) or rejects it (a `withdrawal_returned` entry gives the amount back).
//   Billing staff read and decide every organization's withdrawals.
// order_lines.new_product_name: the name of the product a `new` order creates when paid
//   (the domain name entered, or the plan's label).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table prepaid_withdrawals (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references prepaid_accounts (org_id) on delete cascade,
      amount bigint not null check (amount > 0),
      currency text not null check (currency in ('CHF', 'EUR')),
      destination_kind text not null check (destination_kind in ('iban', 'paypal')),
      destination text not null check (length(destination) between 5 and 254),
      status text not null default 'requested' check (status in ('requested', 'completed', 'rejected')),
      requested_by uuid references users (id) on delete set null,
      requested_at timestamptz not null default now(),
      decided_by uuid references staff_accounts (id) on delete set null,
      decided_at timestamptz,
      check ((status = 'requested') = (decided_at is null))
    );
    create index prepaid_withdrawals_status_idx on prepaid_withdrawals (status, requested_at);
    create index prepaid_withdrawals_org_idx on prepaid_withdrawals (org_id, requested_at desc);

    alter table prepaid_entries add column withdrawal_id uuid references prepaid_withdrawals (id) on delete set null;
    alter table prepaid_entries drop constraint prepaid_entries_kind_check;
    alter table prepaid_entries add constraint prepaid_entries_kind_check
      check (kind in ('topup', 'payment', 'refund', 'withdrawal', 'withdrawal_returned'));
    alter table prepaid_entries drop constraint prepaid_entries_check;
    alter table prepaid_entries add constraint prepaid_entries_sign_check
      check ((kind in ('payment', 'withdrawal')) = (amount < 0));

    alter table order_lines add column new_product_name text check (length(new_product_name) between 1 and 253);

    select portal_enable_tenant_rls('prepaid_withdrawals');
    create policy billing_staff on prepaid_withdrawals
      using ((select app_staff_role()) in ('billing_agent', 'administrator'))
      with check ((select app_staff_role()) in ('billing_agent', 'administrator'));
    -- The back office names the organization of each withdrawal it lists.
    create policy withdrawal_staff_read on organizations for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator')
        and exists (select 1 from prepaid_withdrawals w where w.org_id = organizations.id));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
