import type { Currency } from "../../../db/schema";
import type { Tx } from "../tx.server";

/**
 * Creates an organization whose legal representative (and first member) is `userId`. The
 * transaction must act for `input.id` (row-level security), so the id is chosen up front.
 */
export async function createOrganization(
  trx: Tx,
  input: { id: string; name: string; userId: string; currency?: Currency; country?: string },
): Promise<string> {
  const org = await trx
    .insertInto("organizations")
    .values({
      id: input.id,
      name: input.name,
      legal_rep_user_id: input.userId,
      currency: input.currency ?? "CHF",
      country: input.country ?? "CH",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx.insertInto("memberships").values({ org_id: org.id, user_id: input.userId, role: "admin" }).execute();
  return org.id;
}
