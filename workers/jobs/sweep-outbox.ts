import type { Database } from "../../db/client";
import { enqueue } from "../../app/jobs.server";
import { asJob } from "../../app/domain/jobs/as-job.server";
import { addMs, now } from "../../app/lib/clock";

/**
 * Re-enqueues mails whose wake-up was lost (the process died right after commit) or whose
 * job gave up. The job id names the attempt: BullMQ keeps finished jobs for a while and
 * ignores a new job with the id of a kept one, which would block the retry.
 */
export async function sweepOutbox(db: Database): Promise<number> {
  const stale = await asJob(db, "mail", (trx) =>
    trx
      .selectFrom("email_outbox")
      .select(["id", "attempts"])
      .where("sent_at", "is", null)
      .where("attempts", "<", 10)
      .where("created_at", "<", addMs(now(), -60_000))
      .orderBy("created_at")
      .limit(500)
      .execute(),
  );
  for (const { id, attempts } of stale) await enqueue("deliver-email", { outboxId: id }, `email-${id}-retry${attempts}`);
  return stale.length;
}
