import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 7, C-6: a partner exports its clients' billing data (XLSX or CSV) through a job.
//
// client_exports: one row per requested export; `org_id` is the PARTNER (the tenant policy shows
//   a partner its own exports). The web side writes it `queued`; the job `client-export` sets it
//   `running`, reports `progress` (0–100) and `rows_written`, then `done` with the file's size and
//   `expires_at` (7 days later), or `failed`. The expiry job deletes the file and marks it `expired`.
//
// The job acts for the partner (`app.org_ids` = the partner only) and names itself
// (`app.job` = 'client-export'). Besides the partner's own rows, it needs the invoices its
// clients paid themselves, which belong to the clients. These policies let exactly that job read
// exactly those: invoices of organizations with an ACTIVE link to the partner, issued since the
// link became active, with their lines and credit notes. Nothing else of the clients is opened,
// and the web requests (which never set this job name) see no more than before.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table client_exports (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      requested_by uuid references users (id) on delete set null,
      format text not null check (format in ('xlsx', 'csv')),
      language text not null check (language in ('de', 'fr', 'en')),
      period_from date,
      period_to date,
      client_org_id uuid references organizations (id) on delete cascade,
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'expired')),
      progress integer not null default 0 check (progress between 0 and 100),
      rows_total integer check (rows_total >= 0),
      rows_written integer not null default 0 check (rows_written >= 0),
      file_size bigint check (file_size >= 0),
      failure text check (length(failure) <= 500),
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      expires_at timestamptz,
      check (period_from is null or period_to is null or period_from <= period_to),
      check ((status in ('done', 'expired')) = (expires_at is not null))
    );
    create index client_exports_org_idx on client_exports (org_id, created_at desc);
    create index client_exports_expiry_idx on client_exports (expires_at) where status = 'done';
    select portal_enable_tenant_rls('client_exports');

    -- The job reads the export it was given and records its progress and outcome.
    create policy client_export_job on client_exports
      using ((select app_job()) = 'client-export') with check ((select app_job()) = 'client-export');

    -- The organizations whose invoices the job may read: the acting partner's active clients.
    create function app_export_client_ids() returns uuid[] language sql stable as $$
      select coalesce(array_agg(l.client_org_id), '{}'::uuid[]) from partner_client_links l
      where l.org_id = any(app_org_ids()) and l.state = 'active'
    $$;
    create policy client_export_reads_clients on invoices for select
      using ((select app_job()) = 'client-export' and exists (
        select 1 from partner_client_links l
        where l.client_org_id = invoices.org_id and l.state = 'active'
          and l.org_id = any((select app_org_ids())::uuid[]) and invoices.issued_at >= l.since));
    create policy client_export_reads_clients on invoice_lines for select
      using ((select app_job()) = 'client-export' and org_id = any((select app_export_client_ids())::uuid[]));
    create policy client_export_reads_clients on credit_notes for select
      using ((select app_job()) = 'client-export' and org_id = any((select app_export_client_ids())::uuid[]));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
