import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// C-3/C-4: a partner with 10,000 clients pays per request about what a one-organization
// member pays, with the same boundary in the database.
//
// Until now its transactions carried every delegated client id in app.org_ids (parsed on
// each statement, then `= any(array)` per row: rows x clients), and each request rebuilt the
// 10,000 ids in portal_session_actor. Now:
//
// - partner_delegated_orgs: the (user, client organization, partner) triples the partner's
//   active links and staff rights allow, kept up to date by triggers in the transaction of
//   every change (links, staff rights, memberships, team members, the representative), with
//   the link's end date, which is checked at query time against the request's clock
//   (app.now). A user reads only their own rows.
// - app.org_ids names the organizations a transaction acts for directly (memberships and
//   what the code adds) and, as `@<partner id>` entries, the partners whose delegations it
//   acts through. Code that replaces app.org_ids drops the delegations with it, as before.
// - Every policy that read `x = any((select app_org_ids())::uuid[])` now reads
//   `x = any(direct ids) or <an indexed lookup of (app.user_id, x) in partner_delegated_orgs
//   for those partners, not past its end date>`: one index probe per row, only for rows not
//   of the direct organizations. The rewrite is mechanical over pg_policy, so it covers the
//   policies of every earlier migration; portal_enable_tenant_rls creates the new form.
// - app_org_ids() keeps its meaning (direct + delegated ids); functions that asked
//   `x = any(app_org_ids())` ask app_acts_for(x) instead (also rewritten over pg_proc).
// - partner_delegation_epochs: a counter per organization, bumped by the same triggers (and
//   by changes of a link's products), so a portal process can keep a partner user's
//   delegation lists in memory and ask the database for them only when the stamp
//   (portal_delegations_stamp: its organizations' counters and the next end date among their
//   links) has changed. The bump also serializes concurrent changes of one partner's
//   delegations (its row lock), so two of them never compute from each other's old state.
// - portal_session_actor and portal_api_token_actor take the caller's stamp and return the
//   delegations only when it is stale. The session actor also returns the session's
//   two_factor_at and whether sign-ins wait for its approval (S-3), so a page makes no other
//   round trip for the approval prompt when none waits.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table partner_delegated_orgs (
      delegate_user_id uuid not null,
      delegated_org_id uuid not null,
      delegating_org_id uuid not null,
      delegation_ends_at timestamptz,
      primary key (delegate_user_id, delegated_org_id, delegating_org_id)
    );
    create index partner_delegated_orgs_partner_idx on partner_delegated_orgs (delegating_org_id, delegated_org_id);
    alter table partner_delegated_orgs enable row level security;
    alter table partner_delegated_orgs force row level security;
    create policy own_delegations on partner_delegated_orgs for select
      using (delegate_user_id = (select app_user_id()));
    revoke insert, update, delete, truncate on partner_delegated_orgs from portal_app;

    create table partner_delegation_epochs (
      partner_org_id uuid primary key,
      epoch bigint not null
    );
    alter table partner_delegation_epochs enable row level security;
    alter table partner_delegation_epochs force row level security;
    revoke all on partner_delegation_epochs from portal_app;

    -- The next end date among a partner's active links (part of the stamp).
    create index partner_client_links_org_ends_idx on partner_client_links (org_id, ends_at)
      where state = 'active' and ends_at is not null;

    create function app_direct_org_ids() returns uuid[] language sql stable as $$
      select coalesce(array_agg(x::uuid), '{}'::uuid[])
        from unnest(string_to_array(nullif(current_setting('app.org_ids', true), ''), ',')) x
        where x not like '@%'
    $$;
    create function app_delegating_org_ids() returns uuid[] language sql stable as $$
      select coalesce(array_agg(substr(x, 2)::uuid), '{}'::uuid[])
        from unnest(string_to_array(nullif(current_setting('app.org_ids', true), ''), ',')) x
        where x like '@%'
    $$;
    -- The request's clock (tests move it), else the transaction's.
    create function app_now() returns timestamptz language sql stable as $$
      select coalesce(nullif(current_setting('app.now', true), '')::timestamptz, now())
    $$;
    create or replace function app_org_ids() returns uuid[] language sql stable as $$
      select app_direct_org_ids() || coalesce((
        select array_agg(d.delegated_org_id)
          from partner_delegated_orgs d
          where d.delegate_user_id = app_user_id()
            and d.delegating_org_id = any(app_delegating_org_ids())
            and (d.delegation_ends_at is null or d.delegation_ends_at > app_now())), '{}'::uuid[])
    $$;

    -- Whether the transaction acts for one organization, for the functions that ask once or
    -- per row (not every delegated id gathered for one comparison).
    create function app_acts_for(p_org uuid) returns boolean language sql stable as $$
      select p_org = any(app_direct_org_ids()) or (cardinality(app_delegating_org_ids()) > 0 and exists (
        select 1 from partner_delegated_orgs d
          where d.delegate_user_id = app_user_id() and d.delegated_org_id = p_org
            and d.delegating_org_id = any(app_delegating_org_ids())
            and (d.delegation_ends_at is null or d.delegation_ends_at > app_now())))
    $$;

    -- The policy expression "the transaction acts for organization <col>". Column names of
    -- partner_delegated_orgs are unlike any other table's, so <col> resolves as it did.
    create function portal_acts_for_sql(col text) returns text language sql immutable as $$
      select '(' || col || ' = ANY (( SELECT app_direct_org_ids())::uuid[]) OR ((cardinality(( SELECT app_delegating_org_ids())) > 0) AND (EXISTS ( SELECT 1 FROM partner_delegated_orgs pdo'
        || ' WHERE pdo.delegate_user_id = ( SELECT app_user_id()) AND pdo.delegated_org_id = ' || col
        || ' AND pdo.delegating_org_id = ANY (( SELECT app_delegating_org_ids())::uuid[])'
        || ' AND (pdo.delegation_ends_at IS NULL OR pdo.delegation_ends_at > ( SELECT app_now()))))))'
    $$;

    create or replace function portal_enable_tenant_rls(t regclass) returns void language plpgsql as $$
    begin
      execute format('alter table %s enable row level security', t);
      execute format('alter table %s force row level security', t);
      execute format('create policy tenant_isolation on %s using (%s) with check (%s)',
        t, portal_acts_for_sql('org_id'), portal_acts_for_sql('org_id'));
    end $$;

    -- Every existing policy, rewritten in place (name, command, roles unchanged).
    do $$
    declare
      p record;
      v_pattern constant text := '([[:alnum:]_.]+) = ANY [(][(] SELECT app_org_ids[(][)] AS app_org_ids[)]::uuid[[][]][)]';
      v_replacement constant text := portal_acts_for_sql('\\1');
      v_qual text;
      v_check text;
    begin
      for p in
        select pol.polname, pol.polrelid::regclass as rel,
               pg_get_expr(pol.polqual, pol.polrelid) as qual, pg_get_expr(pol.polwithcheck, pol.polrelid) as checks
          from pg_policy pol
          where coalesce(pg_get_expr(pol.polqual, pol.polrelid), '') || coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '') like '%app_org_ids()%'
      loop
        v_qual := regexp_replace(p.qual, v_pattern, v_replacement, 'g');
        v_check := regexp_replace(p.checks, v_pattern, v_replacement, 'g');
        if v_qual is distinct from p.qual then
          execute format('alter policy %I on %s using (%s)', p.polname, p.rel, v_qual);
        end if;
        if v_check is distinct from p.checks then
          execute format('alter policy %I on %s with check (%s)', p.polname, p.rel, v_check);
        end if;
      end loop;
    end $$;

    -- Every function that asks "x = any(app_org_ids())" asks app_acts_for(x) instead (same
    -- meaning; e.g. portal_tender_is_mine runs per row of tender_proposals).
    do $$
    declare
      f record;
    begin
      for f in
        select p.oid from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = 'public' and p.prosrc ~* '[[:alnum:]_.]+ = any[(]app_org_ids[(][)][)]'
      loop
        execute regexp_replace(pg_get_functiondef(f.oid), '([[:alnum:]_.]+) = any[(]app_org_ids[(][)][)]', 'app_acts_for(\\1)', 'gi');
      end loop;
    end $$;

    -- Locks (in id order) and bumps the counters of these organizations.
    create function portal_bump_delegation_epochs(p_partners uuid[]) returns void
    language sql volatile security definer set search_path = public, pg_temp as $$
      insert into partner_delegation_epochs as e (partner_org_id, epoch)
        select distinct x, 1 from unnest(p_partners) x where x is not null order by x
        on conflict (partner_org_id) do update set epoch = e.epoch + 1
    $$;
    revoke all on function portal_bump_delegation_epochs(uuid[]) from public;

    -- Recomputes the delegated triples of these partners, for these users and clients (null:
    -- all), from the links and rights as they are now. The rights of 0024 (C-4): the
    -- representative and administrators for every client, staff rights of the user or of a
    -- team of theirs for every client or one (both only for members: their foreign keys
    -- reference memberships). The only place they are worked out.
    create function portal_delegations_changed(p_partners uuid[], p_users uuid[], p_clients uuid[]) returns void
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    begin
      if coalesce(cardinality(p_partners), 0) = 0 then
        return;
      end if;
      -- First the lock: a concurrent change of the same partner waits for this one to commit,
      -- and then computes from it (each statement below takes a fresh snapshot).
      perform portal_bump_delegation_epochs(p_partners);
      delete from partner_delegated_orgs d
        where d.delegating_org_id in (select unnest(p_partners))
          and (p_users is null or d.delegate_user_id in (select unnest(p_users)))
          and (p_clients is null or d.delegated_org_id in (select unnest(p_clients)));
      insert into partner_delegated_orgs (delegate_user_id, delegated_org_id, delegating_org_id, delegation_ends_at)
      select distinct r.user_id, l.client_org_id, l.org_id, l.ends_at
        from (
          select m.org_id, m.user_id, null::uuid as client_id
            from memberships m join organizations o on o.id = m.org_id
            where m.org_id in (select unnest(p_partners)) and (m.role = 'admin' or o.legal_rep_user_id = m.user_id)
          union all
          select s.org_id, s.user_id, s.client_org_id
            from partner_staff_rights s
            where s.org_id in (select unnest(p_partners)) and s.user_id is not null
          union all
          select s.org_id, tm.user_id, s.client_org_id
            from partner_staff_rights s join team_members tm on tm.org_id = s.org_id and tm.team_id = s.team_id
            where s.org_id in (select unnest(p_partners))
        ) r
        join partner_client_links l on l.org_id = r.org_id and l.state = 'active'
          and (r.client_id is null or l.client_org_id = r.client_id)
        where (p_users is null or r.user_id in (select unnest(p_users)))
          and (p_clients is null or l.client_org_id in (select unnest(p_clients)));
    end $$;
    revoke all on function portal_delegations_changed(uuid[], uuid[], uuid[]) from public;

    create function portal_links_changed() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      v_partners uuid[];
      v_clients uuid[];
    begin
      if tg_op = 'INSERT' then
        select array_agg(distinct n.org_id), array_agg(distinct n.client_org_id) into v_partners, v_clients from new_rows n;
      elsif tg_op = 'DELETE' then
        select array_agg(distinct o.org_id), array_agg(distinct o.client_org_id) into v_partners, v_clients from old_rows o;
      else
        select array_agg(distinct x.org_id), array_agg(distinct x.client_org_id) into v_partners, v_clients
          from (select org_id, client_org_id from old_rows union select org_id, client_org_id from new_rows) x;
      end if;
      perform portal_delegations_changed(v_partners, null, v_clients);
      return null;
    end $$;
    create trigger delegations_on_insert after insert on partner_client_links
      referencing new table as new_rows for each statement execute function portal_links_changed();
    create trigger delegations_on_update after update on partner_client_links
      referencing old table as old_rows new table as new_rows for each statement execute function portal_links_changed();
    create trigger delegations_on_delete after delete on partner_client_links
      referencing old table as old_rows for each statement execute function portal_links_changed();

    -- The products of a limited delegation change what the partner may do, not where.
    create function portal_link_products_changed() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      v_partners uuid[];
    begin
      if tg_op = 'INSERT' then
        select array_agg(distinct l.org_id) into v_partners from partner_client_links l where l.id in (select link_id from new_rows);
      elsif tg_op = 'DELETE' then
        select array_agg(distinct l.org_id) into v_partners from partner_client_links l where l.id in (select link_id from old_rows);
      else
        select array_agg(distinct l.org_id) into v_partners from partner_client_links l
          where l.id in (select link_id from old_rows union select link_id from new_rows);
      end if;
      if v_partners is not null then
        perform portal_bump_delegation_epochs(v_partners);
      end if;
      return null;
    end $$;
    create trigger delegations_on_insert after insert on partner_link_products
      referencing new table as new_rows for each statement execute function portal_link_products_changed();
    create trigger delegations_on_update after update on partner_link_products
      referencing old table as old_rows new table as new_rows for each statement execute function portal_link_products_changed();
    create trigger delegations_on_delete after delete on partner_link_products
      referencing old table as old_rows for each statement execute function portal_link_products_changed();

    -- Staff rights: the user's, or every member of the team's.
    create function portal_staff_rights_changed() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      v_partners uuid[];
      v_users uuid[];
      v_teams uuid[];
    begin
      if tg_op = 'INSERT' then
        select array_agg(distinct n.org_id), array_agg(distinct n.user_id), array_agg(distinct n.team_id)
          into v_partners, v_users, v_teams from new_rows n;
      elsif tg_op = 'DELETE' then
        select array_agg(distinct o.org_id), array_agg(distinct o.user_id), array_agg(distinct o.team_id)
          into v_partners, v_users, v_teams from old_rows o;
      else
        select array_agg(distinct x.org_id), array_agg(distinct x.user_id), array_agg(distinct x.team_id)
          into v_partners, v_users, v_teams
          from (select org_id, user_id, team_id from old_rows union select org_id, user_id, team_id from new_rows) x;
      end if;
      if v_partners is null then
        return null;
      end if;
      -- The lock before reading the team's members: one added concurrently is then seen.
      perform portal_bump_delegation_epochs(v_partners);
      select array_agg(distinct u) into v_users from (
        select unnest(v_users) as u
        union
        select tm.user_id from team_members tm where tm.team_id in (select unnest(v_teams))
      ) x where u is not null;
      if v_users is not null then
        perform portal_delegations_changed(v_partners, v_users, null);
      end if;
      return null;
    end $$;
    create trigger delegations_on_insert after insert on partner_staff_rights
      referencing new table as new_rows for each statement execute function portal_staff_rights_changed();
    create trigger delegations_on_update after update on partner_staff_rights
      referencing old table as old_rows new table as new_rows for each statement execute function portal_staff_rights_changed();
    create trigger delegations_on_delete after delete on partner_staff_rights
      referencing old table as old_rows for each statement execute function portal_staff_rights_changed();

    -- Memberships (role: administrators act for every client) and team members.
    create function portal_members_changed() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      v_partners uuid[];
      v_users uuid[];
    begin
      if tg_op = 'INSERT' then
        select array_agg(distinct n.org_id), array_agg(distinct n.user_id) into v_partners, v_users from new_rows n;
      elsif tg_op = 'DELETE' then
        select array_agg(distinct o.org_id), array_agg(distinct o.user_id) into v_partners, v_users from old_rows o;
      else
        select array_agg(distinct x.org_id), array_agg(distinct x.user_id) into v_partners, v_users
          from (select org_id, user_id from old_rows union select org_id, user_id from new_rows) x;
      end if;
      perform portal_delegations_changed(v_partners, v_users, null);
      return null;
    end $$;
    create trigger delegations_on_insert after insert on memberships
      referencing new table as new_rows for each statement execute function portal_members_changed();
    create trigger delegations_on_update after update on memberships
      referencing old table as old_rows new table as new_rows for each statement execute function portal_members_changed();
    create trigger delegations_on_delete after delete on memberships
      referencing old table as old_rows for each statement execute function portal_members_changed();
    create trigger delegations_on_insert after insert on team_members
      referencing new table as new_rows for each statement execute function portal_members_changed();
    create trigger delegations_on_update after update on team_members
      referencing old table as old_rows new table as new_rows for each statement execute function portal_members_changed();
    create trigger delegations_on_delete after delete on team_members
      referencing old table as old_rows for each statement execute function portal_members_changed();

    -- A new legal representative acts for every client; the former one keeps what its role gives.
    create function portal_legal_rep_changed() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      v_partners uuid[];
      v_users uuid[];
    begin
      select array_agg(distinct n.id), array_agg(distinct u) into v_partners, v_users
        from old_rows o join new_rows n on n.id = o.id
        cross join lateral unnest(array[o.legal_rep_user_id, n.legal_rep_user_id]) u
        where o.legal_rep_user_id is distinct from n.legal_rep_user_id and u is not null;
      if v_partners is not null then
        perform portal_delegations_changed(v_partners, v_users, null);
      end if;
      return null;
    end $$;
    create trigger delegations_on_update after update on organizations
      referencing old table as old_rows new table as new_rows for each statement execute function portal_legal_rep_changed();

    -- Existing delegations.
    select portal_delegations_changed(array_agg(distinct org_id), null, null) from partner_client_links where state = 'active';

    -- The lists the ability is built from (0024), now read from partner_delegated_orgs: the
    -- rights are worked out in one place (portal_delegations_changed), and the ability and
    -- the policies see the same clients. Same answer as before: per partner organization, the
    -- full-access clients, those of them with billing, the limited ones with their products.
    create or replace function portal_user_delegations(p_user uuid, p_now timestamptz) returns jsonb
    language plpgsql stable security definer set search_path = public, pg_temp as $$
    begin
      return (
        select coalesce(jsonb_agg(jsonb_build_object(
          'partnerOrgId', p.org_id,
          'full', coalesce(f.full_ids, ''),
          'billing', coalesce(f.billing_ids, ''),
          'limited', coalesce(lim.entries, '[]'::jsonb))), '[]'::jsonb)
        from (select distinct d.delegating_org_id as org_id from partner_delegated_orgs d
                where d.delegate_user_id = p_user and (d.delegation_ends_at is null or d.delegation_ends_at > p_now)) p
        cross join lateral (
          select string_agg(l.client_org_id::text, ',') as full_ids,
                 string_agg(l.client_org_id::text, ',') filter (where l.billing_access) as billing_ids
            from partner_client_links l
            where l.org_id = p.org_id and l.state = 'active' and l.access = 'full'
              and exists (select 1 from partner_delegated_orgs d
                where d.delegate_user_id = p_user and d.delegated_org_id = l.client_org_id and d.delegating_org_id = l.org_id
                  and (d.delegation_ends_at is null or d.delegation_ends_at > p_now))
        ) f
        cross join lateral (
          select jsonb_agg(jsonb_build_object(
                   'clientOrgId', l.client_org_id,
                   'manage', coalesce((select string_agg(x.product_id::text, ',') from partner_link_products x where x.link_id = l.id and x.manage), ''),
                   'read', coalesce((select string_agg(x.product_id::text, ',') from partner_link_products x where x.link_id = l.id), ''))) as entries
            from partner_client_links l
            where l.org_id = p.org_id and l.state = 'active' and l.access = 'limited'
              and exists (select 1 from partner_delegated_orgs d
                where d.delegate_user_id = p_user and d.delegated_org_id = l.client_org_id and d.delegating_org_id = l.org_id
                  and (d.delegation_ends_at is null or d.delegation_ends_at > p_now))
        ) lim
        where p_user = nullif(current_setting('app.user_id', true), '')::uuid
          and (f.full_ids is not null or lim.entries is not null));
    end $$;

    -- The stamp of a user's delegation lists: their organizations' counters and the next end
    -- date among those organizations' active links.
    create function portal_delegations_stamp(p_user uuid, p_now timestamptz) returns text
    language sql stable security definer set search_path = public, pg_temp as $$
      select md5(p_user::text
        || '|' || coalesce((
          select string_agg(m.org_id::text || ':' || coalesce(e.epoch, 0)::text, ',' order by m.org_id)
            from memberships m left join partner_delegation_epochs e on e.partner_org_id = m.org_id
            where m.user_id = p_user), '')
        || '|' || coalesce((
          select min(n.ends_at)
            from memberships m
            cross join lateral (
              select l.ends_at from partner_client_links l
                where l.org_id = m.org_id and l.state = 'active' and l.ends_at is not null and l.ends_at > p_now
                order by l.ends_at limit 1) n
            where m.user_id = p_user)::text, ''))
    $$;
    revoke all on function portal_delegations_stamp(uuid, timestamptz) from public;

    drop function portal_session_actor(text, timestamptz);
    create function portal_session_actor(p_token_hash text, p_now timestamptz, p_approvals_since timestamptz, p_delegations_stamp text)
    returns jsonb
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_user uuid;
      v_session uuid;
      v_two_factor_at timestamptz;
      v_prev_user text := coalesce(current_setting('app.user_id', true), '');
      v_prev_orgs text := coalesce(current_setting('app.org_ids', true), '');
      v_stamp text;
      v_result jsonb;
    begin
      select s.id, s.user_id, s.two_factor_at into v_session, v_user, v_two_factor_at
        from sessions s
        where s.token_hash = p_token_hash and s.expires_at > p_now and s.user_id is not null;
      if v_user is null then
        return null;
      end if;
      perform set_config('app.user_id', v_user::text, true);
      perform set_config('app.org_ids',
        coalesce((select string_agg(m.org_id::text, ',') from memberships m where m.user_id = v_user), ''), true);
      -- The stamp before the lists: a change committed in between makes the lists newer than
      -- the stamp, which costs one more load, never a stale list.
      v_stamp := portal_delegations_stamp(v_user, p_now);
      select jsonb_build_object(
        'sessionId', v_session,
        'twoFactorAt', v_two_factor_at,
        -- S-3: sign-ins waiting for this trusted session's answer (the list only when there are).
        'approvalsWaiting', v_two_factor_at is not null and exists (
          select 1 from two_factor_challenges c
            where c.user_id = v_user and c.consumed_at is null and c.approval_decision is null
              and c.approval_requested_at > p_approvals_since and c.expires_at > p_now),
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
        'delegationsStamp', v_stamp,
        'delegations', case when v_stamp is distinct from p_delegations_stamp then portal_user_delegations(v_user, p_now) end
      ) into v_result;
      perform set_config('app.user_id', v_prev_user, true);
      perform set_config('app.org_ids', v_prev_orgs, true);
      return v_result;
    end $$;
    revoke all on function portal_session_actor(text, timestamptz, timestamptz, text) from public;
    grant execute on function portal_session_actor(text, timestamptz, timestamptz, text) to portal_app;

    drop function portal_api_token_actor(text, timestamptz);
    create function portal_api_token_actor(p_token_hash text, p_now timestamptz, p_delegations_stamp text) returns jsonb
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_token api_tokens%rowtype;
      v_prev_user text := coalesce(current_setting('app.user_id', true), '');
      v_prev_orgs text := coalesce(current_setting('app.org_ids', true), '');
      v_result jsonb;
      v_stamp text;
      v_delegations jsonb;
    begin
      select * into v_token from api_tokens t
        where t.token_hash = p_token_hash and t.revoked_at is null
          and (t.expires_at is null or t.expires_at > p_now);
      if v_token.id is null then
        return null;
      end if;
      if v_token.last_used_at is null or v_token.last_used_at < p_now - interval '1 minute' then
        update api_tokens set last_used_at = p_now where id = v_token.id;
      end if;
      perform set_config('app.user_id', v_token.user_id::text, true);
      perform set_config('app.org_ids',
        coalesce((select string_agg(m.org_id::text, ',') from memberships m
                  where m.user_id = v_token.user_id
                    and (v_token.scope_org_id is null or m.org_id = v_token.scope_org_id)), ''), true);
      v_stamp := portal_delegations_stamp(v_token.user_id, p_now);
      -- C-3/C-4: as for a portal session (0024); a token scoped to one organization keeps only
      -- that partner organization's delegations.
      if v_stamp is distinct from p_delegations_stamp then
        select coalesce(jsonb_agg(d), '[]'::jsonb) into v_delegations
          from jsonb_array_elements(coalesce(portal_user_delegations(v_token.user_id, p_now), '[]'::jsonb)) d
          where v_token.scope_org_id is null or d->>'partnerOrgId' = v_token.scope_org_id::text;
      end if;
      select jsonb_build_object(
        'tokenId', v_token.id,
        'access', v_token.access,
        'scopeOrgId', v_token.scope_org_id,
        'user', (select jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name, 'locale', u.locale)
                 from users u where u.id = v_token.user_id),
        'memberships', coalesce((
          select jsonb_agg(jsonb_build_object(
              'orgId', m.org_id, 'orgName', o.name, 'role', m.role, 'legalRepUserId', o.legal_rep_user_id)
            order by o.name)
          from memberships m join organizations o on o.id = m.org_id
          where m.user_id = v_token.user_id
            and (v_token.scope_org_id is null or m.org_id = v_token.scope_org_id)), '[]'::jsonb),
        'permissions', coalesce((
          select jsonb_agg(jsonb_build_object('orgId', p.org_id, 'productId', p.product_id, 'level', p.level))
          from product_permissions p
          where (v_token.scope_org_id is null or p.org_id = v_token.scope_org_id)
            and (p.user_id = v_token.user_id
                 or p.team_id in (select tm.team_id from team_members tm where tm.user_id = v_token.user_id))), '[]'::jsonb),
        'delegationsStamp', v_stamp,
        'delegations', v_delegations
      ) into v_result;
      perform set_config('app.user_id', v_prev_user, true);
      perform set_config('app.org_ids', v_prev_orgs, true);
      return v_result;
    end $$;
    revoke all on function portal_api_token_actor(text, timestamptz, text) from public;
    grant execute on function portal_api_token_actor(text, timestamptz, text) to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
