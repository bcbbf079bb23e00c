import { transaction, type Handle, type Tx } from "../tx.server";

/** The system work that acts for no organization: delivering the outbox, purging expired rows, the renewal sweep. */
export type SystemJob =
  | "mail"
  | "purge"
  | "renewals"
  | "partner-website"
  | "partner-cashback"
  | "partner-eligibility"
  | "delegations"
  | "tenders"
  | "support-grants"
  | "identity-documents"
  | "held-orders";

/**
 * One transaction that says which system job it runs (`app.job`, transaction-scoped), so
 * row-level security policies can let exactly that job through (e.g. the mailer reading
 * and marking any outbox row) while tenant requests keep seeing their own rows only.
 */
export async function asJob<T>(db: Handle, job: SystemJob, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return transaction(db, fn, { "app.job": job });
}
