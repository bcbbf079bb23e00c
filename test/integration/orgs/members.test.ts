import { describe, expect, it } from "vitest";
import { textOf } from "../../support/app";
import { createMember, createProduct, createUser, grantProduct, signedIn } from "../../support/factories";
import {
  addToTeam,
  auditEntries,
  bulkMembers,
  createTeam,
  membershipOf,
  orgSnapshot,
  orgWithStaff,
  ownPermissions,
} from "../../support/members";
import { testDb } from "../../support/setup";

describe("members list", () => {
  it("O-3/O-7: the list shows every member with role, the legal representative as such, and their teams", async () => {
    const { orgId, rep, admin, restricted } = await orgWithStaff("Listing");
    const team = await createTeam(orgId, "Support crew");
    await addToTeam(orgId, team, restricted.userId);
    const client = await signedIn(admin);

    const page = await client.get(`/orgs/${orgId}/members`);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(`${rep.name} ${rep.email} Legal representative`);
    expect(text).toContain(`${admin.name} ${admin.email} Administrator`);
    expect(text).toContain(`${restricted.name} ${restricted.email} Restricted user Support crew`);
    expect(text).toContain("3 user(s)");
  });

  it("O-4: search by name or e-mail and pagination run in SQL, 50 per page", async () => {
    const { orgId, admin } = await orgWithStaff("Paging");
    await bulkMembers(orgId, 60, "Zed Bulk");
    const client = await signedIn(admin);

    const first = textOf((await client.get(`/orgs/${orgId}/members?q=zed+bulk`)).html);
    expect(first).toContain("60 user(s)");
    expect(first).toContain("Zed Bulk 050");
    expect(first).not.toContain("Zed Bulk 051");
    expect(first).toContain("Page 1 of 2");

    const second = textOf((await client.get(`/orgs/${orgId}/members?q=zed+bulk&page=2`)).html);
    expect(second).toContain("Zed Bulk 051");
    expect(second).toContain("Zed Bulk 060");
    expect(second).not.toContain("Zed Bulk 050");
    expect(second).toContain("Page 2 of 2");

    const byEmail = textOf((await client.get(`/orgs/${orgId}/members?q=${encodeURIComponent(admin.email)}`)).html);
    expect(byEmail).toContain("1 user(s)");
    expect(byEmail).toContain(admin.name);

    // LIKE wildcards in the search are taken literally.
    const wildcard = textOf((await client.get(`/orgs/${orgId}/members?q=%25`)).html);
    expect(wildcard).toContain("No user matches “%”.");
  });

  it("O-4: restricted users see the list but no administration controls", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Readonly");
    const page = await (await signedIn(restricted)).get(`/orgs/${orgId}/members`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(admin.name);
    expect(page.html).not.toContain('name="userIds[]"');
    expect(textOf(page.html)).not.toContain("Remove selected");
    expect(textOf(page.html)).not.toContain("Invite a user");
    expect(textOf(page.html)).not.toContain("Pending invitations");

    const adminPage = await (await signedIn(admin)).get(`/orgs/${orgId}/members`);
    expect(adminPage.html).toContain('name="userIds[]"');
    expect(textOf(adminPage.html)).toContain("Pending invitations");
  });
});

describe("removing members", () => {
  it("O-4: an administrator removes several users at once, after a confirmation, in one transaction with an audit entry each", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Bulk");
    const other = await createMember(orgId, "admin", { name: "Other Admin" });
    const keep = await createMember(orgId, "restricted", { name: "Keeps Access" });
    const product = await createProduct(orgId);
    await grantProduct(orgId, product, "manage", { userId: restricted.userId });
    const team = await createTeam(orgId);
    await addToTeam(orgId, team, other.userId);
    const client = await signedIn(admin);

    const confirm = await client.post(`/orgs/${orgId}/members`, { intent: "remove", "userIds[]": [restricted.userId, other.userId] });
    expect(confirm.status).toBe(200);
    const confirmText = textOf(confirm.html);
    expect(confirmText).toContain("Remove these users?");
    expect(confirmText).toContain(restricted.name);
    expect(confirmText).toContain(other.name);
    expect(confirmText).toContain("Remove 2 user(s)");
    // The confirmation step changes nothing.
    expect(await membershipOf(orgId, restricted.userId)).toBeDefined();
    expect(await membershipOf(orgId, other.userId)).toBeDefined();

    const done = await client.post(`/orgs/${orgId}/members`, {
      intent: "remove",
      confirm: "yes",
      "userIds[]": [restricted.userId, other.userId],
    });
    expect(done.status).toBe(302);
    const list = await client.follow(done);
    expect(textOf(list.html)).toContain("2 user(s) removed.");
    expect(textOf(list.html)).not.toContain(other.email);

    expect(await membershipOf(orgId, restricted.userId)).toBeUndefined();
    expect(await membershipOf(orgId, other.userId)).toBeUndefined();
    expect(await membershipOf(orgId, keep.userId)).toBeDefined();
    expect(await ownPermissions(orgId, restricted.userId)).toEqual({});
    const teamRows = await testDb().selectFrom("team_members").selectAll().where("team_id", "=", team).execute();
    expect(teamRows).toHaveLength(0);
    // Their accounts and own organizations remain.
    expect(await membershipOf(restricted.orgId, restricted.userId)).toBeDefined();

    const entries = await auditEntries(orgId, "member.removed");
    expect(entries.map((e) => e.target_id).sort()).toEqual([restricted.userId, other.userId].sort());
    expect(entries.every((e) => e.actor_user_id === admin.userId)).toBe(true);
  });

  it("O-5/O-4: the legal representative cannot be removed; nobody in the selection is removed", async () => {
    const { orgId, rep, admin, restricted } = await orgWithStaff("RepStays");
    const client = await signedIn(admin);
    const before = await orgSnapshot(orgId);

    const confirm = await client.post(`/orgs/${orgId}/members`, { intent: "remove", "userIds[]": [restricted.userId, rep.userId] });
    expect(confirm.status).toBe(409);
    expect(textOf(confirm.html)).toContain("The legal representative cannot be removed");

    const forced = await client.post(`/orgs/${orgId}/members`, {
      intent: "remove",
      confirm: "yes",
      "userIds[]": [restricted.userId, rep.userId],
    });
    expect(forced.status).toBe(409);
    expect(textOf(forced.html)).toContain("Nobody was removed.");
    expect(await orgSnapshot(orgId)).toEqual(before);
  });

  it("O-4: a restricted user posting the removal gets 403 and nothing changes", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("NoRights");
    const client = await signedIn(restricted);
    const before = await orgSnapshot(orgId);

    const preview = await client.post(`/orgs/${orgId}/members`, { intent: "remove", "userIds[]": [admin.userId] });
    expect(preview.status).toBe(403);
    const forced = await client.post(`/orgs/${orgId}/members`, { intent: "remove", confirm: "yes", "userIds[]": [admin.userId] });
    expect(forced.status).toBe(403);
    expect(await orgSnapshot(orgId)).toEqual(before);
  });

  it("O-4: a removal without a selection asks to select someone", async () => {
    const { orgId, admin } = await orgWithStaff("Empty");
    const page = await (await signedIn(admin)).post(`/orgs/${orgId}/members`, { intent: "remove" });
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain("Select at least one user.");
  });
});

describe("permissions editor", () => {
  it("O-4: an administrator changes another user's role and product permissions, replacing their rows, with before/after audited", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Editor");
    const web = await createProduct(orgId, "hosting", "web.example.ch");
    const mail = await createProduct(orgId, "mail", "mail.example.ch");
    const disk = await createProduct(orgId, "storage", "disk.example.ch");
    await grantProduct(orgId, web, "manage", { userId: restricted.userId });
    await grantProduct(orgId, disk, "read", { userId: restricted.userId });
    const client = await signedIn(admin);

    const form = await client.get(`/orgs/${orgId}/members/${restricted.userId}`);
    expect(form.status).toBe(200);
    expect(textOf(form.html)).toContain(`Permissions of ${restricted.name}`);

    const saved = await client.post(`/orgs/${orgId}/members/${restricted.userId}`, {
      role: "restricted",
      [`level.${web}`]: "read",
      [`level.${mail}`]: "manage",
      [`level.${disk}`]: "none",
    });
    expect(saved.status).toBe(302);
    expect(textOf((await client.follow(saved)).html)).toContain("The permissions were saved.");
    expect(await ownPermissions(orgId, restricted.userId)).toEqual({ [web]: "read", [mail]: "manage" });

    const [entry] = await auditEntries(orgId, "member.permissions_changed");
    expect(entry.target_id).toBe(restricted.userId);
    expect(entry.data).toEqual({
      before: { role: "restricted", permissions: { [web]: "manage", [disk]: "read" } },
      after: { role: "restricted", permissions: { [web]: "read", [mail]: "manage" } },
    });

    const promoted = await client.post(`/orgs/${orgId}/members/${restricted.userId}`, { role: "admin", [`level.${web}`]: "read" });
    expect(promoted.status).toBe(302);
    expect((await membershipOf(orgId, restricted.userId))?.role).toBe("admin");
    expect(await ownPermissions(orgId, restricted.userId)).toEqual({ [web]: "read" });
  });

  it("O-4: an administrator changes their own permissions, down to restricted", async () => {
    const { orgId, admin } = await orgWithStaff("Self");
    const web = await createProduct(orgId, "hosting");
    const client = await signedIn(admin);

    const saved = await client.post(`/orgs/${orgId}/members/${admin.userId}`, { role: "restricted", [`level.${web}`]: "manage" });
    expect(saved.status).toBe(302);
    expect((await membershipOf(orgId, admin.userId))?.role).toBe("restricted");
    expect(await ownPermissions(orgId, admin.userId)).toEqual({ [web]: "manage" });
    const [entry] = await auditEntries(orgId, "member.permissions_changed");
    expect(entry.actor_user_id).toBe(admin.userId);
    expect(entry.target_id).toBe(admin.userId);

    // From now on they are a restricted user: the list has no controls, the editor refuses.
    const list = await client.get(`/orgs/${orgId}/members`);
    expect(list.html).not.toContain('name="userIds[]"');
    expect((await client.get(`/orgs/${orgId}/members/${admin.userId}`)).status).toBe(403);
  });

  it("O-7: the editor shows the level from teams and the effective level, the highest of own and team grants", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Effective");
    const web = await createProduct(orgId, "hosting", "a-web.example.ch");
    const mail = await createProduct(orgId, "mail", "b-mail.example.ch");
    const disk = await createProduct(orgId, "storage", "c-disk.example.ch");
    const teamA = await createTeam(orgId, "Alpha");
    const teamB = await createTeam(orgId, "Beta");
    await addToTeam(orgId, teamA, restricted.userId);
    await addToTeam(orgId, teamB, restricted.userId);
    await grantProduct(orgId, web, "read", { userId: restricted.userId });
    await grantProduct(orgId, web, "manage", { teamId: teamA });
    await grantProduct(orgId, mail, "manage", { userId: restricted.userId });
    await grantProduct(orgId, mail, "read", { teamId: teamB });
    await grantProduct(orgId, disk, "read", { teamId: teamA });
    await grantProduct(orgId, disk, "manage", { teamId: teamB });
    const outsiderTeam = await createTeam(orgId, "Gamma");
    const product4 = await createProduct(orgId, "chat", "d-chat.example.ch");
    await grantProduct(orgId, product4, "manage", { teamId: outsiderTeam });

    const page = await (await signedIn(admin)).get(`/orgs/${orgId}/members/${restricted.userId}`);
    expect(page.status).toBe(200);
    const cell = (productId: string, name: "team" | "effective") => {
      const start = page.html.indexOf(`data-product="${productId}"`);
      const rowHtml = page.html.slice(start, page.html.indexOf("</tr>", start));
      return textOf(rowHtml.match(new RegExp(`data-cell="${name}"[^>]*>([^<]*)<`))?.[1] ?? "");
    };
    const own = (productId: string) => {
      const start = page.html.indexOf(`name="level.${productId}"`);
      const selectHtml = page.html.slice(start, page.html.indexOf("</select>", start));
      return selectHtml.match(/<option value="(\w+)" selected/)?.[1];
    };
    // own read, team manage → manage
    expect([own(web), cell(web, "team"), cell(web, "effective")]).toEqual(["read", "Manage", "Manage"]);
    // own manage, team read → manage
    expect([own(mail), cell(mail, "team"), cell(mail, "effective")]).toEqual(["manage", "Read", "Manage"]);
    // no own grant, two teams (read, manage) → manage
    expect([own(disk), cell(disk, "team"), cell(disk, "effective")]).toEqual(["none", "Manage", "Manage"]);
    // a team the user is not in gives nothing
    expect([own(product4), cell(product4, "team"), cell(product4, "effective")]).toEqual(["none", "No access", "No access"]);
    expect(textOf(page.html)).toContain("Teams: Alpha, Beta");
  });

  it("O-3/O-6: the legal representative's role is shown but cannot be changed in the editor", async () => {
    const { orgId, rep, admin } = await orgWithStaff("RepRole");
    const client = await signedIn(admin);
    const page = await client.get(`/orgs/${orgId}/members/${rep.userId}`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Legal representative");
    expect(page.html).not.toContain('name="role"');
    const before = await orgSnapshot(orgId);
    const refused = await client.post(`/orgs/${orgId}/members/${rep.userId}`, { role: "restricted" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("changes only by handing the role over");
    expect(await orgSnapshot(orgId)).toEqual(before);
  });

  it("O-4: a restricted user posting any administration form gets 403 and nothing changes", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Forbidden");
    const web = await createProduct(orgId);
    const client = await signedIn(restricted);
    const before = await orgSnapshot(orgId);

    expect((await client.get(`/orgs/${orgId}/members/${restricted.userId}`)).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members/${restricted.userId}`, { role: "admin", [`level.${web}`]: "manage" })).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members/${admin.userId}`, { role: "restricted" })).status).toBe(403);
    expect((await client.get(`/orgs/${orgId}/members/invite`)).status).toBe(403);
    expect((await client.post(`/orgs/${orgId}/members/invite`, { email: "new.person@example.ch", role: "admin" })).status).toBe(403);
    expect(await orgSnapshot(orgId)).toEqual(before);
  });
});

describe("another organization", () => {
  it("O-4: a user of another organization gets 404 on every members URL and changes nothing", async () => {
    const { orgId, admin, restricted } = await orgWithStaff("Target");
    const stranger = await createUser({ name: "Stranger" });
    const client = await signedIn(stranger);
    const before = await orgSnapshot(orgId);

    expect((await client.get(`/orgs/${orgId}/members`)).status).toBe(404);
    expect((await client.get(`/orgs/${orgId}/members/invite`)).status).toBe(404);
    expect((await client.get(`/orgs/${orgId}/members/${restricted.userId}`)).status).toBe(404);
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "remove", confirm: "yes", "userIds[]": [restricted.userId] })).status).toBe(404);
    expect((await client.post(`/orgs/${orgId}/members/${admin.userId}`, { role: "restricted" })).status).toBe(404);
    expect((await client.post(`/orgs/${orgId}/members/invite`, { email: "x.y@example.ch", role: "admin" })).status).toBe(404);
    expect(await orgSnapshot(orgId)).toEqual(before);
  });

  it("O-4: an administrator naming a user of another organization in their own URLs gets 404", async () => {
    const { orgId, admin } = await orgWithStaff("Home");
    const outsider = await createUser({ name: "Outsider" });
    const client = await signedIn(admin);
    const before = await orgSnapshot(orgId);
    const outsiderBefore = await orgSnapshot(outsider.orgId);

    expect((await client.get(`/orgs/${orgId}/members/${outsider.userId}`)).status).toBe(404);
    expect((await client.get(`/orgs/${orgId}/members/not-a-uuid`)).status).toBe(404);
    expect((await client.post(`/orgs/${orgId}/members/${outsider.userId}`, { role: "restricted" })).status).toBe(404);
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "remove", "userIds[]": [outsider.userId] })).status).toBe(404);
    expect((await client.post(`/orgs/${orgId}/members`, { intent: "remove", confirm: "yes", "userIds[]": [outsider.userId] })).status).toBe(404);
    // Nor can another organization's product be granted to one of their own members.
    const foreignProduct = await createProduct(outsider.orgId);
    const granted = await client.post(`/orgs/${orgId}/members/${admin.userId}`, { role: "admin", [`level.${foreignProduct}`]: "manage" });
    expect(granted.status).toBe(400);
    expect(textOf(granted.html)).toContain("One of the products does not belong to this organization.");
    expect(await orgSnapshot(orgId)).toEqual(before);
    expect(await orgSnapshot(outsider.orgId)).toEqual(outsiderBefore);
  });
});
