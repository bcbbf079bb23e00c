import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 6, P-8: the organizations an affiliate referred through its link (/signup?ref=<code>).
// `org_id` is the AFFILIATE organization, so the tenant policy shows an affiliate its referrals.
// A referred organization is referred at most once.
//
// The new organization signing up sees neither the affiliate nor its code, so the referral is
// recorded by a narrow security-definer function: it acts only for an organization the caller
// already acts for, looks the code up among active affiliates, and reports whether it matched
// (an unknown code is ignored). It runs as the job 'affiliate-referral' for the two statements
// it needs and restores the caller's setting.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table affiliate_referrals (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      referred_org_id uuid not null unique references organizations (id) on delete cascade,
      created_at timestamptz not null,
      check (org_id <> referred_org_id)
    );
    create index affiliate_referrals_org_idx on affiliate_referrals (org_id, created_at);
    select portal_enable_tenant_rls('affiliate_referrals');

    create policy affiliate_referral on program_memberships for select
      using ((select app_job()) = 'affiliate-referral' and program = 'affiliate');
    create policy affiliate_referral on affiliate_referrals for insert
      with check ((select app_job()) = 'affiliate-referral');

    create function portal_record_referral(p_code text, p_referred uuid, p_at timestamptz) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_prev_job text := coalesce(current_setting('app.job', true), '');
      v_affiliate uuid;
    begin
      if not (p_referred = any(app_org_ids())) then
        return false;
      end if;
      perform set_config('app.job', 'affiliate-referral', true);
      select m.org_id into v_affiliate from program_memberships m
        where m.referral_code = p_code and m.program = 'affiliate' and m.status = 'active';
      if v_affiliate is not null and v_affiliate <> p_referred then
        insert into affiliate_referrals (org_id, referred_org_id, created_at)
          values (v_affiliate, p_referred, p_at) on conflict (referred_org_id) do nothing;
      end if;
      perform set_config('app.job', v_prev_job, true);
      return v_affiliate is not null and v_affiliate <> p_referred;
    end $$;

    revoke all on function portal_record_referral(text, uuid, timestamptz) from public;
    grant execute on function portal_record_referral(text, uuid, timestamptz) to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
