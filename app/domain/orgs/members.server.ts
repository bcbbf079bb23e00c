import { sql } from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { MemberRole, PermissionLevel } from "../../../db/schema";
import { allows, assertCan, type AppAbility } from "../../auth/ability";
import { pageCount, pagedTotal, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import { transaction, type Handle, type Tx } from "../tx.server";
import { grantedLevels, isUuid, permissionsField, roleField, type Acting, type LevelChoice } from "./member-fields";
import { listPendingInvitations } from "./invitations.server";

export const MEMBERS_PAGE_SIZE = 50;

const levelRank: Record<LevelChoice, number> = { none: 0, read: 1, manage: 2 };

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Members of an organization, searched by name or e-mail and paginated in SQL. */
export async function listMembers(db: Handle, ability: AppAbility, orgId: string, opts: { q?: string; page?: number; perPage?: number } = {}) {
  const size = opts.perPage ?? MEMBERS_PAGE_SIZE;
  assertCan(ability, "read", "Member", { orgId });
  const q = (opts.q ?? "").trim().slice(0, 200);
  const page = pageNumber(opts.page);
  const matching = db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .where("m.org_id", "=", orgId)
    .$if(q.length > 0, (qb) =>
      qb.where((eb) => eb.or([eb("u.name", "ilike", `%${escapeLike(q)}%`), eb("u.email", "ilike", `%${escapeLike(q)}%`)])),
    );
  const offset = (page - 1) * size;
  const rows = await matching
    .select(["u.id", "u.name", "u.email", "m.role"])
    // Looked up once for the page (uncorrelated), not joined once per member.
    .select((eb) => eb.selectFrom("organizations").select("legal_rep_user_id").where("id", "=", orgId).as("legal_rep_user_id"))
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom("team_members as tm")
          .innerJoin("teams as t", "t.id", "tm.team_id")
          .select(["t.id", "t.name"])
          .whereRef("tm.user_id", "=", "m.user_id")
          .where("tm.org_id", "=", orgId)
          .orderBy("t.name"),
      ).as("teams"),
    )
    .orderBy("u.name")
    .orderBy("u.id")
    .limit(size)
    .offset(offset)
    .execute();
  const total = await pagedTotal(offset, size, rows.length, async () =>
    toCount((await matching.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n),
  );
  return {
    q,
    page,
    pages: pageCount(total, size),
    total,
    members: rows.map((r) => ({
      userId: r.id,
      name: r.name,
      email: r.email,
      role: r.legal_rep_user_id === r.id ? ("legal_rep" as const) : r.role,
      teams: r.teams.map((t) => t.name),
    })),
  };
}

/** The members page: the list for every member; invitations and controls for administrators. */
export async function membersOverview(
  db: Handle,
  ability: AppAbility,
  orgId: string,
  opts: { q?: string; page?: number; invitationsPage?: number },
) {
  const members = await listMembers(db, ability, orgId, opts);
  const canManage = allows(ability, "delete", "Member", { orgId });
  const invitations = allows(ability, "manage", "Invitation", { orgId })
    ? await listPendingInvitations(db, ability, orgId, { page: opts.invitationsPage })
    : null;
  return { ...members, canManage, canInvite: invitations !== null, invitations };
}

/** Locks and returns the selected members, refusing what removal must never touch. */
async function selectRemovable(trx: Tx, acting: Acting, orgId: string, userIds: string[]) {
  assertCan(acting.ability, "delete", "Member", { orgId });
  const ids = [...new Set(userIds)];
  if (ids.length === 0) throw new Invalid({ userIds: "members.selectSomeone" });
  if (!ids.every(isUuid)) throw new NotFound();
  const org = await trx
    .selectFrom("organizations")
    .select("legal_rep_user_id")
    .where("id", "=", orgId)
    .forShare()
    .executeTakeFirst();
  if (!org) throw new NotFound();
  const rows = await trx
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.name", "u.email", "m.role"])
    .where("m.org_id", "=", orgId)
    .where("m.user_id", "in", ids)
    .orderBy("u.name")
    .forUpdate("m")
    .execute();
  // Another organization's user (or a stale id) gives nothing away.
  if (rows.length !== ids.length) throw new NotFound();
  // O-5: the legal representative stays until the role is handed over (O-6).
  if (ids.includes(org.legal_rep_user_id)) throw new Conflict("legal_rep_cannot_be_removed", "members.repCannotBeRemoved");
  if (acting.actor.kind === "user" && ids.includes(acting.actor.userId)) throw new Conflict("remove_self", "members.removeSelf");
  for (const id of ids) assertCan(acting.ability, "delete", "Member", { orgId, userId: id });
  return rows;
}

/** The confirmation step of a removal: who would be removed (nothing changes). */
export async function previewMemberRemoval(db: Handle, acting: Acting, orgId: string, userIds: string[]) {
  return transaction(db, async (trx) => {
    const rows = await selectRemovable(trx, acting, orgId, userIds);
    return rows.map((r) => ({ userId: r.id, name: r.name, email: r.email }));
  });
}

/**
 * O-4: removes one or several members at once, all or none, with an audit entry for each.
 * Their product permissions and team memberships in this organization go with them (FKs).
 */
export async function removeMembers(db: Handle, acting: Acting, orgId: string, userIds: string[]): Promise<number> {
  return transaction(db, async (trx) => {
    const rows = await selectRemovable(trx, acting, orgId, userIds);
    const ids = rows.map((r) => r.id);
    await trx.deleteFrom("memberships").where("org_id", "=", orgId).where("user_id", "in", ids).execute();
    for (const r of rows) {
      await audit(trx, acting.actor, {
        orgId,
        action: "member.removed",
        targetType: "user",
        targetId: r.id,
        data: { name: r.name, email: r.email, role: r.role },
      });
    }
    return rows.length;
  });
}

async function findMember(db: Handle, orgId: string, userId: string, lock = false) {
  if (!isUuid(userId)) throw new NotFound();
  const member = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .innerJoin("organizations as o", "o.id", "m.org_id")
    .select(["u.id", "u.name", "u.email", "m.role", "o.legal_rep_user_id"])
    .where("m.org_id", "=", orgId)
    .where("m.user_id", "=", userId)
    .$if(lock, (qb) => qb.forUpdate("m"))
    .executeTakeFirst();
  if (!member) throw new NotFound();
  return { userId: member.id, name: member.name, email: member.email, role: member.role, isLegalRep: member.legal_rep_user_id === member.id };
}

/**
 * The permissions editor's view of one member: their role, and per product their own level,
 * the level their teams give them and the effective one (highest wins, O-7). Administrators
 * and the legal representative reach every product whatever the rows say.
 */
export async function memberPermissions(db: Handle, ability: AppAbility, orgId: string, userId: string) {
  assertCan(ability, "update", "Member", { orgId });
  const member = await findMember(db, orgId, userId);
  assertCan(ability, "update", "Member", { orgId, userId });
  const products = await db
    .selectFrom("products as p")
    .select(["p.id", "p.name", "p.type"])
    .select((eb) => [
      eb
        .selectFrom("product_permissions as pp")
        .select("pp.level")
        .whereRef("pp.product_id", "=", "p.id")
        .where("pp.user_id", "=", userId)
        .as("own"),
      eb
        .selectFrom("product_permissions as pp")
        .innerJoin("team_members as tm", (j) => j.onRef("tm.team_id", "=", "pp.team_id").on("tm.user_id", "=", userId))
        .select(sql<number | null>`max(case pp.level when 'manage' then 2 else 1 end)`.as("rank"))
        .whereRef("pp.product_id", "=", "p.id")
        .as("teamRank"),
    ])
    .where("p.org_id", "=", orgId)
    .orderBy("p.name")
    .orderBy("p.id")
    .execute();
  const teams = await db
    .selectFrom("team_members as tm")
    .innerJoin("teams as t", "t.id", "tm.team_id")
    .select("t.name")
    .where("tm.org_id", "=", orgId)
    .where("tm.user_id", "=", userId)
    .orderBy("t.name")
    .execute();
  const allProducts = member.isLegalRep || member.role === "admin";
  return {
    member,
    teams: teams.map((t) => t.name),
    allProducts,
    products: products.map((p) => {
      const own: LevelChoice = p.own ?? "none";
      const team: LevelChoice = p.teamRank === 2 ? "manage" : p.teamRank === 1 ? "read" : "none";
      const effective: LevelChoice = allProducts ? "manage" : levelRank[own] >= levelRank[team] ? own : team;
      return { productId: p.id, name: p.name, type: p.type, own, team, effective };
    }),
  };
}

export const updatePermissionsSchema = z.object({
  role: roleField.optional(),
  permissions: permissionsField.default({}),
});
export type UpdatePermissionsInput = z.infer<typeof updatePermissionsSchema>;

/**
 * O-4: an administrator changes a member's role and per-product levels (their own too).
 * The member's own permission rows are replaced in one transaction; the audit entry keeps
 * the before and after.
 */
export async function updateMemberPermissions(
  db: Handle,
  acting: Acting,
  orgId: string,
  userId: string,
  input: UpdatePermissionsInput,
): Promise<void> {
  assertCan(acting.ability, "update", "Member", { orgId });
  await transaction(db, async (trx) => {
    const member = await findMember(trx, orgId, userId, true);
    assertCan(acting.ability, "update", "Member", { orgId, userId });

    const productIds = Object.keys(input.permissions);
    const known = productIds.length
      ? await trx.selectFrom("products").select("id").where("org_id", "=", orgId).where("id", "in", productIds).execute()
      : [];
    if (known.length !== productIds.length) throw new Invalid({ permissions: "members.unknownProduct" });

    const newRole: MemberRole = input.role ?? member.role;
    // O-3/O-6: the representative's role comes with the office; it changes by hand-over only.
    if (member.isLegalRep && newRole !== "admin") throw new Conflict("legal_rep_role_fixed", "members.repRoleFixed");

    const before = await ownLevels(trx, orgId, userId);
    const after = grantedLevels(input.permissions);

    await trx.deleteFrom("product_permissions").where("org_id", "=", orgId).where("user_id", "=", userId).execute();
    const rows = Object.entries(after).map(([productId, level]) => ({ org_id: orgId, product_id: productId, user_id: userId, level }));
    if (rows.length > 0) await trx.insertInto("product_permissions").values(rows).execute();
    if (newRole !== member.role) {
      await trx.updateTable("memberships").set({ role: newRole }).where("org_id", "=", orgId).where("user_id", "=", userId).execute();
    }
    await audit(trx, acting.actor, {
      orgId,
      action: "member.permissions_changed",
      targetType: "user",
      targetId: userId,
      data: { before: { role: member.role, permissions: before }, after: { role: newRole, permissions: after } },
    });
  });
}

/** A member's own product levels (not their teams'), as `{ productId: level }`. */
export async function ownLevels(db: Handle, orgId: string, userId: string): Promise<Record<string, PermissionLevel>> {
  const rows = await db
    .selectFrom("product_permissions")
    .select(["product_id", "level"])
    .where("org_id", "=", orgId)
    .where("user_id", "=", userId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.product_id, r.level]));
}
