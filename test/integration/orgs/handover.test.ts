import { describe, expect, it } from "vitest";
import { textOf } from "../../support/app";
import { createMember, createUser, signedIn } from "../../support/factories";
import { auditEntries, mailsTo, membership, organization, transfers } from "../../support/orgadmin";
import { testDb } from "../../support/setup";

const page = (orgId: string) => `/orgs/${orgId}/legal-representative`;

describe("hand-over of the legal representative (O-6)", () => {
  it("O-6: the representative requests, the addressed member accepts: the role switches at once and the old representative stays an administrator", async () => {
    const rep = await createUser({ name: "Old Rep", organizationName: "Handover AG" });
    const next = await createMember(rep.orgId, "restricted", { name: "New Rep" });
    const repClient = await signedIn(rep);

    const form = await repClient.get(page(rep.orgId));
    expect(form.status).toBe(200);
    expect(form.html).toContain(`value="${next.userId}"`);

    const requested = await repClient.post(page(rep.orgId), { intent: "request", userId: next.userId });
    expect(requested.status).toBe(302);
    const [transfer] = await transfers(rep.orgId);
    expect(transfer).toMatchObject({ from_user_id: rep.userId, to_user_id: next.userId, state: "pending" });
    const [mail] = await mailsTo(next.email);
    expect(mail.subject).toContain("Old Rep");
    expect(mail.body_text).toContain(`/orgs/${rep.orgId}/legal-representative`);
    expect(textOf((await repClient.follow(requested)).html)).toContain("Old Rep asked New Rep");
    // Requesting changes nothing yet.
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(rep.userId);

    const nextClient = await signedIn(next);
    const answer = await nextClient.get(page(rep.orgId));
    expect(textOf(answer.html)).toContain("Accept and become legal representative");

    const accepted = await nextClient.post(page(rep.orgId), { intent: "accept", transferId: transfer.id });
    expect(accepted.status).toBe(302);
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(next.userId);
    expect((await membership(rep.orgId, next.userId))?.role).toBe("admin");
    expect((await membership(rep.orgId, rep.userId))?.role).toBe("admin");
    const [done] = await transfers(rep.orgId);
    expect(done.state).toBe("accepted");
    expect(done.decided_at).not.toBeNull();
    const [entry] = await auditEntries(rep.orgId, "legal_rep.handover_accepted");
    expect(entry).toMatchObject({ actor_user_id: next.userId, data: { fromUserId: rep.userId, toUserId: next.userId, previousRole: "restricted" } });
    expect((await mailsTo(rep.email)).map((m) => m.subject)).toContain("New Rep is now the legal representative of Handover AG");
    expect(textOf((await nextClient.follow(accepted)).html)).toContain("You are now the legal representative.");

    // O-3 follows the role: the new representative edits the data, the old one no longer can.
    const edit = { name: "Handover AG", country: "CH", currency: "CHF" };
    expect((await nextClient.post(`/orgs/${rep.orgId}/settings`, edit)).status).toBe(302);
    expect((await repClient.post(`/orgs/${rep.orgId}/settings`, edit)).status).toBe(403);
    const oldRepView = await repClient.get(page(rep.orgId));
    expect(textOf(oldRepView.html)).toContain(`New Rep (${next.email})`);
  });

  it("O-6: declining leaves everything as it was, and the representative is told", async () => {
    const rep = await createUser({ name: "Stays Rep", organizationName: "Decline GmbH" });
    const asked = await createMember(rep.orgId, "admin", { name: "Declines" });
    await (await signedIn(rep)).post(page(rep.orgId), { intent: "request", userId: asked.userId });
    const [transfer] = await transfers(rep.orgId);

    const declined = await (await signedIn(asked)).post(page(rep.orgId), { intent: "decline", transferId: transfer.id });
    expect(declined.status).toBe(302);
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(rep.userId);
    expect((await membership(rep.orgId, asked.userId))?.role).toBe("admin");
    expect((await transfers(rep.orgId))[0].state).toBe("declined");
    expect(await auditEntries(rep.orgId, "legal_rep.handover_declined")).toHaveLength(1);
    expect((await mailsTo(rep.email)).map((m) => m.subject)).toContain("Declines declined to become the legal representative of Decline GmbH");
  });

  it("O-6: only the addressed member can accept, and only the representative can request or withdraw", async () => {
    const rep = await createUser();
    const asked = await createMember(rep.orgId, "restricted");
    const admin = await createMember(rep.orgId, "admin", { name: "Other Admin" });
    const adminClient = await signedIn(admin);

    // Non-representatives cannot request (and see no request form).
    const view = await adminClient.get(page(rep.orgId));
    expect(view.status).toBe(200);
    expect(view.html).not.toContain('value="request"');
    expect((await adminClient.post(page(rep.orgId), { intent: "request", userId: admin.userId })).status).toBe(403);
    expect(await transfers(rep.orgId)).toEqual([]);

    const repClient = await signedIn(rep);
    await repClient.post(page(rep.orgId), { intent: "request", userId: asked.userId });
    const [transfer] = await transfers(rep.orgId);

    expect((await adminClient.post(page(rep.orgId), { intent: "accept", transferId: transfer.id })).status).toBe(403);
    expect((await repClient.post(page(rep.orgId), { intent: "accept", transferId: transfer.id })).status).toBe(403);
    expect((await adminClient.post(page(rep.orgId), { intent: "cancel", transferId: transfer.id })).status).toBe(403);
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(rep.userId);
    expect((await transfers(rep.orgId))[0].state).toBe("pending");

    // Others see who is asked, without buttons to answer.
    const pendingView = await adminClient.get(page(rep.orgId));
    expect(textOf(pendingView.html)).toContain("Pending hand-over");
    expect(pendingView.html).not.toContain('value="accept"');

    const cancelled = await repClient.post(page(rep.orgId), { intent: "cancel", transferId: transfer.id });
    expect(cancelled.status).toBe(302);
    expect((await transfers(rep.orgId))[0].state).toBe("cancelled");
    expect(await auditEntries(rep.orgId, "legal_rep.handover_cancelled")).toHaveLength(1);

    // A withdrawn request can no longer be accepted.
    const late = await (await signedIn(asked)).post(page(rep.orgId), { intent: "accept", transferId: transfer.id });
    expect(late.status).toBe(409);
    expect(textOf(late.html)).toContain("This request is no longer pending.");
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(rep.userId);
    expect((await membership(rep.orgId, asked.userId))?.role).toBe("restricted");
  });

  it("O-6: one pending request at a time, addressed to another member of the organization", async () => {
    const rep = await createUser();
    const first = await createMember(rep.orgId, "admin");
    const second = await createMember(rep.orgId, "admin");
    const outsider = await createUser();
    const client = await signedIn(rep);

    const self = await client.post(page(rep.orgId), { intent: "request", userId: rep.userId });
    expect(self.status).toBe(400);
    expect(textOf(self.html)).toContain("Choose another member than yourself.");
    const stranger = await client.post(page(rep.orgId), { intent: "request", userId: outsider.userId });
    expect(stranger.status).toBe(400);
    expect(textOf(stranger.html)).toContain("This person is not a member of the organization.");
    const byEmail = await client.post(page(rep.orgId), { intent: "request", email: outsider.email });
    expect(byEmail.status).toBe(400);
    const none = await client.post(page(rep.orgId), { intent: "request", userId: "" });
    expect(none.status).toBe(400);
    expect(textOf(none.html)).toContain("This field is required.");
    expect(await transfers(rep.orgId)).toEqual([]);

    expect((await client.post(page(rep.orgId), { intent: "request", email: first.email.toUpperCase() })).status).toBe(302);
    const again = await client.post(page(rep.orgId), { intent: "request", userId: second.userId });
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain("A hand-over request is already pending.");
    expect((await transfers(rep.orgId)).map((t) => t.to_user_id)).toEqual([first.userId]);
    expect(await mailsTo(second.email)).toEqual([]);
  });

  it("O-6: acceptance checks that the sender is still the representative; nothing changes otherwise", async () => {
    const rep = await createUser();
    const formerAdmin = await createMember(rep.orgId, "admin");
    const asked = await createMember(rep.orgId, "restricted");
    // A request whose sender no longer holds the role (e.g. left over from an earlier representative).
    const stale = await testDb()
      .insertInto("legal_rep_transfers")
      .values({ org_id: rep.orgId, from_user_id: formerAdmin.userId, to_user_id: asked.userId })
      .returning("id")
      .executeTakeFirstOrThrow();

    const result = await (await signedIn(asked)).post(page(rep.orgId), { intent: "accept", transferId: stale.id });
    expect(result.status).toBe(409);
    expect(textOf(result.html)).toContain("no longer the legal representative");
    expect((await organization(rep.orgId)).legal_rep_user_id).toBe(rep.userId);
    expect((await membership(rep.orgId, asked.userId))?.role).toBe("restricted");
    expect((await transfers(rep.orgId))[0].state).toBe("pending");
  });

  it("O-6: another organization's page and requests answer 404", async () => {
    const mine = await createUser();
    const other = await createUser();
    const otherMember = await createMember(other.orgId, "admin");
    await (await signedIn(other)).post(page(other.orgId), { intent: "request", userId: otherMember.userId });
    const [otherTransfer] = await transfers(other.orgId);
    const client = await signedIn(mine);

    expect((await client.get(page(other.orgId))).status).toBe(404);
    expect((await client.post(page(other.orgId), { intent: "accept", transferId: otherTransfer.id })).status).toBe(404);
    // Another organization's request id inside one's own organization's URL: not found either.
    expect((await client.post(page(mine.orgId), { intent: "cancel", transferId: otherTransfer.id })).status).toBe(404);
    const accepted = await (await signedIn(otherMember)).post(page(mine.orgId), { intent: "accept", transferId: otherTransfer.id });
    expect(accepted.status).toBe(404);
    expect((await transfers(other.orgId))[0].state).toBe("pending");
    expect((await organization(other.orgId)).legal_rep_user_id).toBe(other.userId);
  });
});
