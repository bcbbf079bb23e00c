import { config } from "../../config.server";
import { pageCount } from "../../lib/paging";
import { asJob } from "../jobs/as-job.server";
import type { Handle } from "../tx.server";

// Read through an alias: the server build replaces `process.env.NODE_ENV` with the mode it
// was built in (always production), but this decision depends on how the process was started.
const runtimeEnv = process.env;

/**
 * The local mailbox page shows every mail of the outbox, reset links included, to anyone who
 * can open it. So it exists only where mails cannot leave the machine (no SMTP_URL) AND the
 * installation is not a real production one (development, tests, or the embedded demo with
 * DEMO=1). A production server without SMTP_URL answers 404 instead of exposing the mails.
 */
export function devMailboxEnabled(): boolean {
  if (config.smtpUrl) return false;
  return runtimeEnv.NODE_ENV !== "production" || runtimeEnv.DEMO === "1";
}

export const DEV_MAILS_PER_PAGE = 20;

/** The outbox, newest first, one page at a time (read as the mailer, across organizations). */
export async function listOutbox(db: Handle, page: number) {
  return asJob(db, "mail", async (trx) => {
    const { n } = await trx
      .selectFrom("email_outbox")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    const total = Number(n);
    const pages = pageCount(total, DEV_MAILS_PER_PAGE);
    const current = Math.min(Math.max(1, Math.floor(page)), pages);
    const mails = await trx
      .selectFrom("email_outbox")
      .select(["id", "to_address", "subject", "body_text", "created_at", "sent_at"])
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(DEV_MAILS_PER_PAGE)
      .offset((current - 1) * DEV_MAILS_PER_PAGE)
      .execute();
    return { mails, total, page: current, pages };
  });
}
