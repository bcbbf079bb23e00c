import { enqueue } from "../../jobs.server";
import type { Tx } from "../tx.server";

export interface OutgoingMail {
  orgId?: string | null;
  to: string;
  subject: string;
  text: string;
  kind: string;
}

/** Queues a mail in the outbox, in the caller's transaction; delivery starts after commit. */
export async function queueMail(trx: Tx, mail: OutgoingMail): Promise<string> {
  const row = await trx
    .insertInto("email_outbox")
    .values({
      org_id: mail.orgId ?? null,
      to_address: mail.to,
      subject: mail.subject,
      body_text: mail.text,
      kind: mail.kind,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  trx.onCommit(() => enqueue("deliver-email", { outboxId: row.id }, `email-${row.id}`));
  return row.id;
}
