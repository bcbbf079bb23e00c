import { z } from "zod";
import { toCount } from "../../../db/client";
import type { PermissionLevel } from "../../../db/schema";
import { allows, assertCan } from "../../auth/ability";
import { parseForm } from "../../lib/http.server";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Invalid, isUniqueViolation, NotFound } from "../errors";
import { withActor, type Handle, type Tx } from "../tx.server";
import { findMember, memberChoiceFields, memberChoices, NO_MEMBER_CHOICES, type UserActing } from "./member-choice.server";
import { confirmSchema, isUuid, levelFields, uuidField, type Acting } from "./member-fields";

export const TEAMS_PAGE_SIZE = 50;
export const TEAM_MEMBERS_PAGE_SIZE = 50;
export const TEAM_PRODUCTS_PAGE_SIZE = 50;

/** O-7: the organization's teams with their sizes, by name, paginated in SQL. */
export async function listTeams(db: Handle, acting: Acting, orgId: string, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "Team", { orgId });
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const total = toCount(
      (await trx.selectFrom("teams").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n,
    );
    const rows = await trx
      .selectFrom("teams as t")
      .select(["t.id", "t.name"])
      .select((eb) => [
        eb.selectFrom("team_members as tm").select(eb.fn.countAll().as("n")).whereRef("tm.team_id", "=", "t.id").as("memberCount"),
        eb.selectFrom("product_permissions as p").select(eb.fn.countAll().as("n")).whereRef("p.team_id", "=", "t.id").as("grantCount"),
      ])
      .where("t.org_id", "=", orgId)
      .orderBy((eb) => eb.fn("lower", ["t.name"]))
      .orderBy("t.id")
      .limit(TEAMS_PAGE_SIZE)
      .offset((page - 1) * TEAMS_PAGE_SIZE)
      .execute();
    return {
      page,
      pages: pageCount(total, TEAMS_PAGE_SIZE),
      total,
      items: rows.map((r) => ({ ...r, memberCount: toCount(r.memberCount), grantCount: toCount(r.grantCount) })),
      canManage: allows(acting.ability, "manage", "Team", { orgId }),
    };
  });
}

async function findTeam(trx: Tx, orgId: string, teamId: string, lock = false) {
  if (!isUuid(teamId)) throw new NotFound();
  const team = await trx
    .selectFrom("teams")
    .select(["id", "name"])
    .where("org_id", "=", orgId)
    .where("id", "=", teamId)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  // Another organization's team looks exactly like one that does not exist.
  if (!team) throw new NotFound();
  return team;
}

/** Runs `fn` in the actor's transaction with the team locked; another organization's team is NotFound. */
function withLockedTeam<T>(
  db: Handle,
  acting: UserActing,
  orgId: string,
  teamId: string,
  fn: (trx: Tx, team: { id: string; name: string }) => Promise<T>,
): Promise<T> {
  return withActor(db, acting.actor, async (trx) => fn(trx, await findTeam(trx, orgId, teamId, true)));
}

/** One team: its members, its product grants and, for administrators, whom they can add. */
export async function teamDetail(
  db: Handle,
  acting: Acting,
  orgId: string,
  teamId: string,
  opts: { membersPage?: number; productsPage?: number } = {},
) {
  assertCan(acting.ability, "read", "Team", { orgId });
  const canManage = allows(acting.ability, "manage", "Team", { orgId });
  const membersPage = pageNumber(opts.membersPage);
  const productsPage = pageNumber(opts.productsPage);
  return withActor(db, acting.actor, async (trx) => {
    const team = await findTeam(trx, orgId, teamId);
    const memberTotal = toCount(
      (
        await trx
          .selectFrom("team_members")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("org_id", "=", orgId)
          .where("team_id", "=", team.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const members = await trx
      .selectFrom("team_members as tm")
      .innerJoin("users as u", "u.id", "tm.user_id")
      .select(["u.id as userId", "u.name", "u.email"])
      .where("tm.org_id", "=", orgId)
      .where("tm.team_id", "=", team.id)
      .orderBy("u.name")
      .orderBy("u.email")
      .limit(TEAM_MEMBERS_PAGE_SIZE)
      .offset((membersPage - 1) * TEAM_MEMBERS_PAGE_SIZE)
      .execute();
    const productTotal = toCount(
      (await trx.selectFrom("products").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n,
    );
    const products = await trx
      .selectFrom("products as p")
      .leftJoin("product_permissions as pp", (join) =>
        join.onRef("pp.product_id", "=", "p.id").on("pp.team_id", "=", team.id).on("pp.org_id", "=", orgId),
      )
      .select(["p.id", "p.name", "p.type", "pp.level"])
      .where("p.org_id", "=", orgId)
      .orderBy("p.name")
      .orderBy("p.id")
      .limit(TEAM_PRODUCTS_PAGE_SIZE)
      .offset((productsPage - 1) * TEAM_PRODUCTS_PAGE_SIZE)
      .execute();
    const candidates = canManage ? await memberChoices(trx, orgId, { notInTeamId: team.id }) : NO_MEMBER_CHOICES;
    return {
      team,
      canManage,
      members: { page: membersPage, pages: pageCount(memberTotal, TEAM_MEMBERS_PAGE_SIZE), total: memberTotal, items: members },
      products: {
        page: productsPage,
        pages: pageCount(productTotal, TEAM_PRODUCTS_PAGE_SIZE),
        total: productTotal,
        items: products.map((p) => ({ ...p, level: p.level ?? ("none" as const) })),
      },
      candidates,
    };
  });
}

const teamNameSchema = z.object({
  name: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(100, "errors.tooLong"),
});

/** Team names are unique per organization whatever their case; the index decides races. */
async function uniqueName<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err, "teams_org_name_key")) throw new Invalid({ name: "orgadmin.teamNameTaken" });
    throw err;
  }
}

/** O-7: an administrator creates a team. */
export async function createTeam(db: Handle, acting: UserActing, orgId: string, form: FormData | Record<string, unknown>) {
  assertCan(acting.ability, "create", "Team", { orgId });
  const { name } = parseForm(teamNameSchema, form);
  return uniqueName(() =>
    withActor(db, acting.actor, async (trx) => {
      const team = await trx.insertInto("teams").values({ org_id: orgId, name }).returning("id").executeTakeFirstOrThrow();
      await audit(trx, acting.actor, { orgId, action: "team.created", targetType: "team", targetId: team.id, data: { name } });
      return { teamId: team.id };
    }),
  );
}

export async function renameTeam(db: Handle, acting: UserActing, orgId: string, teamId: string, form: FormData | Record<string, unknown>) {
  assertCan(acting.ability, "update", "Team", { orgId });
  const { name } = parseForm(teamNameSchema, form);
  await uniqueName(() =>
    withLockedTeam(db, acting, orgId, teamId, async (trx, team) => {
      if (team.name === name) return;
      await trx.updateTable("teams").set({ name }).where("org_id", "=", orgId).where("id", "=", team.id).execute();
      await audit(trx, acting.actor, {
        orgId,
        action: "team.renamed",
        targetType: "team",
        targetId: team.id,
        data: { before: team.name, after: name },
      });
    }),
  );
}

/** O-7: deleting a team (confirmed) takes its grants with it (FK cascade); members keep their own. */
export async function deleteTeam(db: Handle, acting: UserActing, orgId: string, teamId: string, form: FormData | Record<string, unknown>) {
  assertCan(acting.ability, "delete", "Team", { orgId });
  return withLockedTeam(db, acting, orgId, teamId, async (trx, team) => {
    parseForm(confirmSchema, form);
    const members = await trx.selectFrom("team_members").select("user_id").where("org_id", "=", orgId).where("team_id", "=", team.id).execute();
    const grants = await trx
      .selectFrom("product_permissions")
      .select(["product_id", "level"])
      .where("org_id", "=", orgId)
      .where("team_id", "=", team.id)
      .execute();
    await trx.deleteFrom("teams").where("org_id", "=", orgId).where("id", "=", team.id).execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "team.deleted",
      targetType: "team",
      targetId: team.id,
      data: {
        name: team.name,
        memberIds: members.map((m) => m.user_id),
        grants: Object.fromEntries(grants.map((g) => [g.product_id, g.level])),
      },
    });
    return { name: team.name };
  });
}

const memberChoiceSchema = z
  .object(memberChoiceFields)
  .refine((v) => v.userId !== undefined || v.email !== undefined, { message: "errors.required", path: ["userId"] });

/** O-7: adds a member of the organization (and only one) to the team. */
export async function addTeamMember(
  db: Handle,
  acting: UserActing,
  orgId: string,
  teamId: string,
  form: FormData | Record<string, unknown>,
) {
  assertCan(acting.ability, "update", "Team", { orgId });
  const choice = parseForm(memberChoiceSchema, form);
  const field = choice.userId !== undefined ? "userId" : "email";
  return withLockedTeam(db, acting, orgId, teamId, async (trx, team) => {
    const member = await findMember(trx, orgId, choice);
    if (!member) throw new Invalid({ [field]: "orgadmin.notAMember" });
    const inserted = await trx
      .insertInto("team_members")
      .values({ org_id: orgId, team_id: team.id, user_id: member.userId })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doNothing())
      .returning("user_id")
      .executeTakeFirst();
    if (!inserted) throw new Invalid({ [field]: "orgadmin.alreadyInTeam" });
    await audit(trx, acting.actor, {
      orgId,
      action: "team.member_added",
      targetType: "team",
      targetId: team.id,
      data: { userId: member.userId, email: member.email },
    });
    return { name: member.name };
  });
}

const removeMemberSchema = z.object({ userId: uuidField });

/** O-7: takes a user out of the team; the team's grants stop applying to them at once. */
export async function removeTeamMember(
  db: Handle,
  acting: UserActing,
  orgId: string,
  teamId: string,
  form: FormData | Record<string, unknown>,
) {
  assertCan(acting.ability, "update", "Team", { orgId });
  const { userId } = parseForm(removeMemberSchema, form);
  return withLockedTeam(db, acting, orgId, teamId, async (trx, team) => {
    const removed = await trx
      .deleteFrom("team_members")
      .where("org_id", "=", orgId)
      .where("team_id", "=", team.id)
      .where("user_id", "=", userId)
      .returning("user_id")
      .executeTakeFirst();
    if (!removed) throw new NotFound();
    await audit(trx, acting.actor, { orgId, action: "team.member_removed", targetType: "team", targetId: team.id, data: { userId } });
  });
}

const levelsSchema = z.object({
  levels: z.record(uuidField, z.enum(["none", "read", "manage"], { message: "errors.invalid" })),
});

/**
 * O-7: sets the team's level per product (none/read/manage) for the products in the form;
 * products not in the form keep their level (the form is paginated).
 */
export async function setTeamPermissions(
  db: Handle,
  acting: UserActing,
  orgId: string,
  teamId: string,
  form: FormData | Record<string, unknown>,
) {
  assertCan(acting.ability, "update", "Team", { orgId });
  const { levels } = parseForm(levelsSchema, { levels: form instanceof FormData ? levelFields(form) : form.levels });
  const productIds = Object.keys(levels);
  return withLockedTeam(db, acting, orgId, teamId, async (trx, team) => {
    if (productIds.length === 0) return { changed: 0 };
    const known = await trx.selectFrom("products").select("id").where("org_id", "=", orgId).where("id", "in", productIds).execute();
    if (known.length !== productIds.length) throw new Invalid({ levels: "orgadmin.unknownProduct" });
    const current = await trx
      .selectFrom("product_permissions")
      .select(["product_id", "level"])
      .where("org_id", "=", orgId)
      .where("team_id", "=", team.id)
      .where("product_id", "in", productIds)
      .execute();
    const before: Record<string, PermissionLevel | "none"> = Object.fromEntries(productIds.map((id) => [id, "none"]));
    for (const row of current) before[row.product_id] = row.level;
    const changed = productIds.filter((id) => before[id] !== levels[id]);
    if (changed.length === 0) return { changed: 0 };

    const revoked = changed.filter((id) => levels[id] === "none");
    if (revoked.length > 0) {
      await trx
        .deleteFrom("product_permissions")
        .where("org_id", "=", orgId)
        .where("team_id", "=", team.id)
        .where("product_id", "in", revoked)
        .execute();
    }
    const granted = changed.filter((id) => levels[id] !== "none");
    if (granted.length > 0) {
      await trx
        .insertInto("product_permissions")
        .values(granted.map((id) => ({ org_id: orgId, product_id: id, team_id: team.id, level: levels[id] as PermissionLevel })))
        .onConflict((oc) =>
          oc
            .columns(["product_id", "team_id"])
            .where("team_id", "is not", null)
            .doUpdateSet((eb) => ({ level: eb.ref("excluded.level") })),
        )
        .execute();
    }
    await audit(trx, acting.actor, {
      orgId,
      action: "team.permissions_changed",
      targetType: "team",
      targetId: team.id,
      data: {
        before: Object.fromEntries(changed.map((id) => [id, before[id]])),
        after: Object.fromEntries(changed.map((id) => [id, levels[id]])),
      },
    });
    return { changed: changed.length };
  });
}
