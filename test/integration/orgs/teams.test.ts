import { describe, expect, it } from "vitest";
import { allows, defineAbilityFor } from "../../../app/auth/ability";
import { loadUserActor } from "../../../app/auth/actor.server";
import { textOf } from "../../support/app";
import { createMember, createProduct, createUser, grantProduct, signedIn } from "../../support/factories";
import { addToTeam, auditEntries, createTeamRow, teamGrants, teamMembers, userGrants } from "../../support/orgadmin";
import { appDb, testDb } from "../../support/setup";

async function abilityOf(user: { userId: string; email: string }) {
  return defineAbilityFor(await loadUserActor(appDb(), { id: user.userId, email: user.email }));
}

async function teamByName(orgId: string, name: string) {
  return testDb().selectFrom("teams").selectAll().where("org_id", "=", orgId).where("name", "=", name).executeTakeFirst();
}

describe("teams (O-7)", () => {
  it("O-7: an administrator creates, renames and (after confirming) deletes a team; names are unique per organization", async () => {
    const rep = await createUser();
    const admin = await createMember(rep.orgId, "admin");
    const client = await signedIn(admin);
    const base = `/orgs/${rep.orgId}/teams`;

    const empty = await client.get(base);
    expect(empty.status).toBe(200);
    expect(textOf(empty.html)).toContain("This organization has no teams yet.");

    const created = await client.post(base, { name: "Support" });
    expect(created.status).toBe(302);
    const team = (await teamByName(rep.orgId, "Support"))!;
    expect(created.location).toBe(`${base}/${team.id}?created=1`);
    expect(textOf((await client.follow(created)).html)).toContain("The team was created.");

    const duplicate = await client.post(base, { name: "SUPPORT" });
    expect(duplicate.status).toBe(400);
    expect(textOf(duplicate.html)).toContain("A team with this name already exists.");
    const blank = await client.post(base, { name: " " });
    expect(blank.status).toBe(400);
    expect(textOf(blank.html)).toContain("This field is required.");

    const renamed = await client.post(`${base}/${team.id}`, { intent: "rename", name: "Customer care" });
    expect(renamed.status).toBe(200);
    expect(textOf(renamed.html)).toContain("The team was renamed.");
    expect((await teamByName(rep.orgId, "Customer care"))?.id).toBe(team.id);

    const list = await client.get(base);
    expect(textOf(list.html)).toContain("Customer care");

    const unconfirmed = await client.post(`${base}/${team.id}`, { intent: "delete" });
    expect(unconfirmed.status).toBe(400);
    expect(textOf(unconfirmed.html)).toContain("Tick the box to confirm.");
    expect(await teamByName(rep.orgId, "Customer care")).toBeDefined();

    const deleted = await client.post(`${base}/${team.id}`, { intent: "delete", confirm: "yes" });
    expect(deleted.status).toBe(302);
    expect(await teamByName(rep.orgId, "Customer care")).toBeUndefined();
    expect(textOf((await client.follow(deleted)).html)).toContain("The team and its permissions were deleted.");

    const actions = ["team.created", "team.renamed", "team.deleted"];
    for (const action of actions) expect(await auditEntries(rep.orgId, action)).toHaveLength(1);
  });

  it("O-7: administrators add and remove members of the organization only; deleting a team removes its grants", async () => {
    const rep = await createUser();
    const colleague = await createMember(rep.orgId, "restricted", { name: "Colleague" });
    const outsider = await createUser({ name: "Outsider" });
    const productId = await createProduct(rep.orgId);
    const teamId = await createTeamRow(rep.orgId, "Ops");
    const client = await signedIn(rep);
    const page = `/orgs/${rep.orgId}/teams/${teamId}`;

    const form = await client.get(page);
    expect(form.html).toContain(`value="${colleague.userId}"`);
    expect(form.html).not.toContain(`value="${outsider.userId}"`);

    const refused = await client.post(page, { intent: "addMember", userId: outsider.userId });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain("This person is not a member of the organization.");
    expect(await teamMembers(teamId)).toEqual([]);

    const added = await client.post(page, { intent: "addMember", userId: colleague.userId });
    expect(added.status).toBe(200);
    expect(await teamMembers(teamId)).toEqual([{ user_id: colleague.userId }]);
    const twice = await client.post(page, { intent: "addMember", userId: colleague.userId });
    expect(twice.status).toBe(400);
    expect(textOf(twice.html)).toContain("This person is already in the team.");

    const granted = await client.post(page, { intent: "permissions", [`level.${productId}`]: "read" });
    expect(granted.status).toBe(200);
    expect(await teamGrants(teamId)).toEqual([{ product_id: productId, level: "read" }]);

    const removed = await client.post(page, { intent: "removeMember", userId: colleague.userId });
    expect(removed.status).toBe(200);
    expect(await teamMembers(teamId)).toEqual([]);

    await client.post(page, { intent: "delete", confirm: "yes" });
    const grantsLeft = await testDb().selectFrom("product_permissions").select("id").where("org_id", "=", rep.orgId).execute();
    expect(grantsLeft).toEqual([]);
    const [entry] = await auditEntries(rep.orgId, "team.deleted");
    expect(entry.data).toMatchObject({ name: "Ops", grants: { [productId]: "read" } });
  });

  it("O-7: a team grant applies to its members; the effective level is the highest of their own and their teams'; leaving the team removes it", async () => {
    const rep = await createUser();
    const user = await createMember(rep.orgId, "restricted");
    const productId = await createProduct(rep.orgId, "hosting", "shop.example.ch");
    const product = { orgId: rep.orgId, id: productId };
    await grantProduct(rep.orgId, productId, "read", { userId: user.userId });
    const teamId = await createTeamRow(rep.orgId, "Web");
    await addToTeam(rep.orgId, teamId, user.userId);

    let ability = await abilityOf(user);
    expect(allows(ability, "read", "Product", product)).toBe(true);
    expect(allows(ability, "update", "Product", product)).toBe(false);

    const admin = await signedIn(rep);
    const page = `/orgs/${rep.orgId}/teams/${teamId}`;
    expect((await admin.post(page, { intent: "permissions", [`level.${productId}`]: "manage" })).status).toBe(200);
    const [change] = await auditEntries(rep.orgId, "team.permissions_changed");
    expect(change.data).toEqual({ before: { [productId]: "none" }, after: { [productId]: "manage" } });

    ability = await abilityOf(user);
    expect(allows(ability, "update", "Product", product)).toBe(true);
    // The user's own grant is untouched: the team only adds to it.
    expect(await userGrants(rep.orgId, user.userId)).toEqual([{ product_id: productId, level: "read" }]);

    // The member sees the team and its grant, read-only.
    const memberClient = await signedIn(user);
    const view = await memberClient.get(page);
    expect(view.status).toBe(200);
    expect(textOf(view.html)).toContain("shop.example.ch");
    expect(textOf(view.html)).toContain("Manage");
    expect(view.html).not.toContain('name="intent"');

    expect((await admin.post(page, { intent: "removeMember", userId: user.userId })).status).toBe(200);
    ability = await abilityOf(user);
    expect(allows(ability, "update", "Product", product)).toBe(false);
    expect(allows(ability, "read", "Product", product)).toBe(true);
  });

  it("O-7: restricted users see teams read-only and their posts answer 403 and change nothing", async () => {
    const rep = await createUser();
    const restricted = await createMember(rep.orgId, "restricted");
    const productId = await createProduct(rep.orgId);
    const teamId = await createTeamRow(rep.orgId, "Finance");
    const client = await signedIn(restricted);

    const list = await client.get(`/orgs/${rep.orgId}/teams`);
    expect(list.status).toBe(200);
    expect(textOf(list.html)).toContain("Finance");
    expect(list.html).not.toContain('name="name"');

    expect((await client.post(`/orgs/${rep.orgId}/teams`, { name: "Mine" })).status).toBe(403);
    const page = `/orgs/${rep.orgId}/teams/${teamId}`;
    expect((await client.post(page, { intent: "addMember", userId: restricted.userId })).status).toBe(403);
    expect((await client.post(page, { intent: "permissions", [`level.${productId}`]: "manage" })).status).toBe(403);
    expect((await client.post(page, { intent: "rename", name: "Hijacked" })).status).toBe(403);
    expect((await client.post(page, { intent: "delete", confirm: "yes" })).status).toBe(403);

    const teams = await testDb().selectFrom("teams").select("name").where("org_id", "=", rep.orgId).execute();
    expect(teams).toEqual([{ name: "Finance" }]);
    expect(await teamMembers(teamId)).toEqual([]);
    expect(await teamGrants(teamId)).toEqual([]);
  });

  it("O-7: another organization's team answers 404, even to an administrator of the URL's organization", async () => {
    const mine = await createUser();
    const other = await createUser();
    const otherTeam = await createTeamRow(other.orgId, "Secret team");
    const otherProduct = await createProduct(other.orgId);
    const client = await signedIn(mine);

    expect((await client.get(`/orgs/${mine.orgId}/teams/${otherTeam}`)).status).toBe(404);
    expect((await client.get(`/orgs/${other.orgId}/teams/${otherTeam}`)).status).toBe(404);
    expect((await client.get(`/orgs/${other.orgId}/teams`)).status).toBe(404);
    expect((await client.get(`/orgs/${mine.orgId}/teams/not-a-uuid`)).status).toBe(404);
    const rename = await client.post(`/orgs/${mine.orgId}/teams/${otherTeam}`, { intent: "rename", name: "Taken over" });
    expect(rename.status).toBe(404);
    const remove = await client.post(`/orgs/${mine.orgId}/teams/${otherTeam}`, { intent: "delete", confirm: "yes" });
    expect(remove.status).toBe(404);

    // A product of another organization cannot be granted to one's own team.
    const myTeam = await createTeamRow(mine.orgId, "Mine");
    const grant = await client.post(`/orgs/${mine.orgId}/teams/${myTeam}`, { intent: "permissions", [`level.${otherProduct}`]: "manage" });
    expect(grant.status).toBe(400);
    expect(await teamGrants(myTeam)).toEqual([]);
    expect((await testDb().selectFrom("teams").select("name").where("id", "=", otherTeam).executeTakeFirstOrThrow()).name).toBe(
      "Secret team",
    );
  });
});
