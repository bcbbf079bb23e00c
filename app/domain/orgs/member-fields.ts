import { z } from "zod";
import type { PermissionLevel } from "../../../db/schema";
import type { AppAbility } from "../../auth/ability";
import type { Actor } from "../../auth/actor";

// Pieces shared by the members and invitations services and their forms.

/** Who acts: the actor (for the audit log) and their ability (for the checks). */
export interface Acting {
  actor: Actor;
  ability: AppAbility;
}

export type LevelChoice = "none" | PermissionLevel;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids from URLs and forms are checked before they reach a uuid column (no 500 on junk). */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** The ticked "yes, I mean it" box (`confirm=yes`) of a destructive form. */
export const confirmSchema = z.object({ confirm: z.literal("yes", { message: "orgadmin.confirmRequired" }) });

export const uuidField = z.string().regex(UUID, "errors.invalid");
export const roleField = z.enum(["admin", "restricted"], { message: "errors.invalid" });
export const permissionsField = z.record(uuidField, z.enum(["none", "read", "manage"], { message: "errors.invalid" }));

/**
 * Per-product levels arrive as one select per product, named `level.<productId>`
 * (plain forms, no JavaScript): gathered into `{ productId: level }`.
 */
export function levelFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form) {
    if (key.startsWith("level.") && typeof value === "string") out[key.slice("level.".length)] = value;
  }
  return out;
}

/** Keeps the levels that grant something: `none` means no row. */
export function grantedLevels(levels: Record<string, LevelChoice>): Record<string, PermissionLevel> {
  const out: Record<string, PermissionLevel> = {};
  for (const [productId, level] of Object.entries(levels)) if (level !== "none") out[productId] = level;
  return out;
}
