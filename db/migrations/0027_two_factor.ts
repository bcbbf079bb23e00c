import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 9, S-3 and S-4: two-factor authentication for customer and staff accounts.
//
// - two_factor_credentials: one TOTP secret per account, AES-256-GCM encrypted by the portal
//   with a key from its configuration (TWO_FACTOR_ENCRYPTION_KEY), never stored in clear.
//   `confirmed_at` is null while an enrolment waits for its first code; `last_used_step` is
//   the RFC 6238 time step of the last accepted code, so no code is accepted twice.
// - two_factor_recovery_codes: the 10 emergency codes (S-4), SHA-256 of 80-bit random codes;
//   each is used once (`used_at`), regenerating deletes the old set.
// - two_factor_challenges: a sign-in that passed the password and waits for its second factor
//   (or, for staff without 2FA, for their enrolment). Not a session: its token (in a short-
//   lived cookie) can only be exchanged for one, once. It also carries the approval prompt
//   asked of an already trusted session of the same account.
// - sessions.two_factor_at: when the session passed a second factor (the "trusted device"
//   that may approve a new sign-in); back-office sessions must have it.
//
// No org_id anywhere: these are account data, like users and sessions, read by the sign-in
// before any organization is known. Staff sessions made before this migration lack a second
// factor and are ended, so every staff member signs in (and enrols) again.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create table two_factor_credentials (
      id uuid primary key default gen_random_uuid(),
      user_id uuid unique references users (id) on delete cascade,
      staff_id uuid unique references staff_accounts (id) on delete cascade,
      secret_encrypted text not null,
      confirmed_at timestamptz,
      last_used_step bigint,
      created_at timestamptz not null,
      check ((user_id is null) <> (staff_id is null))
    );

    create table two_factor_recovery_codes (
      id uuid primary key default gen_random_uuid(),
      credential_id uuid not null references two_factor_credentials (id) on delete cascade,
      code_hash text not null,
      created_at timestamptz not null,
      used_at timestamptz,
      unique (credential_id, code_hash)
    );

    create table two_factor_challenges (
      id uuid primary key default gen_random_uuid(),
      token_hash text not null unique,
      purpose text not null check (purpose in ('verify', 'enrol')),
      user_id uuid references users (id) on delete cascade,
      staff_id uuid references staff_accounts (id) on delete cascade,
      redirect_to text,
      user_agent text,
      ip text,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      consumed_at timestamptz,
      approval_requests integer not null default 0,
      approval_requested_at timestamptz,
      approval_decision text check (approval_decision in ('approved', 'refused')),
      approval_decided_at timestamptz,
      approval_session_id uuid references sessions (id) on delete set null,
      check ((user_id is null) <> (staff_id is null))
    );
    create index two_factor_challenges_user_idx on two_factor_challenges (user_id, approval_requested_at)
      where consumed_at is null;
    create index two_factor_challenges_expires_idx on two_factor_challenges (expires_at);

    alter table sessions add column two_factor_at timestamptz;
    delete from sessions where staff_id is not null;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
