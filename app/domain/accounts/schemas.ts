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
