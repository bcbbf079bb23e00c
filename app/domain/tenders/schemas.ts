import { z } from "zod";
import { CURRENCIES } from "../billing/money";
import { parseAmount } from "../billing/payment-rules";
import { CONTENT_LANGUAGES, isRegion, TENDER_CATEGORIES } from "./catalog";

// The forms of tenders and proposals (T-1, T-2). Every field has a maximum length; the
// database repeats the limits as check constraints.
export const LIMITS = { title: 120, description: 5000, email: 254, body: 5000, timeline: 200, amount: 12 } as const;

const text = (max: number, min = 1) =>
  z
    .string({ message: "errors.required" })
    .trim()
    .min(1, "errors.required")
    .min(min, "tenders.errors.tooShort")
    .max(max, "errors.tooLong");

const amount = z
  .string({ message: "errors.required" })
  .trim()
  .min(1, "errors.required")
  .max(LIMITS.amount, "errors.tooLong")
  .transform((v, ctx) => {
    const minor = parseAmount(v.replace(/['’\s]/g, ""));
    if (minor === null) {
      ctx.addIssue({ code: "custom", message: "tenders.errors.amount" });
      return z.NEVER;
    }
    return minor;
  });

const categories = z.array(z.enum(TENDER_CATEGORIES, { message: "errors.invalid" }), { message: "tenders.errors.categories" }).min(1, "tenders.errors.categories").max(TENDER_CATEGORIES.length);

export const emailField = z.string({ message: "errors.required" }).trim().toLowerCase().min(1, "errors.required").max(LIMITS.email, "errors.tooLong").email("errors.email");

export const tenderSchema = z
  .object({
    title: text(LIMITS.title, 3),
    description: text(LIMITS.description, 20),
    categories,
    budgetMin: amount,
    budgetMax: amount,
    currency: z.enum(CURRENCIES, { message: "errors.invalid" }),
    region: z.string({ message: "errors.required" }).trim().refine(isRegion, "errors.invalid"),
    language: z.enum(CONTENT_LANGUAGES, { message: "errors.invalid" }),
    deadline: z.string({ message: "errors.required" }).trim().regex(/^\d{4}-\d{2}-\d{2}$/, "tenders.errors.deadline"),
  })
  .refine((v) => v.budgetMax >= v.budgetMin, { path: ["budgetMax"], message: "tenders.errors.budgetRange" });
export type TenderInput = z.infer<typeof tenderSchema>;

/** The public form adds the contact e-mail and the honeypot (a field people never see). */
export const publicTenderSchema = z.object({
  contactEmail: emailField,
  website: z.string().max(500).optional().default(""),
});

export const proposalSchema = z
  .object({
    body: text(LIMITS.body, 20),
    priceMin: amount,
    priceMax: amount,
    timeline: text(LIMITS.timeline),
  })
  .refine((v) => v.priceMax >= v.priceMin, { path: ["priceMax"], message: "tenders.errors.budgetRange" });
export type ProposalInput = z.infer<typeof proposalSchema>;

export const alertsSchema = z.object({
  enabled: z.string().max(3).optional(),
  categories: z.array(z.enum(TENDER_CATEGORIES, { message: "errors.invalid" })).max(TENDER_CATEGORIES.length).default([]),
  regions: z.array(z.string().refine(isRegion, "errors.invalid")).max(60).default([]),
  email: emailField,
});
export type AlertsInput = z.infer<typeof alertsSchema>;

export const decisionSchema = z.object({
  proposalId: z.string().uuid("errors.invalid"),
  confirm: z.literal("yes", { message: "orgadmin.confirmRequired" }),
});
export const withdrawSchema = z.object({ confirm: z.literal("yes", { message: "orgadmin.confirmRequired" }) });
