import { actAs, transaction, type Handle } from "../domain/tx.server";
import type { PermissionLevel } from "../../db/schema";
import type { MembershipFacts, UserActor } from "./actor";

const rank: Record<PermissionLevel, number> = { read: 1, manage: 2 };

/**
 * Loads what the ability needs about a user: memberships, whether they represent the
 * organization, and the effective level per product (own and teams', highest wins: O-7).
 */
export async function loadUserActor(db: Handle, user: { id: string; email: string }, ip?: string): Promise<UserActor> {
  return transaction(db, async (trx) => {
    // First as "this user" only: row-level security lets a user see their own memberships.
    const bare: UserActor = { kind: "user", userId: user.id, email: user.email, memberships: [], ip };
    await actAs(trx, bare);
    const rows = await trx
      .selectFrom("memberships as m")
      .innerJoin("organizations as o", "o.id", "m.org_id")
      .select(["m.org_id", "m.role", "o.legal_rep_user_id", "o.name"])
      .where("m.user_id", "=", user.id)
      .orderBy("o.name")
      .execute();
    const memberships = new Map<string, MembershipFacts>();
    for (const r of rows) {
      memberships.set(r.org_id, {
        orgId: r.org_id,
        orgName: r.name,
        role: r.role,
        isLegalRep: r.legal_rep_user_id === user.id,
        products: {},
      });
    }
    const actor: UserActor = { ...bare, memberships: [...memberships.values()] };
    const restrictedOrgs = rows.filter((r) => r.role === "restricted" && r.legal_rep_user_id !== user.id).map((r) => r.org_id);
    if (restrictedOrgs.length === 0) return actor;
    // Then acting for those organizations, to read the product permissions granted there.
    await actAs(trx, actor);
    const perms = await trx
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
    return actor;
  });
}
