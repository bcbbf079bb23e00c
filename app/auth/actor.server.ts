import type { Handle } from "../domain/tx.server";
import type { PermissionLevel } from "../../db/schema";
import type { Actor, MembershipFacts } from "./actor";

const rank: Record<PermissionLevel, number> = { read: 1, manage: 2 };

/**
 * Loads what the ability needs about a user: memberships, whether they represent the
 * organization, and the effective level per product (own and teams', highest wins: O-7).
 */
export async function loadUserActor(db: Handle, user: { id: string; email: string }, ip?: string): Promise<Actor> {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.org_id")
    .select(["m.org_id", "m.role", "o.legal_rep_user_id"])
    .where("m.user_id", "=", user.id)
    .execute();
  const memberships = new Map<string, MembershipFacts>();
  for (const r of rows) {
    memberships.set(r.org_id, {
      orgId: r.org_id,
      role: r.role,
      isLegalRep: r.legal_rep_user_id === user.id,
      products: {},
    });
  }
  const restrictedOrgs = rows.filter((r) => r.role === "restricted" && r.legal_rep_user_id !== user.id).map((r) => r.org_id);
  if (restrictedOrgs.length > 0) {
    const perms = await db
      .selectFrom("product_permissions as p")
      .select(["p.org_id", "p.product_id", "p.level"])
      .where("p.org_id", "in", restrictedOrgs)
      .where((eb) =>
        eb.or([
          eb("p.user_id", "=", user.id),
          eb(
            "p.team_id",
            "in",
            eb.selectFrom("team_members").select("team_id").where("user_id", "=", user.id).where("org_id", "in", restrictedOrgs),
          ),
        ]),
      )
      .execute();
    for (const p of perms) {
      const m = memberships.get(p.org_id);
      if (!m) continue;
      const current = m.products[p.product_id];
      if (!current || rank[p.level] > rank[current]) m.products[p.product_id] = p.level;
    }
  }
  return { kind: "user", userId: user.id, email: user.email, memberships: [...memberships.values()], ip };
}
