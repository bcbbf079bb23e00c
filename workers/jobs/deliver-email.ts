import nodemailer, { type Transporter } from "nodemailer";
import type { Database } from "../../db/client";
import { config } from "../../app/config.server";
import { asJob } from "../../app/domain/jobs/as-job.server";
import { now } from "../../app/lib/clock";
import type { JobPayload } from "../queues";

let transport: Transporter | undefined;
let transportUrl: string | undefined;

function smtp(): Transporter | undefined {
  const url = config.smtpUrl;
  if (!url) return undefined;
  if (!transport || transportUrl !== url) {
    transport?.close();
    // Bounded waits: a hanging SMTP server fails the attempt (BullMQ retries it) instead of
    // holding the outbox row's lock forever.
    transport = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
    transportUrl = url;
  }
  return transport;
}

export type DeliveryResult = "sent" | "kept-local" | "skipped";

/**
 * Sends one outbox mail. Idempotent: the row is locked while it is sent and marked sent in
 * the same transaction, so a second run (a retry, the sweep, a duplicate job) finds it sent
 * or locked and skips it; an unknown id does nothing. Without SMTP_URL (the embedded demo)
 * the mail stays readable on the local mail page and is marked sent. (On PGlite, one
 * connection, the lock briefly holds other queries back while the SMTP exchange runs.)
 */
export async function deliverEmail(db: Database, { outboxId }: JobPayload<"deliver-email">): Promise<DeliveryResult> {
  try {
    return await asJob(db, "mail", async (trx) => {
      const mail = await trx
        .selectFrom("email_outbox")
        .selectAll()
        .where("id", "=", outboxId)
        .where("sent_at", "is", null)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!mail) return "skipped";
      const transporter = smtp();
      if (transporter) {
        await transporter.sendMail({
          from: config.mailFrom,
          to: mail.to_address,
          subject: mail.subject,
          text: mail.body_text,
          // A stable Message-ID lets receiving servers drop a copy sent twice after a crash.
          messageId: `<${mail.id}@portal.mail>`,
          headers: { "X-Portal-Mail-Kind": mail.kind },
        });
      }
      await trx
        .updateTable("email_outbox")
        .set({ sent_at: now(), attempts: mail.attempts + 1, last_error: null })
        .where("id", "=", mail.id)
        .execute();
      return transporter ? "sent" : "kept-local";
    });
  } catch (err) {
    await asJob(db, "mail", (trx) =>
      trx
        .updateTable("email_outbox")
        .set((eb) => ({ attempts: eb("attempts", "+", 1), last_error: String(err).slice(0, 1000) }))
        .where("id", "=", outboxId)
        .where("sent_at", "is", null)
        .execute(),
    );
    throw err;
  }
}
