import { toCount } from "../../../db/client";
import { assertCan, type AppAbility } from "../../auth/ability";
import { NotFound } from "../errors";
import type { Handle } from "../tx.server";

export async function organizationOverview(db: Handle, ability: AppAbility, orgId: string) {
  assertCan(ability, "read", "Organization", { id: orgId });
  const org = await db
    .selectFrom("organizations as o")
    .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
    .select(["o.id", "o.name", "o.currency", "u.name as legalRepName"])
    .select((eb) => [
      eb.selectFrom("memberships").select(eb.fn.countAll().as("n")).whereRef("org_id", "=", "o.id").as("memberCount"),
      eb.selectFrom("products").select(eb.fn.countAll().as("n")).whereRef("org_id", "=", "o.id").as("productCount"),
    ])
    .where("o.id", "=", orgId)
    .executeTakeFirst();
  if (!org) throw new NotFound();
  return { ...org, memberCount: toCount(org.memberCount), productCount: toCount(org.productCount) };
}
