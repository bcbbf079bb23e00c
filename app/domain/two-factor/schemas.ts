import { z } from "zod";

// S-5 belongs to the identity checks (another part of issue 9): whoever lost their second
// factor asks for a check there to switch it off. The pages here only point to it.
export const IDENTITY_CHECK_PATH = "/identity-check?reason=two_factor_off";

/** An app code (6 digits) or an emergency code, as typed. */
export const codeField = z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(40, "errors.tooLong");

export const secondFactorSchema = z.object({ code: codeField });
export const passwordOnlySchema = z.object({ password: z.string({ message: "errors.required" }).min(1, "errors.required").max(200, "errors.tooLong") });
export const disableTwoFactorSchema = passwordOnlySchema.extend({ code: codeField });
export const approvalAnswerSchema = z.object({
  challengeId: z.string().uuid("errors.invalid"),
  decision: z.enum(["approved", "refused"], { message: "errors.invalid" }),
  back: z.string().optional(),
});

export const resetTwoFactorSchema = z.object({
  staffId: z.string().uuid("errors.invalid"),
  confirm: z.literal("on", { message: "backoffice.staff.confirmRequired" }),
});
