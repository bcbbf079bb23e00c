import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 7, C-6 with C-3/C-4: an export holds exactly the billing data its requester may see.
//
// client_exports.client_org_ids: the clients it covers, fixed when it is requested; null = every
//   client of the partner (its legal representative and administrators). A partner user with
//   staff rights for some clients exports only those of them that gave billing access.
// client_exports.partner_invoices: whether it includes the partner's own invoices for its
//   clients (when the partner pays, C-5); only for those who manage the partner's billing.
// The job reads a client's own invoices only while the client gives the partner billing access
//   (C-3: billing is a separate choice on top of full access); before, any active link did.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table client_exports
      add column client_org_ids uuid[],
      add column partner_invoices boolean not null default true;

    create or replace function app_export_client_ids() returns uuid[] language sql stable as $$
      select coalesce(array_agg(l.client_org_id), '{}'::uuid[]) from partner_client_links l
      where l.org_id = any(app_org_ids()) and l.state = 'active' and l.access = 'full' and l.billing_access
    $$;
    drop policy client_export_reads_clients on invoices;
    create policy client_export_reads_clients on invoices for select
      using ((select app_job()) = 'client-export' and exists (
        select 1 from partner_client_links l
        where l.client_org_id = invoices.org_id and l.state = 'active' and l.access = 'full' and l.billing_access
          and l.org_id = any((select app_org_ids())::uuid[]) and invoices.issued_at >= l.since));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
