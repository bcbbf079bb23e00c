import type { Database } from "../../db/client";
import { enqueue } from "../../app/jobs.server";
import { addMs, now } from "../../app/lib/clock";

/** Re-enqueues mails whose wake-up was lost (e.g. the process died right after commit). */
export async function sweepOutbox(db: Database): Promise<number> {
  const stale = await db
    .selectFrom("email_outbox")
    .select("id")
    .where("sent_at", "is", null)
    .where("attempts", "<", 10)
    .where("created_at", "<", addMs(now(), -60_000))
    .orderBy("created_at")
    .limit(500)
    .execute();
  for (const { id } of stale) await enqueue("deliver-email", { outboxId: id }, `email-${id}`);
  return stale.length;
}
