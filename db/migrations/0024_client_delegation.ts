import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 7: clients and delegation (C-1 … C-4, C-7).
//
// partner_client_links gains the rest of its life cycle: a request is answered (active or
//   declined) or expires after 90 days; an active link ends (client or partner ended it, or
//   its end date passed) and is never revived: a new request makes a new row.
// partner_link_products: for limited access, the products the client picked and, per
//   product, technical management and/or statistics (read). org_id = the CLIENT (its choice).
// partner_staff_rights: C-4, which partner users (or teams) may act for all clients or one.
//   org_id = the PARTNER. A user's right goes with their membership, a team's with the team.
// partner_link_warnings: one row per link, end date and threshold (30/7/1 days) already
//   warned, so the warning job is idempotent.
// portal_session_actor (0011) now also returns the delegations a partner user may use (the
//   client organizations withActor then adds to app.org_ids): still one round trip.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table partner_client_links drop constraint partner_client_links_state_check;
    alter table partner_client_links add constraint partner_client_links_state_check
      check (state in ('requested', 'active', 'declined', 'expired', 'ended'));
    drop index partner_client_links_open;
    create unique index partner_client_links_open on partner_client_links (org_id, client_org_id)
      where state in ('requested', 'active');
    alter table partner_client_links
      add column requested_access text check (requested_access in ('full', 'limited')),
      add column requested_billing boolean not null default false,
      add column requested_at timestamptz,
      add column ends_at timestamptz,
      add column extension_requested_at timestamptz,
      add column ended_at timestamptz,
      add column ended_by uuid references users (id) on delete set null,
      add column end_reason text check (end_reason in ('client', 'partner', 'end_date'));
    -- Open requests made before this migration count from the day they were made.
    update partner_client_links set requested_at = since, requested_access = access where state = 'requested';
    alter table partner_client_links
      add constraint partner_client_links_ended check (state = 'ended' or ended_at is null);
    create index partner_client_links_requested_idx on partner_client_links (requested_at) where state = 'requested';
    create index partner_client_links_ends_idx on partner_client_links (ends_at) where state = 'active' and ends_at is not null;

    create table partner_link_products (
      org_id uuid not null references organizations (id) on delete cascade,
      link_id uuid not null references partner_client_links (id) on delete cascade,
      product_id uuid not null references products (id) on delete cascade,
      manage boolean not null,
      stats boolean not null,
      primary key (link_id, product_id),
      check (manage or stats)
    );
    create index partner_link_products_org_idx on partner_link_products (org_id);
    select portal_enable_tenant_rls('partner_link_products');
    -- The partner reads what it was given.
    create policy partner_side on partner_link_products for select
      using (exists (select 1 from partner_client_links l
        where l.id = partner_link_products.link_id and l.org_id = any((select app_org_ids())::uuid[])));

    create table partner_staff_rights (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      user_id uuid,
      team_id uuid,
      -- null: all clients
      client_org_id uuid references organizations (id) on delete cascade,
      granted_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      check (num_nonnulls(user_id, team_id) = 1),
      foreign key (org_id, user_id) references memberships (org_id, user_id) on delete cascade,
      foreign key (org_id, team_id) references teams (org_id, id) on delete cascade,
      constraint partner_staff_rights_unique unique nulls not distinct (org_id, user_id, team_id, client_org_id)
    );
    select portal_enable_tenant_rls('partner_staff_rights');

    create table partner_link_warnings (
      org_id uuid not null references organizations (id) on delete cascade,
      link_id uuid not null references partner_client_links (id) on delete cascade,
      ends_at timestamptz not null,
      days integer not null check (days in (30, 7, 1)),
      sent_at timestamptz not null,
      primary key (link_id, ends_at, days)
    );
    select portal_enable_tenant_rls('partner_link_warnings');

    -- C-2: a client grants a partner access itself (its side of the link).
    create policy client_grants on partner_client_links for insert
      with check (client_org_id = any((select app_org_ids())::uuid[]));

    -- The delegation job: expires requests, ends links at their end date, warns both sides.
    create policy delegations_job on partner_client_links
      using ((select app_job()) = 'delegations') with check ((select app_job()) = 'delegations');
    create policy delegations_job on partner_link_warnings
      using ((select app_job()) = 'delegations') with check ((select app_job()) = 'delegations');
    create policy delegations_job on organizations for select using ((select app_job()) = 'delegations');
    create policy delegations_job on audit_log for insert with check ((select app_job()) = 'delegations');
    create policy delegations_job on email_outbox for insert with check ((select app_job()) = 'delegations');
    create policy delegations_job on memberships for select using ((select app_job()) = 'delegations');

    -- C-2: approved partners by name (or id), for a client choosing whom to let in. Only the
    -- id and name of organizations that are partners are disclosed.
    create function portal_find_partners(p_query text, p_limit integer) returns table (id uuid, name text)
    language sql stable security definer set search_path = public, pg_temp as $$
      select o.id, o.name
      from program_memberships pm join organizations o on o.id = pm.org_id
      where pm.program = 'partner' and pm.status = 'active'
        and (o.id::text = p_query or o.name ilike '%' || replace(replace(replace(p_query, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')
      order by o.name, o.id
      limit least(greatest(p_limit, 1), 50)
    $$;
    revoke all on function portal_find_partners(text, integer) from public;
    grant execute on function portal_find_partners(text, integer) to portal_app;

    -- C-3/C-4: the client organizations a user may act in, per partner organization: active
    -- links not past their end date, for which the user has staff rights (the partner's
    -- representative and administrators have them for every client). Only for the user the
    -- transaction acts as (app.user_id), so it discloses nothing about anyone else.
    create function portal_user_delegations(p_user uuid, p_now timestamptz) returns jsonb
    language plpgsql stable security definer set search_path = public, pg_temp as $$
    begin
      -- plpgsql keeps the plan between calls (a SQL function here is planned on every call).
      return (with rights as (
        select m.org_id as partner_id, null::uuid as client_id
          from memberships m join organizations o on o.id = m.org_id
          where m.user_id = p_user and (m.role = 'admin' or o.legal_rep_user_id = p_user)
        union all
        select r.org_id, r.client_org_id
          from partner_staff_rights r
          join memberships m on m.org_id = r.org_id and m.user_id = p_user
          where r.user_id = p_user
             or r.team_id in (select tm.team_id from team_members tm where tm.user_id = p_user)
      ), partners as (
        select partner_id, bool_or(client_id is null) as all_clients,
               coalesce(array_agg(client_id) filter (where client_id is not null), '{}') as clients
          from rights group by partner_id
      )
      -- Client ids travel as one comma-separated string per kind (not a JSON array of
      -- 10,000 strings): far less to build in Postgres and to parse in the portal.
      select coalesce(jsonb_agg(jsonb_build_object(
        'partnerOrgId', p.partner_id,
        'full', coalesce(f.full_ids, ''),
        'billing', coalesce(f.billing_ids, ''),
        'limited', coalesce(lim.entries, '[]'::jsonb))), '[]'::jsonb)
      from partners p
      cross join lateral (
        select string_agg(l.client_org_id::text, ',') as full_ids,
               string_agg(l.client_org_id::text, ',') filter (where l.billing_access) as billing_ids
          from partner_client_links l
          where l.org_id = p.partner_id and l.state = 'active' and l.access = 'full'
            and (l.ends_at is null or l.ends_at > p_now)
            and (p.all_clients or l.client_org_id = any(p.clients))
      ) f
      cross join lateral (
        select jsonb_agg(jsonb_build_object(
                 'clientOrgId', l.client_org_id,
                 'manage', coalesce((select string_agg(x.product_id::text, ',') from partner_link_products x where x.link_id = l.id and x.manage), ''),
                 'read', coalesce((select string_agg(x.product_id::text, ',') from partner_link_products x where x.link_id = l.id), ''))) as entries
          from partner_client_links l
          where l.org_id = p.partner_id and l.state = 'active' and l.access = 'limited'
            and (l.ends_at is null or l.ends_at > p_now)
            and (p.all_clients or l.client_org_id = any(p.clients))
      ) lim
      where p_user = nullif(current_setting('app.user_id', true), '')::uuid
        and (f.full_ids is not null or lim.entries is not null));
    end $$;
    revoke all on function portal_user_delegations(uuid, timestamptz) from public;
    grant execute on function portal_user_delegations(uuid, timestamptz) to portal_app;

    -- Partner members no longer read every active client's products by membership alone:
    -- their transactions act for exactly the clients their delegations allow (app.org_ids).
    drop policy partner_reads_clients on products;

    create or replace function portal_session_actor(p_token_hash text, p_now timestamptz) returns jsonb
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_user uuid;
      v_session uuid;
      v_prev_user text := coalesce(current_setting('app.user_id', true), '');
      v_prev_orgs text := coalesce(current_setting('app.org_ids', true), '');
      v_delegations jsonb;
      v_result jsonb;
    begin
      select s.id, s.user_id into v_session, v_user
        from sessions s
        where s.token_hash = p_token_hash and s.expires_at > p_now and s.user_id is not null;
      if v_user is null then
        return null;
      end if;
      perform set_config('app.user_id', v_user::text, true);
      perform set_config('app.org_ids',
        coalesce((select string_agg(m.org_id::text, ',') from memberships m where m.user_id = v_user), ''), true);

      v_delegations := portal_user_delegations(v_user, p_now);

      select jsonb_build_object(
        'sessionId', v_session,
        'user', (select to_jsonb(u) - 'password_hash' from users u where u.id = v_user),
        'memberships', coalesce((
          select jsonb_agg(jsonb_build_object(
              'orgId', m.org_id, 'orgName', o.name, 'role', m.role, 'legalRepUserId', o.legal_rep_user_id)
            order by o.name)
          from memberships m join organizations o on o.id = m.org_id
          where m.user_id = v_user), '[]'::jsonb),
        'permissions', coalesce((
          select jsonb_agg(jsonb_build_object('orgId', p.org_id, 'productId', p.product_id, 'level', p.level))
          from product_permissions p
          where p.user_id = v_user
             or p.team_id in (select tm.team_id from team_members tm where tm.user_id = v_user)), '[]'::jsonb),
        'delegations', v_delegations
      ) into v_result;
      perform set_config('app.user_id', v_prev_user, true);
      perform set_config('app.org_ids', v_prev_orgs, true);
      return v_result;
    end $$;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
