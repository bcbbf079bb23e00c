import { z } from "zod";
import { pickLocale } from "../../../i18n/index";
import { inviteMember, inviteSchema } from "../../orgs/invitations.server";
import { listMembers, memberPermissions, removeMembers, updateMemberPermissions, updatePermissionsSchema } from "../../orgs/members.server";
import { uuidField } from "../../orgs/member-fields";
import { withActor } from "../../tx.server";
import { defineEndpoint, orgIdParams, pageQuery, paginated, uuid, type ApiCaller } from "../endpoint";

// O-4/O-7: the organization's users, invitations, removals and per-product permissions, through
// the same domain functions (and so the same rights) as the members pages.
const member = z.object({
  user_id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(["legal_rep", "admin", "restricted"]),
  teams: z.array(z.string()),
});

const level = z.enum(["none", "read", "manage"]);
const permissionsView = z.object({
  user_id: z.string(),
  role: z.enum(["legal_rep", "admin", "restricted"]),
  all_products: z.boolean().describe("Administrators and the legal representative reach every product"),
  products: z.array(z.object({ product_id: z.string(), name: z.string(), own: level, team: level, effective: level })),
});

const inviteBody = z
  .object({
    email: inviteSchema.shape.email,
    role: inviteSchema.shape.role,
    permissions: inviteSchema.shape.permissions.describe("Product id → level"),
    team_ids: inviteSchema.shape.teamIds,
  })
  .strict();

const removeBody = z.object({ user_ids: z.array(uuidField).min(1, "members.selectSomeone").max(100) }).strict();

const permissionsBody = z
  .object({
    role: updatePermissionsSchema.shape.role,
    permissions: updatePermissionsSchema.shape.permissions.describe("Product id → level; replaces the user's own levels"),
  })
  .strict();

const memberParams = z.object({ id: uuid, user_id: uuid });

async function permissionsOf(caller: ApiCaller, orgId: string, userId: string) {
  const p = await withActor(caller.db, caller.actor, (trx) => memberPermissions(trx, caller.ability, orgId, userId));
  return {
    user_id: p.member.userId,
    role: p.member.isLegalRep ? ("legal_rep" as const) : p.member.role,
    all_products: p.allProducts,
    products: p.products.map((x) => ({ product_id: x.productId, name: x.name, own: x.own, team: x.team, effective: x.effective })),
  };
}

export const userEndpoints = [
  defineEndpoint({
    method: "GET",
    path: "/organizations/{id}/users",
    operationId: "listUsers",
    summary: "The organization's users, searched by name or e-mail (`q`)",
    tag: "Users",
    params: orgIdParams,
    orgParam: "id",
    query: pageQuery.extend({ q: z.string().max(200).optional() }),
    success: { status: 200, description: "The users", data: z.array(member), list: true },
    errors: [403, 404],
    async handler(caller, { params, query }) {
      const list = await withActor(caller.db, caller.actor, (trx) =>
        listMembers(trx, caller.ability, params.id, { q: query.q, page: query.page, perPage: query.per_page }),
      );
      return {
        data: list.members.map((m) => ({ user_id: m.userId, name: m.name, email: m.email, role: m.role, teams: m.teams })),
        pagination: paginated(list.page, query.per_page, list.total),
      };
    },
  }),
  defineEndpoint({
    method: "POST",
    path: "/organizations/{id}/users",
    operationId: "inviteUser",
    summary: "Invites a person by e-mail with their role, product levels and teams (administrators, O-4)",
    tag: "Users",
    params: orgIdParams,
    orgParam: "id",
    body: inviteBody,
    success: { status: 201, description: "The invitation was sent", data: z.object({ invitation_id: z.string() }) },
    errors: [403, 404, 422],
    async handler(caller, { params, body }) {
      const locale = pickLocale(caller.user.locale, null);
      const { invitationId } = await withActor(caller.db, caller.actor, (trx) =>
        inviteMember(trx, caller, params.id, { email: body.email, role: body.role, permissions: body.permissions, teamIds: body.team_ids }, locale),
      );
      return { status: 201, data: { invitation_id: invitationId } };
    },
  }),
  defineEndpoint({
    method: "DELETE",
    path: "/organizations/{id}/users",
    operationId: "removeUsers",
    summary: "Removes one or several users at once, all or none (administrators, O-4/O-5)",
    tag: "Users",
    params: orgIdParams,
    orgParam: "id",
    body: removeBody,
    success: { status: 200, description: "The users were removed", data: z.object({ removed: z.number().int() }) },
    errors: [403, 404, 409, 422],
    async handler(caller, { params, body }) {
      const removed = await withActor(caller.db, caller.actor, (trx) => removeMembers(trx, caller, params.id, body.user_ids));
      return { data: { removed } };
    },
  }),
  defineEndpoint({
    method: "PUT",
    path: "/organizations/{id}/users/{user_id}/permissions",
    operationId: "setUserPermissions",
    summary: "Sets a user's role and own per-product levels (administrators, O-4/O-7)",
    tag: "Users",
    params: memberParams,
    orgParam: "id",
    body: permissionsBody,
    success: { status: 200, description: "The user's permissions after the change", data: permissionsView },
    errors: [403, 404, 409, 422],
    async handler(caller, { params, body }) {
      await withActor(caller.db, caller.actor, (trx) => updateMemberPermissions(trx, caller, params.id, params.user_id, body));
      return { data: await permissionsOf(caller, params.id, params.user_id) };
    },
  }),
];
