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
  // S-1: grants close after 7 days (the check refuses an expired grant even before this runs).
  { name: "close-support-grants", everyMs: 15 * 60 * 1000 },
  // S-5: documents of checks not handled within 72 hours are deleted.
  { name: "purge-identity-documents", everyMs: 15 * 60 * 1000 },
  // B-14: held orders without a reaction within 10 days are cancelled and refunded.
  { name: "cancel-held-orders", everyMs: 60 * 60 * 1000 },
];
