import { z } from "zod";

// Queue names and each job's payload, in one place. Payloads carry ids, never data or secrets.
export const QUEUE = "portal";

export const jobPayloads = {
  "deliver-email": z.object({ outboxId: z.string().uuid() }),
  "purge-expired": z.object({}),
  "sweep-outbox": z.object({}),
  "renewal-sweep": z.object({}),
  "renew-product": z.object({ attemptId: z.string().uuid() }),
  "check-partner-website": z.object({ applicationId: z.string().uuid() }),
  // P-9: the monthly cashback; the daily sweep enqueues one job per partner and month.
  "partner-cashback-sweep": z.object({}),
  "partner-cashback": z.object({ orgId: z.string().uuid(), month: z.string().regex(/^\d{4}-\d{2}-01$/) }),
  // P-2 yearly: the daily sweep enqueues one re-check per partner and year.
  "partner-eligibility-sweep": z.object({}),
  "partner-eligibility": z.object({ orgId: z.string().uuid() }),
  "delegation-sweep": z.object({}),
  // C-6: a partner's export of its clients' billing data, and the 7-day expiry of the files.
  "client-export": z.object({ exportId: z.string().uuid() }),
  "expire-client-exports": z.object({}),
  "close-tenders": z.object({}),
  "tender-digest": z.object({}),
  "close-support-grants": z.object({}),
  "purge-identity-documents": z.object({}),
  "cancel-held-orders": z.object({}),
} as const;

export type JobName = keyof typeof jobPayloads;
export type JobPayload<N extends JobName> = z.infer<(typeof jobPayloads)[N]>;

/** Repeating work, run by job schedulers (BullMQ) or timers (in-process). */
export const schedules: Array<{ name: JobName; everyMs: number }> = [
  { name: "purge-expired", everyMs: 60 * 60 * 1000 },
  { name: "sweep-outbox", everyMs: 60 * 1000 },
  // B-4: daily; idempotent per day, so a run after a restart records nothing twice.
  { name: "renewal-sweep", everyMs: 24 * 60 * 60 * 1000 },
  // P-9: daily, for the previous month; job ids per partner and month and the unique
  // statement make every run after the first of a month change nothing.
  { name: "partner-cashback-sweep", everyMs: 24 * 60 * 60 * 1000 },
  { name: "partner-eligibility-sweep", everyMs: 24 * 60 * 60 * 1000 },
  // C-1/C-3: expired requests, delegations past their end date, end-date warnings; idempotent.
  { name: "delegation-sweep", everyMs: 60 * 60 * 1000 },
  // C-6: exports are kept 7 days; hourly is close enough.
  { name: "expire-client-exports", everyMs: 60 * 60 * 1000 },
  // T-2: tenders close at their deadline (the answer check refuses late answers meanwhile).
  { name: "close-tenders", everyMs: 15 * 60 * 1000 },
  // T-2: one digest per partner and day (tender_digests' key), whatever the run count.
  { name: "tender-digest", everyMs: 24 * 60 * 60 * 1000 },
  // S-1: grants close after 7 days (the check refuses an expired grant even before this runs).
  { name: "close-support-grants", everyMs: 15 * 60 * 1000 },
  // S-5: documents of checks not handled within 72 hours are deleted.
  { name: "purge-identity-documents", everyMs: 15 * 60 * 1000 },
  // B-14: held orders without a reaction within 10 days are cancelled and refunded.
  { name: "cancel-held-orders", everyMs: 60 * 60 * 1000 },
];
