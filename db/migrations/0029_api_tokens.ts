import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 10: API tokens. A token belongs to its user (like a session), so it is not a
// tenant row: `scope_org_id` only narrows what the token reaches. Only the SHA-256 of the
// token is stored; the token itself is shown once. Revoked tokens stay listed (revoked_at).
// Row-level security: a user reads and changes only their own tokens.
//
// portal_api_token_actor: the bearer token → its user, memberships and product permissions
// in one round trip (as portal_session_actor does for cookies), narrowed to the token's
// organization when it has one. It records the last use at most once a minute, so that a
// busy client does not turn every read into a write.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table api_tokens (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      token_hash text not null unique,
      token_prefix text not null,
      access text not null check (access in ('read', 'write')),
      scope_org_id uuid references organizations (id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index api_tokens_user_idx on api_tokens (user_id, created_at desc);

    alter table api_tokens enable row level security;
    alter table api_tokens force row level security;
    create policy own_tokens on api_tokens
      using (user_id = (select app_user_id())) with check (user_id = (select app_user_id()));

    create function portal_api_token_actor(p_token_hash text, p_now timestamptz) returns jsonb
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_token api_tokens%rowtype;
      v_prev_user text := coalesce(current_setting('app.user_id', true), '');
      v_prev_orgs text := coalesce(current_setting('app.org_ids', true), '');
      v_result jsonb;
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
                 or p.team_id in (select tm.team_id from team_members tm where tm.user_id = v_token.user_id))), '[]'::jsonb)
      ) into v_result;
      perform set_config('app.user_id', v_prev_user, true);
      perform set_config('app.org_ids', v_prev_orgs, true);
      return v_result;
    end $$;

    revoke all on function portal_api_token_actor(text, timestamptz) from public;
    grant execute on function portal_api_token_actor(text, timestamptz) to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
