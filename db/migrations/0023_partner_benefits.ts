import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 6 (P-8, P-9, P-10) and the billing routing of C-5 (issue 7).
//
// orders.client_org_id: an order a partner places for the products of a client that it pays
//   for (org_id is the partner). A trigger refuses it unless the link between the two is
//   active, full access and payer = 'partner': no path can bill a client through a partner
//   that does not pay for it. The invoice of such an order carries the same client_org_id (0022).
// prepaid_entries kind 'cashback': the monthly cashback credit (positive).
// partner_cashback_lines.details: the invoice lines a cashback line came from (kind, net, rate,
//   amount per line), for the statement.
// partner_cashback_statements: one per partner and month (unique): the credit is made once.
// affiliate_commission_rate / affiliate_commissions (P-8): the commission rate as data; one
//   commission per paid invoice of a referred organization (unique invoice), recorded by a
//   narrow security-definer function the issuing transaction calls.
// partner_domain_prices (P-9): partner prices for common domain extensions, as data.
// portal_partner_client_revenue / portal_partner_revenue_by_month (P-10): sums of what the
//   partner's active clients paid themselves, for the reseller space, never the invoices.
// partner_eligibility_checks (P-2, yearly): the value re-computed each year; one row per
//   partner and year. A partner under the threshold is put in review, never demoted.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table orders add column client_org_id uuid references organizations (id) on delete set null;
    create index orders_client_org_idx on orders (org_id, client_org_id) where client_org_id is not null;

    create function portal_check_partner_order() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    begin
      if new.client_org_id is not null and not exists (
        select 1 from partner_client_links l
        where l.org_id = new.org_id and l.client_org_id = new.client_org_id
          and l.state = 'active' and l.access = 'full' and l.payer = 'partner'
      ) then
        raise exception 'only a partner that pays for a client with full access can order for it'
          using errcode = '23514', constraint = 'orders_partner_pays';
      end if;
      return new;
    end $$;
    create trigger orders_partner_pays before insert or update of client_org_id, org_id on orders
      for each row execute function portal_check_partner_order();

    alter table prepaid_entries drop constraint prepaid_entries_kind_check;
    alter table prepaid_entries add constraint prepaid_entries_kind_check
      check (kind in ('topup', 'payment', 'refund', 'withdrawal', 'withdrawal_returned', 'credit_note', 'cashback'));

    alter table partner_cashback_lines add column details jsonb not null default '[]';

    create table partner_cashback_statements (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      month date not null check (extract(day from month) = 1),
      currency text not null check (currency in ('CHF', 'EUR')),
      amount bigint not null check (amount >= 0),
      invoices integer not null check (invoices >= 0),
      created_at timestamptz not null,
      unique (org_id, month)
    );
    select portal_enable_tenant_rls('partner_cashback_statements');

    -- The monthly cashback and the yearly eligibility jobs find the partners.
    create policy partner_jobs_read on program_memberships for select
      using ((select app_job()) in ('partner-cashback', 'partner-eligibility') and program = 'partner');
    create policy partner_eligibility_review on program_memberships for update
      using ((select app_job()) = 'partner-eligibility' and program = 'partner')
      with check ((select app_job()) = 'partner-eligibility' and program = 'partner');

    create table affiliate_commission_rate (
      only_row boolean primary key default true check (only_row),
      rate_bp integer not null check (rate_bp between 0 and 3500)
    );
    insert into affiliate_commission_rate (rate_bp) values (1000);
    revoke insert, update, delete, truncate on affiliate_commission_rate from portal_app;
    grant select on affiliate_commission_rate to portal_app;

    create table affiliate_commissions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      referred_org_id uuid not null references organizations (id) on delete cascade,
      invoice_id uuid not null unique references invoices (id) on delete restrict,
      rate_bp integer not null check (rate_bp between 0 and 3500),
      amount bigint not null check (amount >= 0),
      currency text not null check (currency in ('CHF', 'EUR')),
      created_at timestamptz not null
    );
    create index affiliate_commissions_org_idx on affiliate_commissions (org_id, created_at desc);
    select portal_enable_tenant_rls('affiliate_commissions');

    -- P-8: called by the transaction that issues an invoice (it acts for the invoice's
    -- organization); records the referring affiliate's commission once. Half-up rounding on
    -- integers, like the domain's money module.
    create function portal_record_affiliate_commission(p_invoice uuid, p_at timestamptz) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_org uuid;
      v_net bigint;
      v_currency text;
      v_affiliate uuid;
      v_rate integer;
    begin
      select i.org_id, i.net_amount, i.currency into v_org, v_net, v_currency from invoices i where i.id = p_invoice;
      if v_org is null or not (v_org = any(app_org_ids())) then
        return false;
      end if;
      select r.org_id into v_affiliate from affiliate_referrals r
        join program_memberships m on m.org_id = r.org_id and m.program = 'affiliate' and m.status = 'active'
        where r.referred_org_id = v_org;
      if v_affiliate is null then
        return false;
      end if;
      select rate_bp into v_rate from affiliate_commission_rate;
      insert into affiliate_commissions (org_id, referred_org_id, invoice_id, rate_bp, amount, currency, created_at)
        values (v_affiliate, v_org, p_invoice, v_rate, (greatest(v_net, 0) * v_rate * 2 + 10000) / 20000, v_currency, p_at)
        on conflict (invoice_id) do nothing;
      return found;
    end $$;
    revoke all on function portal_record_affiliate_commission(uuid, timestamptz) from public;
    grant execute on function portal_record_affiliate_commission(uuid, timestamptz) to portal_app;

    create table partner_domain_prices (
      tld text primary key check (tld ~ '^[a-z]{2,12}$'),
      price_chf bigint not null check (price_chf > 0),
      price_eur bigint not null check (price_eur > 0),
      partner_price_chf bigint not null check (partner_price_chf > 0),
      partner_price_eur bigint not null check (partner_price_eur > 0),
      sort integer not null unique,
      check (partner_price_chf <= price_chf and partner_price_eur <= price_eur)
    );
    insert into partner_domain_prices (tld, price_chf, price_eur, partner_price_chf, partner_price_eur, sort) values
      ('ch', 1590, 1490, 990, 920, 1),
      ('li', 1590, 1490, 990, 920, 2),
      ('swiss', 9900, 9200, 7900, 7350, 3),
      ('com', 1990, 1790, 1390, 1250, 4),
      ('net', 2190, 1990, 1590, 1450, 5),
      ('org', 2090, 1890, 1490, 1350, 6),
      ('eu', 1290, 1190, 890, 820, 7),
      ('de', 1290, 1190, 790, 730, 8),
      ('fr', 1490, 1390, 990, 920, 9),
      ('it', 1490, 1390, 990, 920, 10),
      ('io', 5900, 5490, 4490, 4150, 11);
    revoke insert, update, delete, truncate on partner_domain_prices from portal_app;
    grant select on partner_domain_prices to portal_app;

    -- P-10: the reseller space shows what its active clients paid themselves, as sums only
    -- (the partner does not read its clients' invoices): per client, and per month.
    create function portal_partner_client_revenue(p_partner uuid, p_clients uuid[], p_from timestamptz)
    returns table (client_org_id uuid, net bigint)
    language sql stable security definer set search_path = public, pg_temp as $$
      select i.org_id, sum(i.net_amount)::bigint
      from invoices i
      join partner_client_links l on l.client_org_id = i.org_id and l.org_id = p_partner and l.state = 'active'
      join organizations p on p.id = p_partner
      where p_partner = any(app_org_ids()) and i.org_id = any(p_clients)
        and i.client_org_id is null and i.issued_at >= p_from and i.currency = p.currency
      group by i.org_id
    $$;
    create function portal_partner_revenue_by_month(p_partner uuid, p_from timestamptz)
    returns table (month date, net bigint)
    language sql stable security definer set search_path = public, pg_temp as $$
      select date_trunc('month', i.issued_at at time zone 'Europe/Zurich')::date, sum(i.net_amount)::bigint
      from invoices i
      join partner_client_links l on l.client_org_id = i.org_id and l.org_id = p_partner and l.state = 'active'
      join organizations p on p.id = p_partner
      where p_partner = any(app_org_ids()) and i.client_org_id is null and i.issued_at >= p_from and i.currency = p.currency
      group by 1
    $$;
    revoke all on function portal_partner_client_revenue(uuid, uuid[], timestamptz) from public;
    revoke all on function portal_partner_revenue_by_month(uuid, timestamptz) from public;
    grant execute on function portal_partner_client_revenue(uuid, uuid[], timestamptz) to portal_app;
    grant execute on function portal_partner_revenue_by_month(uuid, timestamptz) to portal_app;

    -- P-10 at scale: 0019's one organizations policy for both sides of a link (an OR over two
    -- columns) could not use an index, so a partner with 5,000 clients paid a scan of its links
    -- per organization row. The same rule as two policies, each on an indexed column.
    drop policy if exists linked_read on organizations;
    create policy linked_read_client_side on organizations for select
      using (exists (select 1 from partner_client_links l where l.client_org_id = organizations.id and l.org_id = any((select app_org_ids())::uuid[])));
    create policy linked_read_partner_side on organizations for select
      using (exists (select 1 from partner_client_links l where l.org_id = organizations.id and l.client_org_id = any((select app_org_ids())::uuid[])));
    create index partner_client_links_org_idx on partner_client_links (org_id, state);

    create table partner_eligibility_checks (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      year integer not null check (year between 2000 and 9999),
      value_amount bigint not null check (value_amount >= 0),
      value_threshold bigint not null check (value_threshold > 0),
      currency text not null check (currency in ('CHF', 'EUR')),
      below boolean not null,
      checked_at timestamptz not null,
      unique (org_id, year)
    );
    select portal_enable_tenant_rls('partner_eligibility_checks');
    create policy partner_staff_read on partner_eligibility_checks for select
      using ((select app_staff_role()) in ('partner_manager', 'administrator'));
    -- Partner managers read the names of partners (the review list), also those approved without an application row.
    create policy partner_staff_read_partners on organizations for select
      using ((select app_staff_role()) in ('partner_manager', 'administrator')
        and exists (select 1 from program_memberships m where m.org_id = organizations.id and m.program = 'partner'));
    `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
