import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// The foundation: accounts, organizations, memberships, teams, products and their
// permissions, invitations, sessions, reset tokens, staff, the audit log and the mail outbox.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null check (email = lower(email) and position('@' in email) > 1),
      name text not null check (length(name) between 1 and 200),
      password_hash text not null,
      locale text not null default 'de' check (locale in ('de', 'fr', 'en', 'it')),
      last_org_id uuid,
      created_at timestamptz not null default now(),
      password_changed_at timestamptz not null default now()
    );
    create unique index users_email_key on users (email);

    create table organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      legal_form text,
      street text,
      postal_code text,
      city text,
      country text not null default 'CH' check (length(country) = 2),
      registry_id text,
      currency text not null default 'CHF' check (currency in ('CHF', 'EUR')),
      -- O-3: exactly one legal representative, who must be a member (FK below).
      legal_rep_user_id uuid not null,
      created_at timestamptz not null default now()
    );

    create table memberships (
      org_id uuid not null references organizations (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      -- The legal representative is organizations.legal_rep_user_id; their row says admin.
      role text not null check (role in ('admin', 'restricted')),
      created_at timestamptz not null default now(),
      primary key (org_id, user_id)
    );
    create index memberships_user_idx on memberships (user_id);

    -- O-3/O-5: the representative is always a member; their membership cannot be deleted
    -- while they hold the role. Deferred so an organization and its first member are
    -- created in one transaction.
    alter table organizations add constraint organizations_legal_rep_fk
      foreign key (id, legal_rep_user_id) references memberships (org_id, user_id)
      deferrable initially deferred;

    create table teams (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      created_at timestamptz not null default now(),
      unique (org_id, id)
    );
    create unique index teams_org_name_key on teams (org_id, lower(name));

    create table team_members (
      org_id uuid not null,
      team_id uuid not null,
      user_id uuid not null,
      primary key (team_id, user_id),
      foreign key (org_id, team_id) references teams (org_id, id) on delete cascade,
      foreign key (org_id, user_id) references memberships (org_id, user_id) on delete cascade
    );
    create index team_members_user_idx on team_members (org_id, user_id);

    create table products (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      type text not null check (type in ('domain', 'hosting', 'mail', 'storage', 'chat')),
      name text not null check (length(name) between 1 and 253),
      created_at timestamptz not null default now(),
      unique (org_id, id)
    );

    -- O-4/O-7: per product, for a user or for a team; no row means no access.
    create table product_permissions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      product_id uuid not null,
      user_id uuid,
      team_id uuid,
      level text not null check (level in ('read', 'manage')),
      check ((user_id is null) <> (team_id is null)),
      foreign key (org_id, product_id) references products (org_id, id) on delete cascade,
      foreign key (org_id, user_id) references memberships (org_id, user_id) on delete cascade,
      foreign key (org_id, team_id) references teams (org_id, id) on delete cascade
    );
    create unique index product_permissions_user_key on product_permissions (product_id, user_id) where user_id is not null;
    create unique index product_permissions_team_key on product_permissions (product_id, team_id) where team_id is not null;
    create index product_permissions_org_idx on product_permissions (org_id);

    -- O-9: mailboxes of a mail product, each with its own password.
    create table mailboxes (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      product_id uuid not null,
      address text not null check (address = lower(address) and position('@' in address) > 1),
      password_hash text not null,
      created_at timestamptz not null default now(),
      foreign key (org_id, product_id) references products (org_id, id) on delete cascade,
      unique (org_id, id)
    );
    create unique index mailboxes_address_key on mailboxes (address);

    -- Which portal accounts open a mailbox in webmail.
    create table mailbox_webmail_users (
      org_id uuid not null,
      mailbox_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      primary key (mailbox_id, user_id),
      foreign key (org_id, mailbox_id) references mailboxes (org_id, id) on delete cascade
    );

    create table invitations (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      email text not null check (email = lower(email)),
      role text not null check (role in ('admin', 'restricted')),
      -- { productId: 'read' | 'manage' } and team ids, applied on acceptance.
      permissions jsonb not null default '{}'::jsonb,
      team_ids jsonb not null default '[]'::jsonb,
      token_hash text not null unique,
      invited_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      revoked_at timestamptz
    );
    create unique index invitations_open_key on invitations (org_id, email) where accepted_at is null and revoked_at is null;

    -- O-6: hand-over of the legal representative role.
    create table legal_rep_transfers (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      from_user_id uuid not null references users (id),
      to_user_id uuid not null references users (id),
      state text not null default 'pending' check (state in ('pending', 'accepted', 'declined', 'cancelled')),
      created_at timestamptz not null default now(),
      decided_at timestamptz
    );
    create unique index legal_rep_transfers_pending_key on legal_rep_transfers (org_id) where state = 'pending';

    create table staff_accounts (
      id uuid primary key default gen_random_uuid(),
      email text not null check (email = lower(email)),
      name text not null,
      password_hash text not null,
      role text not null check (role in ('support_agent', 'billing_agent', 'partner_manager', 'administrator')),
      created_at timestamptz not null default now(),
      disabled_at timestamptz
    );
    create unique index staff_accounts_email_key on staff_accounts (email);

    create table sessions (
      id uuid primary key default gen_random_uuid(),
      token_hash text not null unique,
      user_id uuid references users (id) on delete cascade,
      staff_id uuid references staff_accounts (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      user_agent text,
      ip text,
      check ((user_id is null) <> (staff_id is null))
    );
    create index sessions_user_idx on sessions (user_id);
    create index sessions_expires_idx on sessions (expires_at);

    create table password_reset_tokens (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );

    -- K-1: append-only; the trigger below refuses UPDATE, DELETE and TRUNCATE.
    create table audit_log (
      id bigserial primary key,
      org_id uuid,
      actor_user_id uuid,
      actor_staff_id uuid,
      action text not null,
      target_type text,
      target_id text,
      data jsonb not null default '{}'::jsonb,
      ip text,
      created_at timestamptz not null default now()
    );
    create index audit_log_org_idx on audit_log (org_id, id desc);

    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only' using errcode = 'insufficient_privilege';
    end $$;
    create trigger audit_log_no_update before update or delete on audit_log
      for each row execute function audit_log_append_only();
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_append_only();

    create table email_outbox (
      id uuid primary key default gen_random_uuid(),
      org_id uuid,
      to_address text not null,
      subject text not null,
      body_text text not null,
      kind text not null,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      attempts integer not null default 0,
      last_error text
    );
    create index email_outbox_unsent_idx on email_outbox (created_at) where sent_at is null;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
