import type { Handle } from "../tx.server";

/** The organizations a user belongs to, for the switcher. */
export async function userOrganizations(db: Handle, userId: string) {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.org_id")
    .select(["o.id", "o.name", "m.role", "o.legal_rep_user_id"])
    .where("m.user_id", "=", userId)
    .orderBy("o.name")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.legal_rep_user_id === userId ? ("legal_rep" as const) : r.role,
  }));
}
