import nodemailer, { type Transporter } from "nodemailer";
import type { Database } from "../../db/client";
import { config } from "../../app/config.server";
import { now } from "../../app/lib/clock";
import type { JobPayload } from "../queues";

let transport: Transporter | undefined;
let transportUrl: string | undefined;

function smtp(): Transporter | undefined {
  const url = config.smtpUrl;
  if (!url) return undefined;
  if (!transport || transportUrl !== url) {
    transport = nodemailer.createTransport(url);
    transportUrl = url;
  }
  return transport;
}

/**
 * Sends one outbox mail. Idempotent: a mail already sent is skipped. Without SMTP_URL
 * (the embedded demo) the mail stays readable on the local mail page and is marked sent.
 */
export async function deliverEmail(db: Database, { outboxId }: JobPayload<"deliver-email">): Promise<void> {
  const mail = await db.selectFrom("email_outbox").selectAll().where("id", "=", outboxId).executeTakeFirst();
  if (!mail || mail.sent_at) return;
  const transporter = smtp();
  try {
    if (transporter) {
      await transporter.sendMail({
        from: config.mailFrom,
        to: mail.to_address,
        subject: mail.subject,
        text: mail.body_text,
        headers: { "X-Portal-Mail-Id": mail.id, "X-Portal-Mail-Kind": mail.kind },
      });
    }
    await db
      .updateTable("email_outbox")
      .set({ sent_at: now(), attempts: mail.attempts + 1, last_error: null })
      .where("id", "=", mail.id)
      .where("sent_at", "is", null)
      .execute();
  } catch (err) {
    await db
      .updateTable("email_outbox")
      .set({ attempts: mail.attempts + 1, last_error: String(err).slice(0, 1000) })
      .where("id", "=", mail.id)
      .execute();
    throw err;
  }
}
