import { describe, expect, it } from "vitest";
import { textOf } from "../../support/app";
import { addMember, createMember, createProduct, createUser, grantProduct, signedIn } from "../../support/factories";
import {
  addToTeam,
  auditEntries,
  createAccountOnlyIn,
  createTeamRow,
  membership,
  organization,
  teamMembers,
  transfers,
  userGrants,
} from "../../support/orgadmin";
import { testDb } from "../../support/setup";

const leave = (orgId: string) => `/orgs/${orgId}/leave`;

describe("leaving an organization (O-5)", () => {
  it("O-5: a member leaves on their own after confirming; their teams and permissions there go, and the organization answers 404 for them", async () => {
    const rep = await createUser({ organizationName: "Left Behind AG" });
    const member = await createMember(rep.orgId, "restricted");
    const productId = await createProduct(rep.orgId);
    await grantProduct(rep.orgId, productId, "manage", { userId: member.userId });
    const teamId = await createTeamRow(rep.orgId, "Team");
    await addToTeam(rep.orgId, teamId, member.userId);
    await testDb().updateTable("users").set({ last_org_id: rep.orgId }).where("id", "=", member.userId).execute();
    const client = await signedIn(member);

    const confirmPage = await client.get(leave(rep.orgId));
    expect(confirmPage.status).toBe(200);
    expect(textOf(confirmPage.html)).toContain("I confirm that I leave Left Behind AG.");

    const unconfirmed = await client.post(leave(rep.orgId), {});
    expect(unconfirmed.status).toBe(400);
    expect(textOf(unconfirmed.html)).toContain("Tick the box to confirm.");
    expect(await membership(rep.orgId, member.userId)).toBeDefined();

    const left = await client.post(leave(rep.orgId), { confirm: "yes" });
    expect(left.status).toBe(302);
    expect(left.location).toBe("/");
    expect(await membership(rep.orgId, member.userId)).toBeUndefined();
    expect(await teamMembers(teamId)).toEqual([]);
    expect(await userGrants(rep.orgId, member.userId)).toEqual([]);
    const [entry] = await auditEntries(rep.orgId, "member.left");
    expect(entry).toMatchObject({ actor_user_id: member.userId, target_id: member.userId, data: { role: "restricted" } });

    // Home now leads to the organization they still belong to.
    const home = await client.get("/");
    expect(home.location).toBe(`/orgs/${member.orgId}`);
    for (const path of ["", "/settings", "/teams", `/teams/${teamId}`, "/legal-representative", "/leave"]) {
      expect((await client.get(`/orgs/${rep.orgId}${path}`)).status).toBe(404);
    }
    expect((await client.post(leave(rep.orgId), { confirm: "yes" })).status).toBe(404);
  });

  it("O-5: the legal representative cannot leave until the role is handed over; nothing changes", async () => {
    const rep = await createUser();
    const next = await createMember(rep.orgId, "admin");
    const client = await signedIn(rep);

    const view = await client.get(leave(rep.orgId));
    expect(view.status).toBe(200);
    expect(textOf(view.html)).toContain("You are the legal representative");
    expect(view.html).toContain(`href="/orgs/${rep.orgId}/legal-representative"`);
    expect(view.html).not.toContain('name="confirm"');

    const refused = await client.post(leave(rep.orgId), { confirm: "yes" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("You are the legal representative");
    expect(refused.html).toContain(`href="/orgs/${rep.orgId}/legal-representative"`);
    expect(await membership(rep.orgId, rep.userId)).toBeDefined();
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(rep.userId);
    expect(await auditEntries(rep.orgId, "member.left")).toEqual([]);

    // Once the role is handed over, the former representative may leave (they belong to another organization too).
    await addMember((await createUser()).orgId, rep.userId, "restricted");
    await client.post(`/orgs/${rep.orgId}/legal-representative`, { intent: "request", userId: next.userId });
    const [transfer] = await transfers(rep.orgId);
    await (await signedIn(next)).post(`/orgs/${rep.orgId}/legal-representative`, { intent: "accept", transferId: transfer.id });
    const left = await client.post(leave(rep.orgId), { confirm: "yes" });
    expect(left.status).toBe(302);
    expect(await membership(rep.orgId, rep.userId)).toBeUndefined();
  });

  it("O-5/O-1: nobody leaves their last organization", async () => {
    const rep = await createUser();
    const only = await createAccountOnlyIn(rep.orgId, "admin");
    const client = await signedIn(only);

    const view = await client.get(leave(rep.orgId));
    expect(textOf(view.html)).toContain("This is your only organization");
    expect(view.html).not.toContain('name="confirm"');

    const refused = await client.post(leave(rep.orgId), { confirm: "yes" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("This is your only organization");
    expect(await membership(rep.orgId, only.userId)).toBeDefined();
  });

  it("O-5/O-6: leaving withdraws a hand-over request addressed to the member who leaves", async () => {
    const rep = await createUser();
    const asked = await createMember(rep.orgId, "admin");
    await (await signedIn(rep)).post(`/orgs/${rep.orgId}/legal-representative`, { intent: "request", userId: asked.userId });

    const left = await (await signedIn(asked)).post(leave(rep.orgId), { confirm: "yes" });
    expect(left.status).toBe(302);
    const [transfer] = await transfers(rep.orgId);
    expect(transfer.state).toBe("cancelled");
    // The representative can ask someone else at once.
    const other = await createMember(rep.orgId, "admin");
    const again = await (await signedIn(rep)).post(`/orgs/${rep.orgId}/legal-representative`, { intent: "request", userId: other.userId });
    expect(again.status).toBe(302);
  });

  it("O-5: leaving an organization one does not belong to answers 404", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const member = await createMember(owner.orgId, "restricted");
    const client = await signedIn(stranger);
    expect((await client.get(leave(owner.orgId))).status).toBe(404);
    expect((await client.post(leave(owner.orgId), { confirm: "yes" })).status).toBe(404);
    expect(await membership(owner.orgId, member.userId)).toBeDefined();
    expect(await membership(owner.orgId, owner.userId)).toBeDefined();
  });
});
