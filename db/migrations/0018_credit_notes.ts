import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5: credit notes (B-9, B-11). An issued invoice never changes; a billing agent or
// staff administrator corrects it with a credit note.
//
// credit_notes / credit_note_lines: a document of its own kind referencing one invoice,
//   with negative amounts. Its number is drawn from the SAME gapless yearly counter as
//   invoices (invoice_counters, format `YYYY-NNNNNN`), so invoices and credit notes of a
//   year together form one sequence without gaps. Immutable like invoices (a trigger
//   refuses UPDATE and DELETE).
// A credit note credits whole invoice lines: `credit_note_lines.invoice_line_id` is UNIQUE,
//   so a line is credited at most once and two racing credit notes cannot over-credit the
//   invoice (the second one fails on the constraint).
// The credited total goes to the organization's prepaid balance: a `credit_note` ledger
//   entry (positive) referencing the credit note.
// Billing staff read every organization's invoices and credit notes (to find the invoice to
//   correct); issuing acts for the one organization concerned.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table credit_notes (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id),
      invoice_id uuid not null references invoices (id),
      number text not null unique check (number ~ '^[0-9]{4}-[0-9]{6}$'),
      year integer not null,
      sequence integer not null check (sequence > 0),
      issued_at timestamptz not null,
      issued_by uuid references staff_accounts (id) on delete set null,
      reason text not null check (length(reason) between 1 and 500),
      language text not null check (language in ('de', 'fr', 'en')),
      currency text not null check (currency in ('CHF', 'EUR')),
      net_amount bigint not null check (net_amount <= 0),
      vat_rate_bp integer not null check (vat_rate_bp between 0 and 10000),
      vat_amount bigint not null check (vat_amount <= 0),
      total_amount bigint not null check (total_amount < 0 and total_amount = net_amount + vat_amount),
      reverse_charge boolean not null default false,
      bill_to jsonb not null,
      unique (year, sequence)
    );
    create index credit_notes_org_issued_idx on credit_notes (org_id, issued_at desc);
    create index credit_notes_invoice_idx on credit_notes (invoice_id);

    create table credit_note_lines (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id),
      credit_note_id uuid not null references credit_notes (id),
      invoice_line_id uuid not null unique references invoice_lines (id),
      position integer not null,
      description text not null,
      period_from timestamptz,
      period_to timestamptz,
      unit_amount bigint not null check (unit_amount <= 0),
      quantity integer not null,
      discount_amount bigint not null check (discount_amount <= 0),
      net_amount bigint not null check (net_amount <= 0),
      unique (credit_note_id, position)
    );

    create trigger credit_notes_immutable before update or delete on credit_notes
      for each row execute function refuse_invoice_change();
    create trigger credit_note_lines_immutable before update or delete on credit_note_lines
      for each row execute function refuse_invoice_change();
    revoke update, delete, truncate on credit_notes, credit_note_lines from portal_app;

    alter table prepaid_entries add column credit_note_id uuid references credit_notes (id) on delete set null;
    alter table prepaid_entries drop constraint prepaid_entries_kind_check;
    alter table prepaid_entries add constraint prepaid_entries_kind_check
      check (kind in ('topup', 'payment', 'refund', 'withdrawal', 'withdrawal_returned', 'credit_note'));

    select portal_enable_tenant_rls('credit_notes');
    select portal_enable_tenant_rls('credit_note_lines');
    create policy billing_staff_read on invoices for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator'));
    create policy billing_staff_read on invoice_lines for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator'));
    create policy billing_staff_read on credit_notes for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator'));
    create policy billing_staff_read on credit_note_lines for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator'));
    -- The back office names the organization of the invoice being corrected.
    create policy invoice_staff_read on organizations for select
      using ((select app_staff_role()) in ('billing_agent', 'administrator')
        and exists (select 1 from invoices i where i.org_id = organizations.id));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
