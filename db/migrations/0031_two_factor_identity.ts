import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 9 (S-3, S-5): whoever lost their second factor asks for an identity check with the
// reason disable_2fa themselves (after the password step, or signed in). At most one such
// check is open per account (the index decides a race). The user may open it and, while its
// documents are not sent yet, have its expired upload link renewed; nothing else.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    create unique index identity_checks_one_open_2fa on identity_checks (user_id)
      where reason = 'disable_2fa' and status in ('requested', 'submitted');

    create policy own_disable_2fa_request on identity_checks for insert
      with check (reason = 'disable_2fa' and status = 'requested' and requested_by_staff_id is null
        and user_id = (select app_user_id()));
    create policy own_disable_2fa_relink on identity_checks for update
      using (reason = 'disable_2fa' and status = 'requested' and user_id = (select app_user_id()))
      with check (reason = 'disable_2fa' and status = 'requested' and user_id = (select app_user_id()));
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
