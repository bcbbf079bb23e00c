import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Tenant isolation in the database itself. The portal's queries run as `portal_app`, a role
// that owns nothing and has no BYPASSRLS; every table with `org_id` has row-level security
// enabled and forced, and shows only rows of the organizations the current transaction acts
// for (`app.org_ids`, set with set_config(…, true) by withActor). No setting: no rows.
// Later migrations call portal_enable_tenant_rls('table') for each tenant table they add.
// Policies call the setting functions inside a scalar subquery, which Postgres evaluates
// once per query (an InitPlan) rather than once per row.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    do $$
    begin
      if not exists (select from pg_roles where rolname = 'portal_app') then
        create role portal_app nologin noinherit nobypassrls;
      end if;
      -- The migrating (owner) role switches to portal_app per connection.
      execute format('grant portal_app to %I', current_user);
    end $$;

    grant usage on schema public to portal_app;
    grant select, insert, update, delete on all tables in schema public to portal_app;
    grant usage, select on all sequences in schema public to portal_app;
    alter default privileges in schema public grant select, insert, update, delete on tables to portal_app;
    alter default privileges in schema public grant usage, select on sequences to portal_app;
    revoke update, delete, truncate on audit_log from portal_app;

    create function app_org_ids() returns uuid[] language sql stable as $$
      select coalesce(string_to_array(nullif(current_setting('app.org_ids', true), ''), ',')::uuid[], '{}'::uuid[])
    $$;
    create function app_user_id() returns uuid language sql stable as $$
      select nullif(current_setting('app.user_id', true), '')::uuid
    $$;
    create function app_staff_role() returns text language sql stable as $$
      select nullif(current_setting('app.staff_role', true), '')
    $$;
    create function app_job() returns text language sql stable as $$
      select nullif(current_setting('app.job', true), '')
    $$;

    create function portal_enable_tenant_rls(t regclass) returns void language plpgsql as $$
    begin
      execute format('alter table %s enable row level security', t);
      execute format('alter table %s force row level security', t);
      execute format(
        'create policy tenant_isolation on %s using (org_id = any((select app_org_ids())::uuid[])) with check (org_id = any((select app_org_ids())::uuid[]))',
        t
      );
    end $$;

    select portal_enable_tenant_rls('memberships');
    select portal_enable_tenant_rls('teams');
    select portal_enable_tenant_rls('team_members');
    select portal_enable_tenant_rls('products');
    select portal_enable_tenant_rls('product_permissions');
    select portal_enable_tenant_rls('mailboxes');
    select portal_enable_tenant_rls('mailbox_webmail_users');
    select portal_enable_tenant_rls('invitations');
    select portal_enable_tenant_rls('legal_rep_transfers');

    -- A user sees their own memberships in every organization (to know which they act for).
    create policy own_memberships on memberships for select using (user_id = (select app_user_id()));

    -- Organizations are keyed by id; members see the organizations they belong to.
    alter table organizations enable row level security;
    alter table organizations force row level security;
    create policy tenant_isolation on organizations
      using (id = any((select app_org_ids())::uuid[])) with check (id = any((select app_org_ids())::uuid[]));
    create policy member_read on organizations for select
      using (exists (select 1 from memberships m where m.org_id = organizations.id and m.user_id = (select app_user_id())));

    -- The invitation page reads and answers exactly the invitation whose token it was given.
    create policy by_token on invitations for select
      using (token_hash = nullif(current_setting('app.invitation_token_hash', true), ''));
    create policy answer_by_token on invitations for update
      using (token_hash = nullif(current_setting('app.invitation_token_hash', true), ''))
      with check (token_hash = nullif(current_setting('app.invitation_token_hash', true), ''));
    create policy purge on invitations for delete using ((select app_job()) = 'purge');

    -- Audit log: append-only; an organization reads its own entries, staff read all, a user
    -- reads their own account events (org_id null).
    alter table audit_log enable row level security;
    alter table audit_log force row level security;
    create policy append on audit_log for insert
      with check (org_id is null or org_id = any((select app_org_ids())::uuid[]));
    create policy tenant_read on audit_log for select using (org_id = any((select app_org_ids())::uuid[]));
    create policy own_account_read on audit_log for select
      using (org_id is null and actor_user_id = (select app_user_id()));
    create policy staff_read on audit_log for select using ((select app_staff_role()) is not null);

    -- Outbox: written in the mutation's transaction; read and marked sent by the mail job.
    alter table email_outbox enable row level security;
    alter table email_outbox force row level security;
    create policy queue on email_outbox for insert
      with check (org_id is null or org_id = any((select app_org_ids())::uuid[]));
    create policy tenant_read on email_outbox for select using (org_id = any((select app_org_ids())::uuid[]));
    create policy mailer on email_outbox using ((select app_job()) = 'mail') with check ((select app_job()) = 'mail');
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
