import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5, paying by IBAN transfer (B-6, B-8, B-10).
//
// payments.method gains 'iban': a transfer that arrived and was matched to its order.
// proformas: what the customer pays by transfer, one per order. Not an invoice: numbered on
//   its own (`PF-YYYY-NNNNNN`, from a sequence, gaps allowed) and carrying the payment
//   reference the bank transfer must quote (a QR reference for CHF, an ISO 11649 creditor
//   reference for EUR). The numbered invoice is issued only when the money has arrived.
// bank_transfers: every credit the bank reported (camt.054) or the staff confirmed by hand,
//   never lost: `matched` to an order and paid, or `held` for review (unknown reference,
//   wrong amount, order no longer pending). `entry_reference` is the bank's unique id of the
//   credit, so importing the same file twice records nothing twice.
// Staff (billing agents and administrators) read and write transfers and read proformas
//   of every organization; everything else they do acts for the one organization concerned.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table payments drop constraint payments_method_check;
    alter table payments add constraint payments_method_check
      check (method in ('visa', 'mastercard', 'cb', 'postfinance', 'paypal', 'twint', 'prepaid', 'iban'));

    create sequence proforma_number_seq;
    grant usage on sequence proforma_number_seq to portal_app;

    create table proformas (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      order_id uuid not null unique references orders (id) on delete cascade,
      number text not null unique check (number ~ '^PF-[0-9]{4}-[0-9]{6,}$'),
      reference text not null unique check (reference ~ '^([0-9]{27}|RF[0-9]{2}[0-9A-Z]{1,21})$'),
      creditor_iban text not null,
      currency text not null check (currency in ('CHF', 'EUR')),
      amount bigint not null check (amount > 0),
      language text not null check (language in ('de', 'fr', 'en')),
      bill_to jsonb not null,
      issued_at timestamptz not null
    );

    create table bank_transfers (
      id uuid primary key default gen_random_uuid(),
      entry_reference text not null unique check (length(entry_reference) between 1 and 200),
      source text not null check (source in ('camt054', 'manual')),
      file_name text,
      reference text,
      amount bigint not null check (amount > 0),
      currency text not null check (currency in ('CHF', 'EUR')),
      debtor_name text,
      booked_on text check (booked_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      status text not null check (status in ('matched', 'held')),
      hold_reason text check (hold_reason in ('unknown_reference', 'amount_mismatch', 'currency_mismatch', 'order_not_pending')),
      org_id uuid references organizations (id) on delete set null,
      order_id uuid references orders (id) on delete set null,
      payment_id uuid references payments (id) on delete set null,
      received_at timestamptz not null,
      resolved_by uuid references staff_accounts (id) on delete set null,
      resolved_at timestamptz,
      check ((status = 'held') = (hold_reason is not null))
    );
    -- The review queue: held transfers, oldest first.
    create index bank_transfers_held_idx on bank_transfers (received_at, id) where status = 'held';
    create index bank_transfers_order_idx on bank_transfers (order_id);

    select portal_enable_tenant_rls('proformas');
    select portal_enable_tenant_rls('bank_transfers');
    create policy billing_staff_read on proformas for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator'));
    -- The queue of orders awaiting a transfer (for confirming one by hand).
    create policy billing_staff_read on orders for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator'));
    create policy billing_staff on bank_transfers
      using ((select app_staff_role()) in ('billing_agent', 'administrator'))
      with check ((select app_staff_role()) in ('billing_agent', 'administrator'));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
