import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../../app/auth/password.server";
import { textOf } from "../../support/app";
import { auditEntries } from "../../support/backoffice";
import { addMember, createMember, createProduct, createUser, grantProduct, signedIn, uniqueEmail } from "../../support/factories";
import { canSignIn, createMailbox, loginHash, mailboxHash, mailboxPasswordIs } from "../../support/products";
import { testDb } from "../../support/setup";

const MAILBOX_PASSWORD = "mailbox-password-0";
const UNIFY_LABEL = "Also use this password to sign in to the portal";

/** A user whose login e-mail is a mailbox of their own organization's mail product. */
async function mailboxOwner(opts: { webmailOthers?: number; webmailSelf?: boolean; differentAddress?: boolean } = {}) {
  const email = uniqueEmail("info");
  const user = await createUser({ email, name: "Mailbox Owner" });
  const productId = await createProduct(user.orgId, "mail", "mail.owner.ch");
  const others = [];
  for (let i = 0; i < (opts.webmailOthers ?? 0); i++) others.push(await createUser({ name: `Webmail Other ${i}` }));
  const address = opts.differentAddress ? uniqueEmail("office") : email;
  const webmailUserIds = [...(opts.webmailSelf === false ? [] : [user.userId]), ...others.map((o) => o.userId)];
  const mailboxId = await createMailbox(user.orgId, productId, address, { password: MAILBOX_PASSWORD, webmailUserIds });
  return { user, productId, mailboxId, address, path: `/orgs/${user.orgId}/mailboxes/${mailboxId}/password` };
}

/** Everything a forged or refused change must leave as it was. */
async function snapshot(userId: string, mailboxId: string) {
  return {
    login: await loginHash(userId),
    mailbox: await mailboxHash(mailboxId),
    sessions: (await testDb().selectFrom("sessions").select("id").where("user_id", "=", userId).orderBy("id").execute()).map((s) => s.id),
    audit: (await auditEntries({ actorUserId: userId })).length,
  };
}

describe("O-9: mailbox passwords", () => {
  it("O-9: the portal offers to unify the passwords when the login e-mail is the mailbox, the account is its only webmail user and may change it", async () => {
    const { user, path } = await mailboxOwner();
    const page = await (await signedIn(user)).get(path);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(UNIFY_LABEL);
    expect(page.html).toContain('name="unify"');
  });

  it("O-9: when the login e-mail is not the mailbox's address, there is no offer and a forged unify is refused", async () => {
    const { user, mailboxId, path } = await mailboxOwner({ differentAddress: true });
    const client = await signedIn(user);
    const page = await client.get(path);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).not.toContain(UNIFY_LABEL);
    expect(page.html).not.toContain('name="unify"');

    const before = await snapshot(user.userId, mailboxId);
    const forged = await client.post(path, { password: "a-new-shared-pass", confirm: "a-new-shared-pass", unify: "on" });
    expect(forged.status).toBe(409);
    expect(textOf(forged.html)).toContain("cannot be unified for this mailbox. Nothing was changed.");
    expect(await snapshot(user.userId, mailboxId)).toEqual(before);
  });

  it("O-9: when another account also opens the mailbox in webmail, there is no offer and a forged unify is refused", async () => {
    const { user, mailboxId, path } = await mailboxOwner({ webmailOthers: 1 });
    const client = await signedIn(user);
    const page = await client.get(path);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('name="unify"');

    const before = await snapshot(user.userId, mailboxId);
    const forged = await client.post(path, { password: "a-new-shared-pass", confirm: "a-new-shared-pass", unify: "on" });
    expect(forged.status).toBe(409);
    expect(await snapshot(user.userId, mailboxId)).toEqual(before);
  });

  it("O-9: when the only webmail user is another account (not this one), there is no offer and a forged unify is refused", async () => {
    const { user, mailboxId, path } = await mailboxOwner({ webmailSelf: false, webmailOthers: 1 });
    const client = await signedIn(user);
    expect((await client.get(path)).html).not.toContain('name="unify"');
    const before = await snapshot(user.userId, mailboxId);
    const forged = await client.post(path, { password: "a-new-shared-pass", confirm: "a-new-shared-pass", unify: "on" });
    expect(forged.status).toBe(409);
    expect(await snapshot(user.userId, mailboxId)).toEqual(before);
  });

  it("O-9: when the account may not change the mailbox password, there is no form nor offer and a forged unify is refused", async () => {
    const rep = await createUser({ name: "Firm Rep" });
    const productId = await createProduct(rep.orgId, "mail", "mail.firm.ch");
    const address = uniqueEmail("reader");
    const reader = await createUser({ email: address, name: "Mail Reader" });
    await addMember(rep.orgId, reader.userId, "restricted");
    await grantProduct(rep.orgId, productId, "read", { userId: reader.userId });
    const mailboxId = await createMailbox(rep.orgId, productId, address, { password: MAILBOX_PASSWORD, webmailUserIds: [reader.userId] });
    const path = `/orgs/${rep.orgId}/mailboxes/${mailboxId}/password`;

    const client = await signedIn(reader);
    const page = await client.get(path);
    expect(page.status).toBe(403);
    expect(page.html).not.toContain('name="unify"');

    const before = await snapshot(reader.userId, mailboxId);
    const forged = await client.post(path, { password: "a-new-shared-pass", confirm: "a-new-shared-pass", unify: "on" });
    expect(forged.status).toBe(403);
    const plain = await client.post(path, { password: "a-new-shared-pass", confirm: "a-new-shared-pass" });
    expect(plain.status).toBe(403);
    expect(await snapshot(reader.userId, mailboxId)).toEqual(before);
  });

  it("O-9: changing a mailbox password without unifying leaves the login password working and unchanged", async () => {
    const { user, productId, mailboxId, path } = await mailboxOwner();
    const client = await signedIn(user);
    const other = await signedIn(user);
    const loginBefore = await loginHash(user.userId);

    const changed = await client.post(path, { password: "new-mailbox-secret", confirm: "new-mailbox-secret" });
    expect(changed.status).toBe(302);
    expect(changed.location).toBe(`/orgs/${user.orgId}/products/${productId}?passwordChanged=mailbox`);
    expect(textOf((await client.follow(changed)).html)).toContain("The mailbox password was changed. Your portal password is unchanged.");

    expect(await mailboxPasswordIs(mailboxId, "new-mailbox-secret")).toBe(true);
    expect(await mailboxHash(mailboxId)).toMatch(/^\$argon2id\$/);
    expect(await loginHash(user.userId)).toBe(loginBefore);
    expect(await canSignIn(user.email, user.password)).toBe(true);
    expect(await canSignIn(user.email, "new-mailbox-secret")).toBe(false);
    // No session ends for a mailbox password.
    expect((await other.get(`/orgs/${user.orgId}`)).status).toBe(200);

    const [entry] = await auditEntries({ action: "mailbox.password_changed", actorUserId: user.userId });
    expect(entry).toMatchObject({ org_id: user.orgId, target_id: mailboxId });
    expect(entry.data).toMatchObject({ unifiedWithLogin: false });
    expect(await auditEntries({ action: "account.password_changed", actorUserId: user.userId })).toHaveLength(0);
  });

  it("O-9: unifying gives both the new password, ends the user's other sessions, and audits both changes in one transaction", async () => {
    const { user, productId, mailboxId, path } = await mailboxOwner();
    const client = await signedIn(user);
    const other = await signedIn(user);

    const changed = await client.post(path, { password: "one-password-for-both", confirm: "one-password-for-both", unify: "on" });
    expect(changed.status).toBe(302);
    expect(changed.location).toBe(`/orgs/${user.orgId}/products/${productId}?passwordChanged=unified`);
    expect(textOf((await client.follow(changed)).html)).toContain("The mailbox password and your portal password were changed.");

    const login = await loginHash(user.userId);
    const mailbox = await mailboxHash(mailboxId);
    expect(login).toMatch(/^\$argon2id\$/);
    expect(mailbox).toMatch(/^\$argon2id\$/);
    expect(login).not.toBe(mailbox);
    expect(await verifyPassword(login, "one-password-for-both")).toBe(true);
    expect(await verifyPassword(mailbox, "one-password-for-both")).toBe(true);

    // This session stays; the other one ends.
    expect((await client.get(`/orgs/${user.orgId}`)).status).toBe(200);
    const ended = await other.get(`/orgs/${user.orgId}`);
    expect(ended.status).toBe(302);
    expect(ended.location).toMatch(/^\/login/);
    expect(await canSignIn(user.email, user.password)).toBe(false);
    expect(await canSignIn(user.email, "one-password-for-both")).toBe(true);

    const [mailboxEntry] = await auditEntries({ action: "mailbox.password_changed", actorUserId: user.userId });
    const [accountEntry] = await auditEntries({ action: "account.password_changed", actorUserId: user.userId });
    expect(mailboxEntry).toMatchObject({ org_id: user.orgId, target_id: mailboxId });
    expect(mailboxEntry.data).toMatchObject({ unifiedWithLogin: true });
    expect(accountEntry).toMatchObject({ target_type: "user", target_id: user.userId });
    expect(accountEntry.txid).toBe(mailboxEntry.txid);
  });

  it("O-9: the new mailbox password needs at least 10 characters and a matching confirmation; nothing changes otherwise", async () => {
    const { user, mailboxId, path } = await mailboxOwner();
    const client = await signedIn(user);
    const before = await snapshot(user.userId, mailboxId);

    const short = await client.post(path, { password: "short", confirm: "short", unify: "on" });
    expect(short.status).toBe(400);
    expect(textOf(short.html)).toContain("Use at least 10 characters.");
    const mismatch = await client.post(path, { password: "long-enough-pass", confirm: "long-enough-diff" });
    expect(mismatch.status).toBe(400);
    expect(textOf(mismatch.html)).toContain("The passwords do not match.");
    expect(await snapshot(user.userId, mailboxId)).toEqual(before);
    expect(await mailboxPasswordIs(mailboxId, MAILBOX_PASSWORD)).toBe(true);
  });

  it("O-9: a restricted user who manages the mail product changes a mailbox password; without access the mailbox answers 404, as does another organization's", async () => {
    const rep = await createUser({ name: "Mail Firm" });
    const productId = await createProduct(rep.orgId, "mail", "mail.firm2.ch");
    const mailboxId = await createMailbox(rep.orgId, productId, uniqueEmail("team"), { password: MAILBOX_PASSWORD });
    const path = `/orgs/${rep.orgId}/mailboxes/${mailboxId}/password`;

    const manager = await createMember(rep.orgId, "restricted", { name: "Mail Manager" });
    await grantProduct(rep.orgId, productId, "manage", { userId: manager.userId });
    const managerClient = await signedIn(manager);
    const page = await managerClient.get(path);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('name="unify"');
    expect((await managerClient.post(path, { password: "managed-new-pass", confirm: "managed-new-pass" })).status).toBe(302);
    expect(await mailboxPasswordIs(mailboxId, "managed-new-pass")).toBe(true);

    const noAccess = await createMember(rep.orgId, "restricted", { name: "No Access" });
    const noAccessClient = await signedIn(noAccess);
    expect((await noAccessClient.get(path)).status).toBe(404);
    expect((await noAccessClient.post(path, { password: "sneaky-new-pass", confirm: "sneaky-new-pass" })).status).toBe(404);

    const outsider = await createUser({ name: "Outsider" });
    const outsiderClient = await signedIn(outsider);
    // Their own organization in the URL, the other organization's mailbox id.
    const foreign = `/orgs/${outsider.orgId}/mailboxes/${mailboxId}/password`;
    expect((await outsiderClient.get(foreign)).status).toBe(404);
    expect((await outsiderClient.post(foreign, { password: "sneaky-new-pass", confirm: "sneaky-new-pass" })).status).toBe(404);
    expect((await outsiderClient.get(path)).status).toBe(404);
    expect(await mailboxPasswordIs(mailboxId, "managed-new-pass")).toBe(true);
  });

  it("O-8/O-9: changing the login password never changes a mailbox's password", async () => {
    const { user, mailboxId } = await mailboxOwner();
    const client = await signedIn(user);
    const before = await mailboxHash(mailboxId);
    const changed = await client.post("/account", {
      intent: "password",
      currentPassword: user.password,
      newPassword: "a-brand-new-login",
      confirm: "a-brand-new-login",
    });
    expect(changed.status).toBe(302);
    expect(await verifyPassword(await loginHash(user.userId), "a-brand-new-login")).toBe(true);
    expect(await mailboxHash(mailboxId)).toBe(before);
    expect(await mailboxPasswordIs(mailboxId, MAILBOX_PASSWORD)).toBe(true);
  });
});
