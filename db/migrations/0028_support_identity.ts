import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 9 (second half): support requests and support access (S-1, S-2, K-4), identity
// checks (S-5, K-3) and blocked orders (B-14).
//
// support_requests / support_messages / support_attachments belong to a USER (not an
// organization): the user reads their own, support agents and staff administrators read
// them all (the domain shows an agent the requests assigned to them). Screenshot files live
// outside the database (SUPPORT_FILES_DIR); the rows keep their checked type and size.
// Assignment (K-4) needs every agent's open-request count, which no user can read: the
// narrow security-definer function portal_pick_support_agent() answers just the agent id.
//
// support_grants: the user's switches (S-2): one for the mailboxes they reach (no product),
// one per storage drive product and one per chat product. Each ends at expires_at (at most
// 7 days after it was given), when revoked, or when the closing job marks it closed.
// support_grant_uses: every use by an agent, shown to the user.
//
// storage_folders / chat_discussions: the content of storage drive and chat products that a
// grant opens (tenant tables). Staff read them only after the domain has checked the grant,
// in a transaction that then acts for that one organization.
//
// identity_checks: per user; `reason` says why (S-5). The upload link is one-time (its hash;
// used_at). Files are encrypted (AES-256-GCM) outside the database; documents_deleted_at
// records when they were removed (handled, or the 72-hour purge job).
//
// order_blocks: a suspicious new order (B-14) is held here, not fulfilled, until its
// identity check is approved; without that within 10 days a job cancels and refunds it.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table support_requests (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      subject text not null check (length(subject) between 1 and 200),
      status text not null default 'open' check (status in ('open', 'closed')),
      assigned_staff_id uuid references staff_accounts (id) on delete set null,
      created_at timestamptz not null,
      closed_at timestamptz,
      check ((status = 'closed') = (closed_at is not null))
    );
    create index support_requests_user_idx on support_requests (user_id, created_at desc);
    create index support_requests_agent_idx on support_requests (assigned_staff_id, status, created_at);

    create table support_messages (
      id uuid primary key default gen_random_uuid(),
      request_id uuid not null references support_requests (id) on delete cascade,
      author_user_id uuid references users (id) on delete set null,
      author_staff_id uuid references staff_accounts (id) on delete set null,
      body text not null check (length(body) between 1 and 10000),
      created_at timestamptz not null,
      check (author_user_id is null or author_staff_id is null)
    );
    create index support_messages_request_idx on support_messages (request_id, created_at);

    create table support_attachments (
      id uuid primary key default gen_random_uuid(),
      request_id uuid not null references support_requests (id) on delete cascade,
      message_id uuid not null references support_messages (id) on delete cascade,
      file_name text not null check (length(file_name) between 1 and 200),
      content_type text not null check (content_type in ('image/png', 'image/jpeg')),
      size_bytes integer not null check (size_bytes > 0),
      created_at timestamptz not null
    );
    create index support_attachments_message_idx on support_attachments (message_id);

    create table support_grants (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      scope text not null check (scope in ('mailboxes', 'storage', 'chat')),
      product_id uuid references products (id) on delete cascade,
      granted_at timestamptz not null,
      expires_at timestamptz not null,
      revoked_at timestamptz,
      closed_at timestamptz,
      check ((scope = 'mailboxes') = (product_id is null)),
      -- S-1: at most 7 days.
      check (expires_at > granted_at and expires_at <= granted_at + interval '7 days')
    );
    -- One live switch per scope and product.
    create unique index support_grants_live on support_grants (user_id, scope, coalesce(product_id, '00000000-0000-0000-0000-000000000000'::uuid))
      where revoked_at is null and closed_at is null;
    create index support_grants_expiry_idx on support_grants (expires_at) where revoked_at is null and closed_at is null;

    create table support_grant_uses (
      id uuid primary key default gen_random_uuid(),
      grant_id uuid not null references support_grants (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      staff_id uuid not null references staff_accounts (id),
      request_id uuid not null references support_requests (id) on delete cascade,
      what text not null check (length(what) between 1 and 300),
      used_at timestamptz not null
    );
    create index support_grant_uses_user_idx on support_grant_uses (user_id, used_at desc);

    create table storage_folders (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      product_id uuid not null,
      path text not null check (path ~ '^/' and length(path) <= 500),
      size_bytes bigint not null default 0 check (size_bytes >= 0),
      foreign key (org_id, product_id) references products (org_id, id) on delete cascade,
      unique (product_id, path)
    );
    create table chat_discussions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      product_id uuid not null,
      title text not null check (length(title) between 1 and 200),
      message_count integer not null default 0 check (message_count >= 0),
      last_message_at timestamptz,
      foreign key (org_id, product_id) references products (org_id, id) on delete cascade
    );
    create index chat_discussions_product_idx on chat_discussions (product_id);

    create table identity_checks (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      reason text not null check (reason in ('forgotten_password', 'forgotten_email', 'disable_2fa', 'unlock_account', 'first_payout', 'suspicious_order')),
      status text not null default 'requested' check (status in ('requested', 'submitted', 'approved', 'rejected', 'expired')),
      upload_token_hash text not null unique,
      upload_expires_at timestamptz not null,
      upload_used_at timestamptz,
      document_type text check (document_type in ('image/png', 'image/jpeg', 'application/pdf')),
      photo_type text check (photo_type in ('image/png', 'image/jpeg')),
      requested_by_staff_id uuid references staff_accounts (id) on delete set null,
      requested_at timestamptz not null,
      submitted_at timestamptz,
      handled_by uuid references staff_accounts (id) on delete set null,
      handled_at timestamptz,
      rejection_reason text check (length(rejection_reason) between 1 and 1000),
      documents_deleted_at timestamptz,
      check ((status = 'requested') = (submitted_at is null)),
      check ((status in ('approved', 'rejected')) = (handled_at is not null)),
      check (status <> 'rejected' or rejection_reason is not null)
    );
    create index identity_checks_queue_idx on identity_checks (submitted_at) where status = 'submitted';
    create index identity_checks_user_idx on identity_checks (user_id, requested_at desc);

    create table order_blocks (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      order_id uuid not null unique references orders (id) on delete cascade,
      reasons text[] not null check (cardinality(reasons) > 0),
      status text not null default 'blocked' check (status in ('blocked', 'released', 'cancelled')),
      identity_check_id uuid not null references identity_checks (id),
      notice_count integer not null default 1 check (notice_count > 0),
      last_notice_at timestamptz not null,
      created_at timestamptz not null,
      released_at timestamptz,
      cancelled_at timestamptz,
      check ((status = 'released') = (released_at is not null)),
      check ((status = 'cancelled') = (cancelled_at is not null))
    );
    create index order_blocks_due_idx on order_blocks (created_at) where status = 'blocked';
    create index order_blocks_check_idx on order_blocks (identity_check_id);

    -- B-14: the card's issuing country, as the gateway reports it.
    alter table payments add column country text check (country ~ '^[A-Z]{2}$');

    select portal_enable_tenant_rls('storage_folders');
    select portal_enable_tenant_rls('chat_discussions');
    select portal_enable_tenant_rls('order_blocks');

    -- Per-user tables: the user reads their own; support agents and staff administrators read
    -- and answer; the closing and purge jobs reach what they close or purge.
    alter table support_requests enable row level security;
    alter table support_requests force row level security;
    create policy own on support_requests using (user_id = (select app_user_id())) with check (user_id = (select app_user_id()));
    create policy support_staff on support_requests
      using ((select app_staff_role()) in ('support_agent', 'administrator'))
      with check ((select app_staff_role()) in ('support_agent', 'administrator'));
    create policy assign on support_requests for select using ((select app_job()) = 'support-assign');

    alter table support_messages enable row level security;
    alter table support_messages force row level security;
    create policy own on support_messages
      using (exists (select 1 from support_requests r where r.id = support_messages.request_id and r.user_id = (select app_user_id())))
      with check (author_staff_id is null and exists (select 1 from support_requests r where r.id = support_messages.request_id and r.user_id = (select app_user_id())));
    create policy support_staff on support_messages
      using ((select app_staff_role()) in ('support_agent', 'administrator'))
      with check ((select app_staff_role()) in ('support_agent', 'administrator'));

    alter table support_attachments enable row level security;
    alter table support_attachments force row level security;
    create policy own on support_attachments
      using (exists (select 1 from support_requests r where r.id = support_attachments.request_id and r.user_id = (select app_user_id())))
      with check (exists (select 1 from support_requests r where r.id = support_attachments.request_id and r.user_id = (select app_user_id())));
    create policy support_staff on support_attachments
      using ((select app_staff_role()) in ('support_agent', 'administrator'))
      with check ((select app_staff_role()) in ('support_agent', 'administrator'));

    alter table support_grants enable row level security;
    alter table support_grants force row level security;
    create policy own on support_grants using (user_id = (select app_user_id())) with check (user_id = (select app_user_id()));
    create policy support_staff_read on support_grants for select using ((select app_staff_role()) in ('support_agent', 'administrator'));
    create policy closing on support_grants using ((select app_job()) = 'support-grants') with check ((select app_job()) = 'support-grants');

    alter table support_grant_uses enable row level security;
    alter table support_grant_uses force row level security;
    create policy own_read on support_grant_uses for select using (user_id = (select app_user_id()));
    create policy support_staff on support_grant_uses for select using ((select app_staff_role()) = 'support_agent');
    create policy agent_logs on support_grant_uses for insert with check ((select app_staff_role()) = 'support_agent');

    alter table identity_checks enable row level security;
    alter table identity_checks force row level security;
    create policy own_read on identity_checks for select using (user_id = (select app_user_id()));
    create policy identity_staff on identity_checks
      using ((select app_staff_role()) in ('support_agent', 'administrator'))
      with check ((select app_staff_role()) in ('support_agent', 'administrator'));
    -- The one-time upload page reads and answers exactly the check whose link it was given.
    create policy by_token on identity_checks for select
      using (upload_token_hash = nullif(current_setting('app.identity_token_hash', true), ''));
    create policy upload_by_token on identity_checks for update
      using (upload_token_hash = nullif(current_setting('app.identity_token_hash', true), ''))
      with check (upload_token_hash = nullif(current_setting('app.identity_token_hash', true), ''));
    -- B-14: screening a new order opens a check for the customer, acting for the order's organization.
    create policy order_screening on identity_checks for insert
      with check (reason = 'suspicious_order' and exists (select 1 from memberships m
        where m.user_id = identity_checks.user_id and m.org_id = any((select app_org_ids())::uuid[])));
    create policy order_screening_read on identity_checks for select
      using (reason = 'suspicious_order' and exists (select 1 from order_blocks b where b.identity_check_id = identity_checks.id));
    create policy order_screening_relink on identity_checks for update
      using (reason = 'suspicious_order' and status = 'requested' and exists (select 1 from order_blocks b where b.identity_check_id = identity_checks.id))
      with check (reason = 'suspicious_order' and status = 'requested');
    create policy purge on identity_checks using ((select app_job()) = 'identity-documents') with check ((select app_job()) = 'identity-documents');

    -- S-2: an agent reads the name and organization of a product under a live grant (the
    -- domain checks the grant fully, including its end, before using it).
    create policy support_grant_read on products for select
      using ((select app_staff_role()) = 'support_agent' and exists (select 1 from support_grants g
        where g.product_id = products.id and g.revoked_at is null and g.closed_at is null));

    -- B-14: the daily job finds held orders past their 10 days (it then acts for each organization).
    create policy held_orders_job on order_blocks for select using ((select app_job()) = 'held-orders');

    -- K-3: staff handling a check see the order block it belongs to (to release it).
    create policy identity_staff_read on order_blocks for select
      using ((select app_staff_role()) in ('support_agent', 'administrator'));

    -- K-4: the open request goes to the active support agent with the fewest open requests
    -- (ties: the longest-serving agent). Only the agent's id comes out.
    create function portal_pick_support_agent() returns uuid
    language plpgsql volatile security definer set search_path = public, pg_temp as $$
    declare
      v_prev_job text := coalesce(current_setting('app.job', true), '');
      v_agent uuid;
    begin
      perform set_config('app.job', 'support-assign', true);
      select s.id into v_agent
        from staff_accounts s
        left join support_requests r on r.assigned_staff_id = s.id and r.status = 'open'
        where s.role = 'support_agent' and s.disabled_at is null
        group by s.id, s.created_at
        order by count(r.id), s.created_at, s.id
        limit 1;
      perform set_config('app.job', v_prev_job, true);
      return v_agent;
    end $$;
    revoke all on function portal_pick_support_agent() from public;
    grant execute on function portal_pick_support_agent() to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
