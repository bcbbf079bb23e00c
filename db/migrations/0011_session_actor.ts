import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Everything a request needs to know about its signed-in user, in one round trip: the
// session, the account, its memberships and the product permissions that apply to it.
// A narrow security-definer function: it acts only for the session's own user (the same
// settings withActor sets) and restores the caller's settings before returning.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create function portal_session_actor(p_token_hash text, p_now timestamptz) returns jsonb
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_user uuid;
      v_session uuid;
      v_prev_user text := coalesce(current_setting('app.user_id', true), '');
      v_prev_orgs text := coalesce(current_setting('app.org_ids', true), '');
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
             or p.team_id in (select tm.team_id from team_members tm where tm.user_id = v_user)), '[]'::jsonb)
      ) into v_result;
      perform set_config('app.user_id', v_prev_user, true);
      perform set_config('app.org_ids', v_prev_orgs, true);
      return v_result;
    end $$;

    revoke all on function portal_session_actor(text, timestamptz) from public;
    grant execute on function portal_session_actor(text, timestamptz) to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
