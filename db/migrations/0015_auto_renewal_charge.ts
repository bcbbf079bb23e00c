import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// Issue 5, the auto-renewal charge (B-4, B-9): the `renew-product` job charges one queued
// renewal attempt (prepaid first, the rest to the product's saved method off-session), and
// the gateway's signed webhook settles it.
//
// renewal_attempts gains
//   - the statuses `charging` (the saved method was charged, its webhook is awaited) and
//     `skipped` (nothing to charge: renewed meanwhile, auto-renewal switched off);
//   - order_id: the renewal order the attempt opened, which is how the webhook finds it;
//   - failure_reason: why the charge failed (said in the mail).
// renewal_attempts_one_charge_idx: at most one attempt per product and period is charging or
//   has succeeded, so neither a second run on the same day nor a retry while a charge still
//   awaits its webhook can charge anyone twice, whatever the job does.
//
// Row-level security: no job-wide policy is added on the money tables. The job reads and
// updates its attempt through the `renewals` job policies of 0014, then, inside the same
// transaction, acts for that attempt's organization only (`app.org_ids` = the product's
// org), so the tenant policies let it read the product, org and saved method and write the
// order, payments, prepaid ledger, invoice, audit entries and mail of that organization and
// no other. The webhook acts for its signed organization the same way and so may update
// that organization's attempts.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    alter table renewal_attempts drop constraint renewal_attempts_status_check;
    alter table renewal_attempts add constraint renewal_attempts_status_check
      check (status in ('queued', 'charging', 'succeeded', 'failed', 'skipped'));
    alter table renewal_attempts add column order_id uuid references orders (id) on delete set null;
    alter table renewal_attempts add column failure_reason text;
    create unique index renewal_attempts_order_idx on renewal_attempts (order_id) where order_id is not null;
    create unique index renewal_attempts_one_charge_idx on renewal_attempts (product_id, period_expires_at)
      where status in ('charging', 'succeeded');
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
