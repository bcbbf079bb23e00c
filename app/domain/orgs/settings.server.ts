import { z } from "zod";
import { allows, assertCan } from "../../auth/ability";
import { parseForm } from "../../lib/http.server";
import { audit } from "../audit/audit.server";
import { Forbidden, NotFound } from "../errors";
import { withActor, type Handle } from "../tx.server";
import { isCountryCode } from "./countries";
import type { Acting } from "./member-fields";
import type { UserActing } from "./member-choice.server";

const EDITABLE = ["name", "legal_form", "street", "postal_code", "city", "country", "registry_id", "currency"] as const;
type EditableColumn = (typeof EDITABLE)[number];

/** The organization's own data (O-3), and whether this reader may change it. */
export async function organizationSettings(db: Handle, acting: Acting, orgId: string) {
  assertCan(acting.ability, "read", "Organization", { id: orgId });
  const org = await withActor(db, acting.actor, (trx) =>
    trx
      .selectFrom("organizations as o")
      .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
      .select([...EDITABLE.map((c) => `o.${c}` as const), "u.name as legalRepName"])
      .where("o.id", "=", orgId)
      .executeTakeFirst(),
  );
  if (!org) throw new NotFound();
  return { ...org, canEdit: allows(acting.ability, "update", "Organization", { id: orgId }) };
}

const optionalText = (max: number) =>
  z.preprocess(
    (v) => (v === undefined || v === null ? "" : v),
    z
      .string({ message: "errors.invalid" })
      .trim()
      .max(max, "errors.tooLong")
      .transform((v) => (v === "" ? null : v)),
  );

/**
 * Swiss UID (CHE-123.456.789), written with or without separators, checked with its
 * modulo-11 check digit and stored in the official notation. Other registers' ids
 * (French SIRET, German HRB, …) are kept as written.
 */
export function normalizeRegistryId(value: string): string | null {
  const compact = value.replace(/[\s.\-]/g, "").toUpperCase();
  if (!compact.startsWith("CHE")) return /^[\p{L}\p{N}][\p{L}\p{N} .\/-]{1,49}$/u.test(value) ? value : null;
  const digits = compact.slice(3);
  if (!/^\d{9}$/.test(digits)) return null;
  const weights = [5, 4, 3, 2, 7, 6, 5, 4];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const check = (11 - (sum % 11)) % 11;
  if (check === 10 || check !== Number(digits[8])) return null;
  return `CHE-${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`;
}

export const settingsSchema = z.object({
  name: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(200, "errors.tooLong"),
  legalForm: optionalText(100),
  street: optionalText(200),
  postalCode: optionalText(20).refine((v) => v === null || /^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/.test(v), "orgadmin.postalCodeInvalid"),
  city: optionalText(100),
  country: z
    .string({ message: "errors.required" })
    .trim()
    .toUpperCase()
    .refine(isCountryCode, "orgadmin.countryInvalid"),
  registryId: optionalText(60).transform((v, ctx) => {
    if (v === null) return null;
    const normalized = normalizeRegistryId(v);
    if (normalized === null) ctx.addIssue({ code: "custom", message: "orgadmin.registryIdInvalid" });
    return normalized;
  }),
  currency: z.enum(["CHF", "EUR"], { message: "errors.invalid" }),
});

/**
 * O-3: only the legal representative changes the organization's own data. The right is
 * checked before the form is read, so anyone else gets 403 whatever they post.
 */
export async function updateOrganizationSettings(
  db: Handle,
  acting: UserActing,
  orgId: string,
  form: FormData | Record<string, unknown>,
): Promise<{ changed: EditableColumn[] }> {
  assertCan(acting.ability, "update", "Organization", { id: orgId });
  const input = parseForm(settingsSchema, form);
  const next = {
    name: input.name,
    legal_form: input.legalForm,
    street: input.street,
    postal_code: input.postalCode,
    city: input.city,
    country: input.country,
    registry_id: input.registryId,
    currency: input.currency,
  } satisfies Record<EditableColumn, string | null>;
  return withActor(db, acting.actor, async (trx) => {
    const current = await trx
      .selectFrom("organizations")
      .select([...EDITABLE, "legal_rep_user_id"])
      .where("id", "=", orgId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new NotFound();
    // The ability was built when the request began; a hand-over may have been accepted since.
    if (current.legal_rep_user_id !== acting.actor.userId) throw new Forbidden();
    const changed = EDITABLE.filter((c) => current[c] !== next[c]);
    if (changed.length === 0) return { changed };
    await trx
      .updateTable("organizations")
      .set(next)
      .where("id", "=", orgId)
      .execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "organization.updated",
      targetType: "organization",
      targetId: orgId,
      data: {
        before: Object.fromEntries(changed.map((c) => [c, current[c]])),
        after: Object.fromEntries(changed.map((c) => [c, next[c]])),
      },
    });
    return { changed };
  });
}
