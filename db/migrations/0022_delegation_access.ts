import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issues 6 and 7 (C-3, C-5, P-9): what a partner–client link lets the partner do.
// `access` is full (the whole account) or limited (only the products the client picks, see the
// clients issue); `billing_access` is the separate choice on top of full access. Existing links
// were accepted as "manage my account" requests, so they become full access without billing.
// Only a client that gave full access can be billed through the partner: enforced here too.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table partner_client_links
      add column access text not null default 'full' check (access in ('full', 'limited')),
      add column billing_access boolean not null default false,
      add constraint partner_client_links_billing_needs_full check (not billing_access or access = 'full'),
      add constraint partner_client_links_partner_pays_needs_full check (payer = 'client' or access = 'full');
    `,
  );
}
