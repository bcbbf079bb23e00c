import { describe, expect, it } from "vitest";
import { hashToken } from "../../../app/auth/tokens.server";
import { config } from "../../../app/config.server";
import { addMs, DAY, setClock } from "../../../app/lib/clock";
import { Client, textOf } from "../../support/app";
import { createProduct, createUser, grantProduct, signedIn, uniqueEmail } from "../../support/factories";
import {
  addToTeam,
  auditEntries,
  createTeam,
  invitationMails,
  latestInvitationPath,
  membershipOf,
  orgSnapshot,
  orgWithStaff,
  ownPermissions,
} from "../../support/members";
import { testDb } from "../../support/setup";

const db = () => testDb();

async function countUsers() {
  return Number((await db().selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
}

async function openInvitation(orgId: string, email: string) {
  return db()
    .selectFrom("invitations")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("email", "=", email)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** An administrator invites through the real form; returns the path of the mailed link. */
async function invite(client: Client, orgId: string, fields: Record<string, string | string[]>) {
  const page = await client.post(`/orgs/${orgId}/members/invite`, fields);
  if (page.status !== 302) throw new Error(`invitation failed: ${page.status} ${textOf(page.html).slice(0, 400)}`);
  return latestInvitationPath(String(fields.email).toLowerCase());
}

describe("inviting", () => {
  it("O-4/O-2: an administrator adds a new person with role, product permissions and teams set at once; the mail carries the link", async () => {
    const { orgId, admin } = await orgWithStaff("Invite");
    const web = await createProduct(orgId, "hosting", "web.invite.ch");
    const mail = await createProduct(orgId, "mail", "mail.invite.ch");
    const spare = await createProduct(orgId, "storage", "spare.invite.ch");
    const ops = await createTeam(orgId, "Ops");
    await createTeam(orgId, "Sales");
    const client = await signedIn(admin);

    const form = await client.get(`/orgs/${orgId}/members/invite`);
    expect(form.status).toBe(200);
    expect(form.html).toContain(`name="level.${web}"`);
    expect(textOf(form.html)).toContain("Ops");

    const email = uniqueEmail("newcomer");
    const sent = await client.post(`/orgs/${orgId}/members/invite`, {
      email: email.toUpperCase(),
      role: "restricted",
      [`level.${web}`]: "manage",
      [`level.${mail}`]: "read",
      [`level.${spare}`]: "none",
      "teamIds[]": [ops],
    });
    expect(sent.status).toBe(302);
    expect(textOf((await client.follow(sent)).html)).toContain("The invitation was sent.");

    const invitation = await openInvitation(orgId, email);
    expect(invitation).toBeDefined();
    expect(invitation!.role).toBe("restricted");
    expect(invitation!.permissions).toEqual({ [web]: "manage", [mail]: "read" });
    expect(invitation!.team_ids).toEqual([ops]);
    expect(invitation!.invited_by).toBe(admin.userId);
    expect(invitation!.expires_at.getTime() - Date.now()).toBeGreaterThan(13.9 * DAY);

    const [outbox] = await invitationMails(email);
    expect(outbox.org_id).toBe(orgId);
    expect(outbox.subject).toContain("Invite AG");
    const path = await latestInvitationPath(email);
    expect(outbox.body_text).toContain(`${config.publicUrl}${path}`);
    expect(hashToken(path.split("/invitations/")[1])).toBe(invitation!.token_hash);

    const list = textOf((await client.get(`/orgs/${orgId}/members`)).html);
    expect(list).toContain("Pending invitations");
    expect(list).toContain(email);
    const [entry] = await auditEntries(orgId, "invitation.created");
    expect(entry.actor_user_id).toBe(admin.userId);
  });

  it("O-4: inviting a member is a field error; an open invitation to the same address suggests re-sending", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Twice");
    const client = await signedIn(admin);

    const member = await client.post(`/orgs/${orgId}/members/invite`, { email: restricted.email, role: "admin" });
    expect(member.status).toBe(400);
    expect(textOf(member.html)).toContain("This person is already a member of the organization.");

    const email = uniqueEmail("twice");
    await invite(client, orgId, { email, role: "restricted" });
    const before = await orgSnapshot(orgId);
    const again = await client.post(`/orgs/${orgId}/members/invite`, { email, role: "admin" });
    expect(again.status).toBe(400);
    expect(textOf(again.html)).toContain("Re-send it from the list of users instead.");
    expect(await orgSnapshot(orgId)).toEqual(before);
    expect(await invitationMails(email)).toHaveLength(1);
  });

  it("O-4: products or teams of another organization cannot be granted through an invitation", async () => {
    const { orgId, admin } = await orgWithStaff("Foreign");
    const other = await createUser();
    const foreignProduct = await createProduct(other.orgId);
    const foreignTeam = await createTeam(other.orgId);
    const client = await signedIn(admin);
    const email = uniqueEmail("foreign");

    const product = await client.post(`/orgs/${orgId}/members/invite`, { email, role: "restricted", [`level.${foreignProduct}`]: "manage" });
    expect(product.status).toBe(400);
    expect(textOf(product.html)).toContain("One of the products does not belong to this organization.");
    const team = await client.post(`/orgs/${orgId}/members/invite`, { email, role: "restricted", "teamIds[]": [foreignTeam] });
    expect(team.status).toBe(400);
    expect(await openInvitation(orgId, email)).toBeUndefined();
  });
});

describe("accepting", () => {
  it("O-2/O-1: a person without an account creates it on acceptance, joins with the invited permissions and gets no organization of their own", async () => {
    const { orgId, admin } = await orgWithStaff("Newbie");
    const web = await createProduct(orgId, "hosting");
    const team = await createTeam(orgId, "Helpdesk");
    const email = uniqueEmail("fresh");
    const path = await invite(await signedIn(admin), orgId, {
      email,
      role: "restricted",
      [`level.${web}`]: "read",
      "teamIds[]": [team],
    });

    const visitor = new Client();
    const page = await visitor.get(path);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain("Invitation to Newbie AG");
    expect(text).toContain(`Newbie Admin invites ${email} to join Newbie AG as Restricted user.`);
    expect(text).toContain("Create account and join");
    // The invited address is shown, not editable and not posted.
    expect(page.html).toMatch(new RegExp(`<input id="invited-email" type="email" readonly=""[^>]*value="${email.replace(/\./g, "\\.")}"/>`));

    const usersBefore = await countUsers();
    const orgsBefore = Number((await db().selectFrom("organizations").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    // The e-mail comes from the invitation, whatever the form says.
    const created = await visitor.post(path, { intent: "create", name: "Fresh Person", password: "a-long-password", email: "other@example.ch" });
    expect(created.status).toBe(302);
    expect(created.location).toBe(`/orgs/${orgId}`);

    const user = await db().selectFrom("users").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
    expect(await countUsers()).toBe(usersBefore + 1);
    expect(await db().selectFrom("users").select("id").where("email", "=", "other@example.ch").executeTakeFirst()).toBeUndefined();
    const memberships = await db().selectFrom("memberships").selectAll().where("user_id", "=", user.id).execute();
    expect(memberships.map((m) => [m.org_id, m.role])).toEqual([[orgId, "restricted"]]);
    const orgsAfter = Number((await db().selectFrom("organizations").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    expect(orgsAfter).toBe(orgsBefore);
    expect(await ownPermissions(orgId, user.id)).toEqual({ [web]: "read" });
    const teams = await db().selectFrom("team_members").select("team_id").where("user_id", "=", user.id).execute();
    expect(teams.map((t) => t.team_id)).toEqual([team]);
    expect(user.last_org_id).toBe(orgId);
    const invitation = await db().selectFrom("invitations").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
    expect(invitation.accepted_at).not.toBeNull();

    // Signed in: the organization's page opens.
    const home = await visitor.follow(created);
    expect(home.status).toBe(200);
    expect(textOf(home.html)).toContain("Newbie AG");
    const [entry] = await auditEntries(orgId, "invitation.accepted");
    expect(entry.actor_user_id).toBe(user.id);

    // The link is single-use.
    const reused = await new Client().get(path);
    expect(reused.status).toBe(410);
    expect(textOf(reused.html)).toContain("This invitation has already been used.");
  });

  it("O-2: someone with an account signs in as it and joins with it: no second account, the invited permissions applied", async () => {
    const { orgId, admin } = await orgWithStaff("Existing");
    const web = await createProduct(orgId, "hosting");
    const mail = await createProduct(orgId, "mail");
    const person = await createUser({ name: "Has Account", organizationName: "Own Shop" });
    const path = await invite(await signedIn(admin), orgId, {
      email: person.email,
      role: "admin",
      [`level.${web}`]: "manage",
      [`level.${mail}`]: "read",
    });

    const visitor = new Client();
    const anonymous = await visitor.get(path);
    expect(anonymous.status).toBe(200);
    expect(textOf(anonymous.html)).toContain(`An account with ${person.email} exists. Sign in with it to answer the invitation.`);
    expect(anonymous.html).toContain(`/login?redirectTo=${encodeURIComponent(path)}`);
    expect(anonymous.html).not.toContain('name="password"');
    // Accepting without signing in leads to the sign-in page and back.
    const notSignedIn = await visitor.post(path, { intent: "accept" });
    expect(notSignedIn.status).toBe(302);
    expect(notSignedIn.location).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
    // A new account for an existing address is refused.
    const duplicate = await visitor.post(path, { intent: "create", name: "Impostor", password: "a-long-password" });
    expect(duplicate.status).toBe(409);
    expect(await membershipOf(orgId, person.userId)).toBeUndefined();

    const usersBefore = await countUsers();
    const signIn = await visitor.post("/login", { email: person.email, password: person.password, redirectTo: path });
    expect(signIn.location).toBe(path);
    const page = await visitor.get(path);
    expect(textOf(page.html)).toContain("Accept and join");

    const accepted = await visitor.post(path, { intent: "accept" });
    expect(accepted.status).toBe(302);
    expect(accepted.location).toBe(`/orgs/${orgId}`);
    expect(await countUsers()).toBe(usersBefore);
    expect((await membershipOf(orgId, person.userId))?.role).toBe("admin");
    expect(await membershipOf(person.orgId, person.userId)).toBeDefined();
    expect(await ownPermissions(orgId, person.userId)).toEqual({ [web]: "manage", [mail]: "read" });
    expect((await visitor.follow(accepted)).status).toBe(200);
  });

  it("O-2: signed in as another account, the invitation cannot be accepted, declined or used to create an account", async () => {
    const { orgId, admin } = await orgWithStaff("Wrong");
    const invited = await createUser({ name: "Invited One" });
    const path = await invite(await signedIn(admin), orgId, { email: invited.email, role: "restricted" });
    const someoneElse = await createUser({ name: "Someone Else" });
    const client = await signedIn(someoneElse);
    const before = await orgSnapshot(orgId);

    const page = await client.get(path);
    expect(textOf(page.html)).toContain(`You are signed in as ${someoneElse.email}, but this invitation is for ${invited.email}.`);
    expect(textOf(page.html)).not.toContain("Accept and join");
    const forms: Record<string, string>[] = [
      { intent: "accept" },
      { intent: "decline", confirm: "yes" },
      { intent: "create", name: "X", password: "a-long-password" },
    ];
    for (const form of forms) {
      const refused = await client.post(path, form);
      expect(refused.status).toBe(409);
    }
    const accepted = await client.post(path, { intent: "accept" });
    expect(textOf(accepted.html)).toContain("This invitation is for another e-mail address than the account you are signed in with.");
    expect(await orgSnapshot(orgId)).toEqual(before);
    expect(await membershipOf(orgId, someoneElse.userId)).toBeUndefined();
  });

  it("O-2: an expired invitation is refused and changes nothing", async () => {
    const { orgId, admin } = await orgWithStaff("Expired");
    const email = uniqueEmail("late");
    const path = await invite(await signedIn(admin), orgId, { email, role: "restricted" });
    setClock(() => addMs(new Date(), 15 * DAY));
    const visitor = new Client();
    const before = await orgSnapshot(orgId);
    const usersBefore = await countUsers();

    const page = await visitor.get(path);
    expect(page.status).toBe(410);
    expect(textOf(page.html)).toContain("This invitation has expired.");
    const refused = await visitor.post(path, { intent: "create", name: "Too Late", password: "a-long-password" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("This invitation has expired.");
    expect(await countUsers()).toBe(usersBefore);
    expect(await orgSnapshot(orgId)).toEqual(before);

    // The administrator sees it as expired and can re-send it.
    const list = textOf((await (await signedIn(admin)).get(`/orgs/${orgId}/members`)).html);
    // email · role · invited by · validity
    expect(list).toContain(`${email} Restricted user Expired Admin Expired Re-send Revoke`);
  });

  it("O-2: declining ends the invitation after a confirmation; no account is created", async () => {
    const { orgId, admin } = await orgWithStaff("Decline");
    const email = uniqueEmail("nope");
    const path = await invite(await signedIn(admin), orgId, { email, role: "restricted" });
    const visitor = new Client();

    const confirm = await visitor.post(path, { intent: "decline" });
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain("Decline the invitation?");
    expect(await openInvitation(orgId, email)).toBeDefined();

    const declined = await visitor.post(path, { intent: "decline", confirm: "yes" });
    expect(declined.status).toBe(302);
    expect(textOf((await visitor.follow(declined)).html)).toContain("You declined the invitation.");
    expect(await openInvitation(orgId, email)).toBeUndefined();
    expect(await db().selectFrom("users").select("id").where("email", "=", email).executeTakeFirst()).toBeUndefined();
    const [entry] = await auditEntries(orgId, "invitation.declined");
    expect(entry.data).toEqual({ email });
    expect((await visitor.post(path, { intent: "create", name: "Later", password: "a-long-password" })).status).toBe(409);
  });

  it("O-2: an unknown token shows a clear message", async () => {
    const page = await new Client().get("/invitations/not-a-real-token");
    expect(page.status).toBe(404);
    expect(textOf(page.html)).toContain("This invitation link is not valid.");
    const post = await new Client().post("/invitations/not-a-real-token", { intent: "create", name: "X", password: "a-long-password" });
    expect(post.status).toBe(409);
  });
});

describe("re-sending and revoking", () => {
  it("O-2: re-sending mails a fresh link, the old link stops working and the expiry is extended", async () => {
    const { orgId, admin } = await orgWithStaff("Resend");
    const email = uniqueEmail("again");
    const client = await signedIn(admin);
    const oldPath = await invite(client, orgId, { email, role: "restricted" });
    const invitation = (await openInvitation(orgId, email))!;

    const later = addMs(new Date(), 10 * DAY);
    setClock(() => later);
    const resent = await client.post(`/orgs/${orgId}/members`, { intent: "resend", invitationId: invitation.id });
    expect(resent.status).toBe(302);
    expect(textOf((await client.follow(resent)).html)).toContain("The invitation was sent again with a new link");

    const newPath = await latestInvitationPath(email);
    expect(newPath).not.toBe(oldPath);
    expect(await invitationMails(email)).toHaveLength(2);
    const updated = (await openInvitation(orgId, email))!;
    expect(updated.id).toBe(invitation.id);
    expect(updated.expires_at.getTime()).toBe(later.getTime() + 14 * DAY);

    const visitor = new Client();
    const old = await visitor.get(oldPath);
    expect(old.status).toBe(404);
    expect(textOf(old.html)).toContain("This invitation link is not valid.");
    expect((await visitor.post(oldPath, { intent: "create", name: "Old Link", password: "a-long-password" })).status).toBe(409);
    expect(await db().selectFrom("users").select("id").where("email", "=", email).executeTakeFirst()).toBeUndefined();

    const fresh = await visitor.post(newPath, { intent: "create", name: "New Link", password: "a-long-password" });
    expect(fresh.status).toBe(302);
    const [entry] = await auditEntries(orgId, "invitation.resent");
    expect(entry.target_id).toBe(invitation.id);
  });

  it("O-2: a revoked invitation is refused; revoking asks for confirmation and is audited", async () => {
    const { orgId, admin } = await orgWithStaff("Revoke");
    const email = uniqueEmail("revoked");
    const client = await signedIn(admin);
    const path = await invite(client, orgId, { email, role: "admin" });
    const invitation = (await openInvitation(orgId, email))!;

    const confirm = await client.post(`/orgs/${orgId}/members`, { intent: "revoke", invitationId: invitation.id });
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain(`Revoke the invitation to ${email}?`);
    expect(await openInvitation(orgId, email)).toBeDefined();

    const revoked = await client.post(`/orgs/${orgId}/members`, { intent: "revoke", invitationId: invitation.id, confirm: "yes" });
    expect(revoked.status).toBe(302);
    const row = await db().selectFrom("invitations").selectAll().where("id", "=", invitation.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expect(await auditEntries(orgId, "invitation.revoked")).toHaveLength(1);

    const visitor = new Client();
    const page = await visitor.get(path);
    expect(page.status).toBe(410);
    expect(textOf(page.html)).toContain("This invitation was withdrawn or declined.");
    const usersBefore = await countUsers();
    expect((await visitor.post(path, { intent: "create", name: "Revoked", password: "a-long-password" })).status).toBe(409);
    expect(await countUsers()).toBe(usersBefore);

    // A revoked invitation can no longer be re-sent; a new one can be made.
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "resend", invitationId: invitation.id })).status).toBe(409);
    await invite(client, orgId, { email, role: "admin" });
  });

  it("O-4: a restricted user cannot invite, re-send or revoke (403, nothing changes)", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("NoInvite");
    const email = uniqueEmail("pending");
    await invite(await signedIn(admin), orgId, { email, role: "restricted" });
    const invitation = (await openInvitation(orgId, email))!;
    const client = await signedIn(restricted);
    const before = await orgSnapshot(orgId);

    expect((await client.get(`/orgs/${orgId}/members/invite`)).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members/invite`, { email: uniqueEmail(), role: "admin" })).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "resend", invitationId: invitation.id })).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "revoke", invitationId: invitation.id })).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "revoke", invitationId: invitation.id, confirm: "yes" })).status).toBe(403);
    expect(await orgSnapshot(orgId)).toEqual(before);
    expect(await invitationMails(email)).toHaveLength(1);
  });

  it("O-4: another organization's invitation id gives 404, to its administrators too", async () => {
    const target = await orgWithStaff("Victim");
    const email = uniqueEmail("victim");
    await invite(await signedIn(target.admin), target.orgId, { email, role: "restricted" });
    const invitation = (await openInvitation(target.orgId, email))!;
    const attacker = await createUser({ name: "Attacker" });
    const client = await signedIn(attacker);
    const before = await orgSnapshot(target.orgId);

    // Through their own organization's URL, naming the other organization's invitation.
    expect((await client.post(`/orgs/${attacker.orgId}/members`, { intent: "resend", invitationId: invitation.id })).status).toBe(404);
    expect((await client.post(`/orgs/${attacker.orgId}/members`, { intent: "revoke", invitationId: invitation.id, confirm: "yes" })).status).toBe(404);
    // Through the other organization's URL.
    expect((await client.post(`/orgs/${target.orgId}/members`, { intent: "resend", invitationId: invitation.id })).status).toBe(404);
    expect(await orgSnapshot(target.orgId)).toEqual(before);
    expect(await invitationMails(email)).toHaveLength(1);
  });
});

describe("teams through invitations", () => {
  it("O-7: team grants given through the invitation's teams apply to the new member", async () => {
    const { orgId, admin } = await orgWithStaff("TeamGrant");
    const web = await createProduct(orgId, "hosting", "team.web.ch");
    const team = await createTeam(orgId, "Web team");
    await grantProduct(orgId, web, "manage", { teamId: team });
    const email = uniqueEmail("teamed");
    const path = await invite(await signedIn(admin), orgId, { email, role: "restricted", "teamIds[]": [team] });
    const visitor = new Client();
    expect((await visitor.post(path, { intent: "create", name: "Teamed", password: "a-long-password" })).status).toBe(302);
    const user = await db().selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();

    const editor = await (await signedIn(admin)).get(`/orgs/${orgId}/members/${user.id}`);
    const start = editor.html.indexOf(`data-product="${web}"`);
    const row = editor.html.slice(start, editor.html.indexOf("</tr>", start));
    expect(row).toMatch(/data-cell="effective"[^>]*>Manage</);
  });
});
