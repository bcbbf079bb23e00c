import { randomUUID } from "node:crypto";
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
  // The id is made here, not returned by the insert: an account mail (no organization) is
  // not readable by the request that queues it under row-level security, only by the mailer.
  const row = { id: randomUUID() };
  await trx
    .insertInto("email_outbox")
    .values({
      id: row.id,
      org_id: mail.orgId ?? null,
      to_address: mail.to,
      subject: mail.subject,
      body_text: mail.text,
      kind: mail.kind,
    })
    .execute();
  trx.onCommit(() => enqueue("deliver-email", { outboxId: row.id }, `email-${row.id}`));
  return row.id;
}
