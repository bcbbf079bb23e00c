import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Database } from "../../../db/client";
import { hashPassword } from "../../auth/password.server";
import { audit } from "../audit/audit.server";
import { Invalid } from "../errors";
import { createOrganization } from "../orgs/create-organization.server";
import { recordReferral, referralCodeField } from "../partners/referrals.server";
import { actAs, transaction } from "../tx.server";
import { emailField, localeField, nameField, passwordField } from "./schemas";

export const signUpSchema = z.object({
  name: nameField,
  email: emailField,
  password: passwordField,
  organizationName: z.string().trim().max(200, "errors.tooLong").optional().default(""),
  locale: localeField.optional().default("de"),
  ref: referralCodeField,
});
export type SignUpInput = z.infer<typeof signUpSchema>;

/**
 * O-1: signing up without an invitation creates the account and an organization in the
 * person's name, with them as its legal representative.
 */
export async function signUp(db: Database, input: SignUpInput, ip?: string): Promise<{ userId: string; orgId: string }> {
  const passwordHash = await hashPassword(input.password);
  const orgId = randomUUID();
  return transaction(db, async (trx) => {
    const taken = await trx.selectFrom("users").select("id").where("email", "=", input.email).executeTakeFirst();
    if (taken) throw new Invalid({ email: "auth.emailTaken" });
    const user = await trx
      .insertInto("users")
      .values({ email: input.email, name: input.name, password_hash: passwordHash, locale: input.locale })
      .returning("id")
      .executeTakeFirstOrThrow();
    const actor = { kind: "user" as const, userId: user.id, email: input.email, memberships: [], ip };
    // The new account acts for the organization it is creating, and for nothing else.
    await actAs(trx, actor, [orgId]);
    await createOrganization(trx, { id: orgId, name: input.organizationName || input.name, userId: user.id });
    await trx.updateTable("users").set({ last_org_id: orgId }).where("id", "=", user.id).execute();
    // P-8: an affiliate's referral link; an unknown code is ignored.
    const referred = input.ref ? await recordReferral(trx, input.ref, orgId) : false;
    await audit(trx, actor, { orgId, action: "account.signed_up", targetType: "user", targetId: user.id, data: referred ? { referred: true } : undefined });
    return { userId: user.id, orgId };
  });
}
