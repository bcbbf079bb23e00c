import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5, the auto-renewal sweep (B-4).
//
// products_auto_renew_expiry_idx: the daily sweep asks for "auto-renewal on, expiring in the
//   next 14 days"; a partial index on the expiry of auto-renewing products answers that with
//   a short range scan, however many products there are.
// renewal_attempts: one row per charge attempt the sweep decided on. The unique key
//   (product, the expiry being renewed, the attempt's day) makes the sweep idempotent: a
//   second run on the same day records nothing twice. The charge itself (and with it the
//   statuses succeeded/failed) comes with payments.
// The sweep runs for no organization: `app.job = 'renewals'` lets it read the products and
// read and write the attempts of every organization; members read their own attempts.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create index products_auto_renew_expiry_idx on products (expires_at) where auto_renew;

    create table renewal_attempts (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      product_id uuid not null,
      period_expires_at timestamptz not null,
      attempt_day date not null,
      status text not null default 'queued' check (status in ('queued', 'succeeded', 'failed')),
      created_at timestamptz not null default now(),
      foreign key (org_id, product_id) references products (org_id, id) on delete cascade,
      unique (product_id, period_expires_at, attempt_day)
    );
    create index renewal_attempts_org_idx on renewal_attempts (org_id, created_at);

    select portal_enable_tenant_rls('renewal_attempts');
    create policy renewals_job_read on renewal_attempts for select using ((select app_job()) = 'renewals');
    create policy renewals_job_insert on renewal_attempts for insert with check ((select app_job()) = 'renewals');
    create policy renewals_job_update on renewal_attempts for update
      using ((select app_job()) = 'renewals') with check ((select app_job()) = 'renewals');
    create policy renewals_job_read on products for select using ((select app_job()) = 'renewals');
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
