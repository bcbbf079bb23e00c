import { sql } from "kysely";
import type { Database } from "../../db/client";
import { asJob } from "../../app/domain/jobs/as-job.server";
import { enqueueBulk } from "../../app/jobs.server";
import type { Tx } from "../../app/domain/tx.server";
import { now } from "../../app/lib/clock";
import {
  BILLING_TIME_ZONE,
  billingDay,
  CHARGE_ATTEMPT_DAYS_BEFORE_EXPIRY,
  FIRST_CHARGE_DAYS_BEFORE_EXPIRY,
} from "../../app/domain/billing/renewal-rules";

export interface RenewalAttempt {
  id: string;
  orgId: string;
  productId: string;
  /** The expiry being renewed. */
  periodExpiresAt: Date;
  /** The attempt's calendar day in the billing time zone, `YYYY-MM-DD`. */
  attemptDay: string;
  daysBeforeExpiry: number;
}

/**
 * B-4: records today's charge attempts of auto-renewals. A product is due when auto-renewal
 * is on, its expiry is 14 days or less away (calendar days in Zurich), today is one of its
 * charge days (14, then the retries 10, 7, 3 and 1 days before expiry), its period has not
 * been renewed yet and it has no attempt for this period today. One statement finds and
 * inserts them; the unique key (product, period, day) makes a second run on the same day
 * record nothing. Returns the attempts recorded by this run, status `queued`.
 *
 * The charge itself (prepaid first, then the saved method; invoice, extended expiry and
 * mail on success, mail on failure) is the `renew-product` job: the daily job enqueues one
 * per attempt recorded here (renewalSweep).
 */
export async function recordDueRenewals(db: Database, at: Date = now()): Promise<{ day: string; attempts: RenewalAttempt[] }> {
  const day = billingDay(at);
  const rows = await asJob(db, "renewals", (trx) => insertDueAttempts(trx, day, at).execute());
  return {
    day,
    attempts: rows.map((r) => ({
      id: r.id,
      orgId: r.org_id,
      productId: r.product_id,
      periodExpiresAt: r.period_expires_at,
      attemptDay: r.attempt_day,
      daysBeforeExpiry: r.days_before_expiry,
    })),
  };
}

/** B-4: the products due for a charge attempt on `day` (a calendar day in the billing time zone). */
export function dueRenewals(trx: Tx, day: string) {
  const tz = BILLING_TIME_ZONE;
  const daysBefore = sql<number>`((p.expires_at at time zone ${tz})::date - ${day}::date)`;
  return (
    trx
      .selectFrom("products as p")
      .where("p.auto_renew", "=", true)
      // A range on the expiry, so the partial index (expires_at) where auto_renew is used.
      .where("p.expires_at", ">=", sql<Date>`(${day}::date + 1)::timestamp at time zone ${tz}`)
      .where("p.expires_at", "<", sql<Date>`(${day}::date + ${sql.lit(FIRST_CHARGE_DAYS_BEFORE_EXPIRY + 1)})::timestamp at time zone ${tz}`)
      .where(daysBefore, "in", [...CHARGE_ATTEMPT_DAYS_BEFORE_EXPIRY])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("renewal_attempts as a")
              .select(sql`1`.as("one"))
              .whereRef("a.product_id", "=", "p.id")
              .whereRef("a.period_expires_at", "=", "p.expires_at")
              .where("a.status", "=", "succeeded"),
          ),
        ),
      )
  );
}

/** The sweep's one statement: records today's due attempts, skipping those already recorded. */
export function insertDueAttempts(trx: Tx, day: string, at: Date) {
  return trx
    .insertInto("renewal_attempts")
    .columns(["org_id", "product_id", "period_expires_at", "attempt_day", "status", "created_at"])
    .expression(
      dueRenewals(trx, day).select([
        "p.org_id",
        "p.id",
        "p.expires_at",
        sql<string>`${day}::date`.as("attempt_day"),
        sql<string>`'queued'`.as("status"),
        sql<Date>`${at}::timestamptz`.as("created_at"),
      ]),
    )
    .onConflict((oc) => oc.columns(["product_id", "period_expires_at", "attempt_day"]).doNothing())
    .returning([
      "id",
      "org_id",
      "product_id",
      "period_expires_at",
      sql<string>`attempt_day::text`.as("attempt_day"),
      sql<number>`(period_expires_at at time zone ${BILLING_TIME_ZONE})::date - attempt_day`.as("days_before_expiry"),
    ]);
}

/**
 * The daily `renewal-sweep` job: records today's attempts, enqueues one `renew-product` job
 * per attempt (in one round trip; the job id `renew-<attempt>` is deterministic, so a
 * job is never queued twice) and says how many it recorded.
 */
export async function renewalSweep(db: Database): Promise<{ day: string; recorded: number }> {
  const { day, attempts } = await recordDueRenewals(db);
  await enqueueBulk(
    "renew-product",
    attempts.map((a) => ({ payload: { attemptId: a.id }, jobId: `renew-${a.id}` })),
  );
  return { day, recorded: attempts.length };
}
