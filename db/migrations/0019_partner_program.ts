import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 6, first slice: the partner program's application, eligibility and review
// (P-1 … P-8, K-2) and the partner–client link.
//
// partner_terms: the reseller terms (P-7), versioned, global, changed by migrations only.
// program_memberships: one row per organization in a program. `org_id` is the primary key,
//   so an organization is never partner and affiliate at once (P-8); a trigger also refuses
//   an affiliate row while a partner application is open, and an application while the
//   organization is an affiliate.
// partner_applications: what the legal representative submitted and its evidence (registry,
//   website check, value, commitments, terms acceptance) and the partner manager's decision.
//   At most one open (submitted) application per organization.
// partner_client_links: `org_id` is the PARTNER organization (so the tenant policy gives the
//   partner its links); a second policy lets the CLIENT organization see and answer its links.
//   Partners read the products and names of their active clients (P-2 value, P-10).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table partner_terms (
      version integer primary key check (version > 0),
      text text not null check (length(text) > 0),
      published_at timestamptz not null
    );
    insert into partner_terms (version, text, published_at) values (1,
      'Special terms for resellers, version 1. The partner provides the support for its clients and the products it manages; it is responsible for the invoices of its clients or managed products; it uses only the provider''s products for contracts obtained through public tenders; partner benefits apply only while the program''s conditions are met.',
      '2026-01-01T00:00:00Z');
    revoke insert, update, delete, truncate on partner_terms from portal_app;
    grant select on partner_terms to portal_app;

    create table program_memberships (
      org_id uuid primary key references organizations (id) on delete cascade,
      program text not null check (program in ('partner', 'affiliate')),
      status text not null default 'active' check (status in ('active', 'review')),
      referral_code text unique check (referral_code ~ '^[a-z0-9]{10}$'),
      since timestamptz not null,
      -- Affiliates are found by their referral code; partners have none.
      check ((program = 'affiliate') = (referral_code is not null))
    );

    create table partner_applications (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      status text not null default 'submitted' check (status in ('submitted', 'approved', 'rejected')),
      registry_kind text not null check (registry_kind in ('ch_uid', 'fr_siret', 'other')),
      registry_country text not null check (registry_country ~ '^[A-Z]{2}$'),
      registry_number text not null check (length(registry_number) between 1 and 60),
      website_url text not null check (website_url ~ '^https?://' and length(website_url) <= 500),
      website_status text not null default 'pending' check (website_status in ('pending', 'active', 'inactive')),
      website_http_status integer,
      website_checked_at timestamptz,
      commit_support boolean not null check (commit_support),
      commit_invoices boolean not null check (commit_invoices),
      commit_tenders boolean not null check (commit_tenders),
      terms_version integer not null references partner_terms (version),
      terms_accepted_by uuid references users (id) on delete set null,
      terms_accepted_at timestamptz not null,
      value_amount bigint not null check (value_amount >= 0),
      value_threshold bigint not null check (value_threshold > 0),
      value_currency text not null check (value_currency in ('CHF', 'EUR')),
      submitted_by uuid references users (id) on delete set null,
      submitted_at timestamptz not null,
      reviewed_by uuid references staff_accounts (id) on delete set null,
      reviewed_at timestamptz,
      rejection_reason text check (length(rejection_reason) between 1 and 1000),
      check (status <> 'rejected' or rejection_reason is not null),
      check ((status = 'submitted') = (reviewed_at is null))
    );
    create unique index partner_applications_one_open on partner_applications (org_id) where status = 'submitted';
    create index partner_applications_queue_idx on partner_applications (status, submitted_at);

    create table partner_client_links (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      client_org_id uuid not null references organizations (id) on delete cascade,
      state text not null default 'requested' check (state in ('requested', 'active', 'ended')),
      payer text not null default 'client' check (payer in ('client', 'partner')),
      requested_by uuid references users (id) on delete set null,
      answered_by uuid references users (id) on delete set null,
      since timestamptz not null,
      check (org_id <> client_org_id)
    );
    create unique index partner_client_links_open on partner_client_links (org_id, client_org_id) where state <> 'ended';
    create index partner_client_links_client_idx on partner_client_links (client_org_id, state);

    -- P-8 in the database: never partner (or applying) and affiliate at once.
    create function refuse_partner_and_affiliate() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'partner_applications' then
        if exists (select 1 from program_memberships where org_id = new.org_id and program = 'affiliate') then
          raise exception 'an affiliate cannot apply to the partner program' using errcode = '23514', constraint = 'program_exclusive';
        end if;
      elsif new.program = 'affiliate' and exists (
        select 1 from partner_applications where org_id = new.org_id and status = 'submitted'
      ) then
        raise exception 'an organization applying as partner cannot be an affiliate' using errcode = '23514', constraint = 'program_exclusive';
      end if;
      return new;
    end $$;
    create trigger partner_applications_exclusive before insert on partner_applications
      for each row execute function refuse_partner_and_affiliate();
    create trigger program_memberships_exclusive before insert or update on program_memberships
      for each row execute function refuse_partner_and_affiliate();

    select portal_enable_tenant_rls('program_memberships');
    select portal_enable_tenant_rls('partner_applications');
    select portal_enable_tenant_rls('partner_client_links');

    -- K-2: partner managers (and staff administrators) read every application and its organization.
    create policy partner_staff_read on partner_applications for select
      using ((select app_staff_role()) in ('partner_manager', 'administrator'));
    create policy partner_staff_read on program_memberships for select
      using ((select app_staff_role()) in ('partner_manager', 'administrator'));
    create policy partner_application_staff_read on organizations for select
      using ((select app_staff_role()) in ('partner_manager', 'administrator')
        and exists (select 1 from partner_applications a where a.org_id = organizations.id));
    -- P-1/P-3: the website check job reads the address and records the result.
    create policy website_check on partner_applications
      using ((select app_job()) = 'partner-website') with check ((select app_job()) = 'partner-website');

    -- The client organization sees the links made to it and answers them.
    create policy client_side on partner_client_links for select
      using (client_org_id = any((select app_org_ids())::uuid[]));
    create policy client_answers on partner_client_links for update
      using (client_org_id = any((select app_org_ids())::uuid[]))
      with check (client_org_id = any((select app_org_ids())::uuid[]));
    -- P-2/P-10: a partner reads the products of its active clients, and both sides read each other's name.
    create policy partner_reads_clients on products for select
      using (exists (select 1 from partner_client_links l
        where l.client_org_id = products.org_id and l.state = 'active' and l.org_id = any((select app_org_ids())::uuid[])));
    create policy linked_read on organizations for select
      using (exists (select 1 from partner_client_links l
        where (l.org_id = organizations.id and l.client_org_id = any((select app_org_ids())::uuid[]))
           or (l.client_org_id = organizations.id and l.org_id = any((select app_org_ids())::uuid[]))));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
