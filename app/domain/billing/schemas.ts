import { z } from "zod";
import { PAY_METHODS, TOPUP_METHODS } from "./payment-rules";
import { AUTO_RENEW_METHODS } from "./renewal-rules";

// The forms of the "to pay" list (B-3, B-5, B-13).
export const toPayScopeSchema = z.enum(["2months", "all"]).catch("2months");

const methodField = z.enum(AUTO_RENEW_METHODS, { message: "billing.errors.method" });
const productIdField = z.string({ message: "errors.required" }).min(1, "errors.required");

export const renewalPeriodSchema = z.object({
  productId: productIdField,
  months: z.coerce.number({ message: "billing.errors.periodNotAllowed" }).int("billing.errors.periodNotAllowed"),
});

export const autoRenewOnSchema = z.object({ productId: productIdField, method: methodField });
export const autoRenewOffSchema = z.object({ productId: productIdField });

export const bulkAutoRenewSchema = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal("on"),
    method: methodField,
    ids: z.array(z.string(), { message: "billing.errors.noSelection" }).min(1, "billing.errors.noSelection"),
    confirm: z.literal("yes").optional(),
  }),
  z.object({
    mode: z.literal("off"),
    ids: z.array(z.string(), { message: "billing.errors.noSelection" }).min(1, "billing.errors.noSelection"),
    confirm: z.literal("yes").optional(),
  }),
]);

// Payments (B-6, B-7, B-8, B-10).
const payMethodField = z.enum(PAY_METHODS, { message: "billing.errors.payMethod" });
export const paySelectionSchema = z.object({
  ids: z.array(z.string(), { message: "billing.errors.noSelection" }).min(1, "billing.errors.noSelection"),
  method: payMethodField,
});
export const payOrderSchema = z.object({ orderId: productIdField, method: payMethodField });
export const topUpSchema = z.object({
  amount: z.string({ message: "errors.required" }).min(1, "errors.required"),
  method: z.enum(TOPUP_METHODS, { message: "billing.errors.payMethod" }),
});
