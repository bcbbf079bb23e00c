import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 10 (A-1, C-3/C-4): an API token acts with the same partner delegations as a portal
// session of its user (portal_session_actor returns them since 0024), so the partner
// endpoints of the API reach exactly the clients the portal lets the user act in. A token
// scoped to one organization keeps only the delegations of that partner organization.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create or replace function portal_api_token_actor(p_token_hash text, p_now timestamptz) returns jsonb
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_token api_tokens%rowtype;
      v_prev_user text := coalesce(current_setting('app.user_id', true), '');
      v_prev_orgs text := coalesce(current_setting('app.org_ids', true), '');
      v_result jsonb;
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
      -- C-3/C-4: the clients the user may act in, as for a portal session (0024); a token
      -- scoped to one organization keeps only that partner organization's delegations.
      select jsonb_agg(d) into v_delegations
        from jsonb_array_elements(coalesce(portal_user_delegations(v_token.user_id, p_now), '[]'::jsonb)) d
        where v_token.scope_org_id is null or d->>'partnerOrgId' = v_token.scope_org_id::text;
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
        'delegations', coalesce(v_delegations, '[]'::jsonb)
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
