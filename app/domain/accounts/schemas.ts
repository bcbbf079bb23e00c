import { z } from "zod";

export const emailField = z
  .string({ message: "errors.required" })
  .trim()
  .min(1, "errors.required")
  .max(254, "errors.tooLong")
  .email("errors.email")
  .transform((v) => v.toLowerCase());

export const passwordField = z
  .string({ message: "errors.required" })
  .min(10, "errors.passwordShort")
  .max(200, "errors.tooLong");

export const nameField = z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(200, "errors.tooLong");

export const localeField = z.enum(["de", "fr", "en"], { message: "errors.invalid" });

/** A sign-in form (users' and staff's): checked for presence only, the password check decides. */
export const signInSchema = z.object({
  email: z.string().trim().min(1, "errors.required").max(254, "errors.tooLong"),
  password: z.string().min(1, "errors.required").max(200, "errors.tooLong"),
  redirectTo: z.string().optional(),
});
