import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 8: tenders (T-1, T-2, P-6) and the public partner directory (T-3).
//
// tenders: a request for a project. `org_id` is the customer organization that posted it from
//   the portal, or null for a visitor's tender (then `access_token_hash` is the private link the
//   confirmation mail carries; the submitter confirms, reads the answers and decides through it).
//   Status: unconfirmed (e-mail not confirmed yet) → open → closed (deadline, withdrawn, awarded).
// tender_proposals: a partner's answer; `org_id` is the PARTNER. One per partner and tender, at
//   most one selected per tender. Name, contact and the P-6 commitment are kept as answered.
// tender_alerts: a partner's opt-in for the daily digest, with its categories and regions.
// tender_digests: one row per partner and day: at most one digest mail a day (T-2).
// directory_listings: a partner's free public listing (T-3). `partner_status` is kept by
//   triggers from program_memberships (never from the form): a listing shows, with its verified
//   badge, only while the organization is a partner. `search` is a generated tsvector in the
//   listing's language (german, french, italian, english; simple for the rest), GIN indexed.
//
// Row-level security. Every table has its tenant policy (its org_id). The other ways in are
// narrow and named by a transaction setting, never ambient:
//   - app.tender_token_hash: the visitor's private link reads and updates its own tender (and
//     inserts it, org_id null); the proposals of that tender are reached through
//     portal_tender_is_mine(), a security-definer check (it also answers for the tender's
//     organization), so the two tables' policies do not recurse into each other;
//   - app.tender_board = a partner organization the transaction acts for: that partner reads
//     open tenders and those it answered (T-2); no setting, no board;
//   - app.job = 'tenders': the closing and digest jobs;
//   - the public directory reads the view directory_public (visible listings only, read only).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table tenders (
      id uuid primary key default gen_random_uuid(),
      org_id uuid references organizations (id) on delete cascade,
      posted_by uuid references users (id) on delete set null,
      title text not null check (length(title) between 3 and 120),
      description text not null check (length(description) between 20 and 5000),
      categories text[] not null check (cardinality(categories) between 1 and 8),
      budget_min bigint not null check (budget_min >= 0),
      budget_max bigint not null check (budget_max >= budget_min and budget_max <= 10000000000),
      currency text not null check (currency in ('CHF', 'EUR')),
      region text not null check (region ~ '^[A-Z]{2}(-[A-Z]{2})?$'),
      language text not null check (language in ('de', 'fr', 'it', 'en')),
      deadline timestamptz not null,
      contact_email text not null check (length(contact_email) between 3 and 254),
      status text not null default 'unconfirmed' check (status in ('unconfirmed', 'open', 'closed')),
      closed_reason text check (closed_reason in ('deadline', 'withdrawn', 'awarded')),
      access_token_hash text unique,
      created_at timestamptz not null,
      published_at timestamptz,
      closed_at timestamptz,
      check ((status = 'closed') = (closed_reason is not null)),
      check ((status = 'closed') = (closed_at is not null)),
      check (status = 'unconfirmed' or closed_reason = 'withdrawn' or published_at is not null),
      -- A visitor's tender is reached by its private link; an organization's in the portal.
      check ((org_id is null) = (access_token_hash is not null))
    );
    create index tenders_board_idx on tenders (published_at desc, id) where status = 'open';
    create index tenders_due_idx on tenders (deadline) where status in ('unconfirmed', 'open');
    create index tenders_org_idx on tenders (org_id, created_at desc) where org_id is not null;

    create table tender_proposals (
      id uuid primary key default gen_random_uuid(),
      tender_id uuid not null references tenders (id) on delete cascade,
      org_id uuid not null references organizations (id) on delete cascade,
      submitted_by uuid references users (id) on delete set null,
      partner_name text not null check (length(partner_name) between 1 and 200),
      contact_email text not null check (length(contact_email) between 3 and 254),
      body text not null check (length(body) between 20 and 5000),
      price_min bigint not null check (price_min >= 0),
      price_max bigint not null check (price_max >= price_min and price_max <= 10000000000),
      currency text not null check (currency in ('CHF', 'EUR')),
      timeline text not null check (length(timeline) between 1 and 200),
      provider_products_only boolean not null,
      status text not null default 'submitted' check (status in ('submitted', 'selected', 'declined')),
      created_at timestamptz not null,
      decided_at timestamptz,
      unique (tender_id, org_id),
      check ((status = 'submitted') = (decided_at is null))
    );
    create unique index tender_proposals_one_selected on tender_proposals (tender_id) where status = 'selected';
    create index tender_proposals_org_idx on tender_proposals (org_id, created_at desc);

    create table tender_alerts (
      org_id uuid primary key references organizations (id) on delete cascade,
      enabled boolean not null,
      categories text[] not null default '{}',
      regions text[] not null default '{}',
      email text not null check (length(email) between 3 and 254),
      locale text not null default 'de' check (locale in ('de', 'fr', 'en')),
      enabled_since timestamptz,
      updated_at timestamptz not null,
      check (not enabled or enabled_since is not null)
    );

    create table tender_digests (
      org_id uuid not null references organizations (id) on delete cascade,
      day date not null,
      tender_ids uuid[] not null,
      sent_at timestamptz not null,
      primary key (org_id, day)
    );

    create table directory_listings (
      org_id uuid primary key references organizations (id) on delete cascade,
      slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
      name text not null check (length(name) between 2 and 120),
      description text not null check (length(description) between 20 and 2000),
      description_language text not null check (description_language in ('de', 'fr', 'it', 'en')),
      website text check (website ~ '^https?://' and length(website) <= 300),
      logo_url text check (logo_url ~ '^https://' and length(logo_url) <= 500),
      languages text[] not null check (cardinality(languages) between 1 and 4),
      regions text[] not null check (cardinality(regions) between 1 and 60),
      specialties text[] not null check (cardinality(specialties) between 1 and 12),
      listed boolean not null default true,
      partner_status text,
      updated_at timestamptz not null,
      visible boolean generated always as (listed and partner_status is not null) stored,
      search tsvector generated always as (
        setweight(to_tsvector(case description_language when 'de' then 'german'::regconfig when 'fr' then 'french'::regconfig
          when 'it' then 'italian'::regconfig when 'en' then 'english'::regconfig else 'simple'::regconfig end, name), 'A') ||
        setweight(to_tsvector(case description_language when 'de' then 'german'::regconfig when 'fr' then 'french'::regconfig
          when 'it' then 'italian'::regconfig when 'en' then 'english'::regconfig else 'simple'::regconfig end, description), 'B')
      ) stored
    );
    create index directory_listings_search_idx on directory_listings using gin (search) where visible;
    create index directory_listings_regions_idx on directory_listings using gin (regions) where visible;
    create index directory_listings_specialties_idx on directory_listings using gin (specialties) where visible;
    create index directory_listings_name_idx on directory_listings (lower(name), org_id) where visible;

    -- T-3: the listing's partner status comes from the partner program, whatever the form sends.
    create function directory_listing_partner_status() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    begin
      new.partner_status := (select m.status from program_memberships m where m.org_id = new.org_id and m.program = 'partner');
      return new;
    end $$;
    create trigger directory_listings_partner_status before insert or update on directory_listings
      for each row execute function directory_listing_partner_status();

    create function directory_follow_program() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    begin
      update directory_listings set partner_status = null
        where org_id = (case when tg_op = 'DELETE' then old.org_id else new.org_id end);
      if tg_op = 'UPDATE' and old.org_id <> new.org_id then
        update directory_listings set partner_status = null where org_id = old.org_id;
      end if;
      return null;
    end $$;
    create trigger program_memberships_directory after insert or update or delete on program_memberships
      for each row execute function directory_follow_program();

    select portal_enable_tenant_rls('tenders');
    select portal_enable_tenant_rls('tender_proposals');
    select portal_enable_tenant_rls('tender_alerts');
    select portal_enable_tenant_rls('tender_digests');
    select portal_enable_tenant_rls('directory_listings');

    -- Whether the current transaction may act as the submitter of a tender: its organization,
    -- or its private link. Security definer, so proposals' policies need no policy of tenders.
    create function portal_tender_is_mine(p_tender uuid) returns boolean
    language sql stable security definer set search_path = public, pg_temp as $$
      select exists (select 1 from tenders t where t.id = p_tender and (
        t.org_id = any(app_org_ids())
        or t.access_token_hash = nullif(current_setting('app.tender_token_hash', true), '')))
    $$;
    revoke all on function portal_tender_is_mine(uuid) from public;
    grant execute on function portal_tender_is_mine(uuid) to portal_app;

    create policy by_token on tenders
      using (access_token_hash = nullif(current_setting('app.tender_token_hash', true), ''))
      with check (org_id is null and access_token_hash = nullif(current_setting('app.tender_token_hash', true), ''));
    create policy partner_board on tenders for select using (
      exists (select 1 from program_memberships m
        where m.org_id = nullif(current_setting('app.tender_board', true), '')::uuid
          and m.org_id = any((select app_org_ids())::uuid[]) and m.program = 'partner')
      and (status = 'open' or exists (select 1 from tender_proposals p
        where p.tender_id = tenders.id and p.org_id = nullif(current_setting('app.tender_board', true), '')::uuid)));
    create policy tenders_job on tenders using ((select app_job()) = 'tenders') with check ((select app_job()) = 'tenders');

    create policy submitter on tender_proposals for select using (portal_tender_is_mine(tender_id));
    create policy submitter_decides on tender_proposals for update
      using (portal_tender_is_mine(tender_id)) with check (portal_tender_is_mine(tender_id));
    create policy tenders_job on tender_proposals for select using ((select app_job()) = 'tenders');

    create policy tenders_job on tender_alerts for select using ((select app_job()) = 'tenders');
    create policy tenders_job on tender_digests using ((select app_job()) = 'tenders') with check ((select app_job()) = 'tenders');
    create policy tenders_job on program_memberships for select using ((select app_job()) = 'tenders' and program = 'partner');

    -- T-3: the public directory reads this view: visible listings and their public columns only.
    -- It runs with its owner's rights, not under the tenant policy: row-level security would
    -- keep the planner from using the search index (@@ and the array operators are not
    -- leakproof), and visitors act for no organization anyway. The portal may only read it.
    create view directory_public as
      select org_id, slug, name, description, description_language, website, logo_url, languages, regions, specialties, partner_status, search, updated_at
      from directory_listings where visible;
    revoke all on directory_public from portal_app;
    grant select on directory_public to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
