import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 7, C-1: a partner adds a client by creating a new organization for it.
//
// An organization needs its legal representative from the start (0001), so the partner's
// request waits here until the invited person accepts: client_creations (org_id = the
// PARTNER) holds the organization's name, country, currency, the language of the mail and of
// the new account, the representative's name and e-mail, and the access asked (full, with or
// without billing: a new organization has no products to limit access to). The mail carries a
// single-use token (only its hash is stored). Acceptance creates, in one transaction, the
// organization (the person as legal representative and member) and the active link.
//
// Row-level security: the partner's rows by the tenant policy; the acceptance page reads and
// answers exactly the row whose token it was given (app.client_creation_token_hash), as the
// member invitations do with app.invitation_token_hash (0010).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table client_creations (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      org_name text not null check (length(org_name) between 1 and 200),
      country text not null check (country ~ '^[A-Z]{2}$'),
      currency text not null check (currency in ('CHF', 'EUR')),
      locale text not null check (locale in ('de', 'fr', 'en')),
      rep_name text not null check (length(rep_name) between 1 and 200),
      email text not null,
      billing boolean not null default false,
      token_hash text not null unique,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by uuid references users (id) on delete set null,
      client_org_id uuid references organizations (id) on delete set null,
      revoked_at timestamptz,
      check (accepted_at is null or revoked_at is null)
    );
    create index client_creations_open_idx on client_creations (org_id, created_at desc)
      where accepted_at is null and revoked_at is null;
    select portal_enable_tenant_rls('client_creations');
    create policy by_token on client_creations for select
      using (token_hash = nullif(current_setting('app.client_creation_token_hash', true), ''));
    create policy answer_by_token on client_creations for update
      using (token_hash = nullif(current_setting('app.client_creation_token_hash', true), ''))
      with check (token_hash = nullif(current_setting('app.client_creation_token_hash', true), ''));
    `,
  );
}
