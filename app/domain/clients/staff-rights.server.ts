import { z } from "zod";
import { assertCan } from "../../auth/ability";
import { now } from "../../lib/clock";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, isUniqueViolation, NotFound } from "../errors";
import { isUuid, type Acting } from "../orgs/member-fields";
import { withActor, type Handle } from "../tx.server";

// C-4: the partner's legal representative and administrators decide which of the partner's
// users may act for its clients: all clients or one, granted to a user or to a team (its
// members get the team's rights). The representative and administrators have them all.

export const staffGrantSchema = z.object({
  who: z.string({ message: "errors.required" }).regex(/^(user|team):[0-9a-f-]{36}$/i, "errors.invalid"),
  client: z.string({ message: "errors.required" }).regex(/^(all|[0-9a-f-]{36})$/i, "errors.invalid"),
});
export type StaffGrantInput = z.infer<typeof staffGrantSchema>;
export const staffRevokeSchema = z.object({ rightId: z.string().uuid("errors.invalid") });

/** The staff rights page: who may act for which clients, and what can be granted. */
export async function staffRights(db: Handle, acting: Acting, partnerOrgId: string) {
  assertCan(acting.ability, "manage", "PartnerStaff", { orgId: partnerOrgId });
  return withActor(db, acting.actor, async (trx) => {
    const [rights, members, teams, clients] = await Promise.all([
      trx
        .selectFrom("partner_staff_rights as r")
        .leftJoin("users as u", "u.id", "r.user_id")
        .leftJoin("teams as t", "t.id", "r.team_id")
        .leftJoin("organizations as c", "c.id", "r.client_org_id")
        .select(["r.id", "r.user_id as userId", "u.name as userName", "u.email as userEmail", "r.team_id as teamId", "t.name as teamName", "r.client_org_id as clientOrgId", "c.name as clientName", "r.created_at as createdAt"])
        .where("r.org_id", "=", partnerOrgId)
        .orderBy("t.name")
        .orderBy("u.name")
        .orderBy("c.name")
        .limit(500)
        .execute(),
      trx
        .selectFrom("memberships as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .innerJoin("organizations as o", "o.id", "m.org_id")
        .select(["u.id", "u.name", "u.email"])
        .where("m.org_id", "=", partnerOrgId)
        .where("m.role", "=", "restricted")
        .whereRef("o.legal_rep_user_id", "<>", "u.id")
        .orderBy("u.name")
        .limit(500)
        .execute(),
      trx.selectFrom("teams").select(["id", "name"]).where("org_id", "=", partnerOrgId).orderBy("name").limit(500).execute(),
      trx
        .selectFrom("partner_client_links as l")
        .innerJoin("organizations as c", "c.id", "l.client_org_id")
        .select(["c.id", "c.name"])
        .where("l.org_id", "=", partnerOrgId)
        .where("l.state", "=", "active")
        .orderBy("c.name")
        .limit(500)
        .execute(),
    ]);
    return { rights, members, teams, clients };
  });
}

/** C-4: grants a user or a team the right to act for all clients or for one. */
export async function grantStaffRight(db: Handle, acting: Acting, partnerOrgId: string, input: StaffGrantInput): Promise<{ id: string }> {
  assertCan(acting.ability, "manage", "PartnerStaff", { orgId: partnerOrgId });
  const [kind, id] = input.who.split(":") as ["user" | "team", string];
  const clientOrgId = input.client === "all" ? null : input.client;
  if (!isUuid(id) || (clientOrgId !== null && !isUuid(clientOrgId))) throw new Invalid({ who: "errors.invalid" });
  try {
    return await withActor(db, acting.actor, async (trx) => {
      if (clientOrgId) {
        const link = await trx.selectFrom("partner_client_links").select("id").where("org_id", "=", partnerOrgId).where("client_org_id", "=", clientOrgId).where("state", "=", "active").executeTakeFirst();
        if (!link) throw new Invalid({ client: "clients.errors.notClient" });
      }
      const row = await trx
        .insertInto("partner_staff_rights")
        .values({ org_id: partnerOrgId, user_id: kind === "user" ? id : null, team_id: kind === "team" ? id : null, client_org_id: clientOrgId, granted_by: acting.actor.kind === "user" ? acting.actor.userId : null, created_at: now() })
        .returning("id")
        .executeTakeFirstOrThrow()
        .catch((err: { code?: string }) => {
          // Not a member of the partner, or not one of its teams.
          if (err?.code === "23503") throw new Invalid({ who: "clients.errors.notStaff" });
          throw err;
        });
      await audit(trx, acting.actor, { orgId: partnerOrgId, action: "partner_staff.granted", targetType: kind, targetId: id, data: { clientOrgId } });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err, "partner_staff_rights_unique")) throw new Conflict("already_granted", "clients.errors.alreadyGranted");
    throw err;
  }
}

/** C-4: takes a staff right back; the user's next request no longer reaches those clients. */
export async function revokeStaffRight(db: Handle, acting: Acting, partnerOrgId: string, rightId: string): Promise<void> {
  assertCan(acting.ability, "manage", "PartnerStaff", { orgId: partnerOrgId });
  await withActor(db, acting.actor, async (trx) => {
    const row = await trx.deleteFrom("partner_staff_rights").where("org_id", "=", partnerOrgId).where("id", "=", rightId).returning(["id", "user_id", "team_id", "client_org_id"]).executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(trx, acting.actor, { orgId: partnerOrgId, action: "partner_staff.revoked", targetType: row.user_id ? "user" : "team", targetId: row.user_id ?? row.team_id ?? undefined, data: { clientOrgId: row.client_org_id } });
  });
}
