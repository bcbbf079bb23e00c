import { describe, expect, it } from "vitest";
import { textOf } from "../../support/app";
import { createMember, createProduct, createUser, grantProduct, signedIn, uniqueEmail } from "../../support/factories";
import { addToTeam, createTeam, orgWithStaff } from "../../support/members";
import { createMailbox } from "../../support/products";
import { testDb } from "../../support/setup";

const productRows = (html: string) => html.split('data-testid="product-').length - 1;

describe("products of an organization", () => {
  it("O-4: the legal representative and administrators see every product of the organization, with manage access", async () => {
    const org = await orgWithStaff("Alles");
    await createProduct(org.orgId, "domain", "alles.ch");
    await createProduct(org.orgId, "mail", "mail.alles.ch");
    await createProduct(org.orgId, "storage", "drive.alles.ch");
    const other = await createUser({ name: "Fremd" });
    await createProduct(other.orgId, "hosting", "fremd.ch");

    for (const who of [org.rep, org.admin]) {
      const page = await (await signedIn(who)).get(`/orgs/${org.orgId}/products`);
      expect(page.status).toBe(200);
      expect(productRows(page.html)).toBe(3);
      const text = textOf(page.html);
      expect(text).toContain("alles.ch Domain Manage");
      expect(text).toContain("mail.alles.ch Mail service Manage");
      expect(text).toContain("drive.alles.ch Storage Manage");
      expect(text).not.toContain("fremd.ch");
    }
  });

  it("O-4: a restricted user sees only the products they have a permission for (own or through a team), with their level", async () => {
    const org = await orgWithStaff("Teil");
    const readable = await createProduct(org.orgId, "domain", "lesen.ch");
    const managed = await createProduct(org.orgId, "hosting", "verwalten.ch");
    const viaTeam = await createProduct(org.orgId, "chat", "team-chat.ch");
    await createProduct(org.orgId, "storage", "geheim.ch");
    await grantProduct(org.orgId, readable, "read", { userId: org.restricted.userId });
    await grantProduct(org.orgId, managed, "manage", { userId: org.restricted.userId });
    const team = await createTeam(org.orgId);
    await addToTeam(org.orgId, team, org.restricted.userId);
    await grantProduct(org.orgId, viaTeam, "read", { teamId: team });

    const client = await signedIn(org.restricted);
    const page = await client.get(`/orgs/${org.orgId}/products`);
    expect(page.status).toBe(200);
    expect(productRows(page.html)).toBe(3);
    const text = textOf(page.html);
    expect(text).toContain("lesen.ch Domain Read");
    expect(text).toContain("verwalten.ch Web hosting Manage");
    expect(text).toContain("team-chat.ch Chat Read");
    expect(text).not.toContain("geheim.ch");

    const detail = await client.get(`/orgs/${org.orgId}/products/${managed}`);
    expect(detail.status).toBe(200);
    expect(textOf(detail.html)).toContain("verwalten.ch");
  });

  it("O-4: without any product permission a restricted user sees an empty state, and an organization without products says so", async () => {
    const org = await orgWithStaff("Leer");
    const restricted = await (await signedIn(org.restricted)).get(`/orgs/${org.orgId}/products`);
    expect(restricted.status).toBe(200);
    expect(textOf(restricted.html)).toContain("You have no access to any product of this organization yet.");

    const rep = await (await signedIn(org.rep)).get(`/orgs/${org.orgId}/products`);
    expect(textOf(rep.html)).toContain("This organization has no products yet.");
  });

  it("O-4: a product the user cannot read, or another organization's product, answers 404", async () => {
    const org = await orgWithStaff("Zu");
    const hidden = await createProduct(org.orgId, "mail", "hidden.ch");
    const other = await createUser({ name: "Andere" });
    const foreign = await createProduct(other.orgId, "domain", "andere.ch");

    const restricted = await signedIn(org.restricted);
    expect((await restricted.get(`/orgs/${org.orgId}/products/${hidden}`)).status).toBe(404);

    const rep = await signedIn(org.rep);
    const page = await rep.get(`/orgs/${org.orgId}/products/${foreign}`);
    expect(page.status).toBe(404);
    expect(textOf(page.html)).not.toContain("andere.ch");
    expect((await rep.get(`/orgs/${org.orgId}/products/not-a-uuid`)).status).toBe(404);
    // A member of the other organization cannot use this organization's URL either.
    expect((await (await signedIn(other)).get(`/orgs/${org.orgId}/products/${hidden}`)).status).toBe(404);
  });

  it("O-4: the product list pages by 50, ordered by name", async () => {
    const rep = await createUser({ name: "Viele" });
    await testDb()
      .insertInto("products")
      .values(Array.from({ length: 55 }, (_, i) => ({ org_id: rep.orgId, type: "domain" as const, name: `p${String(i + 1).padStart(2, "0")}.ch` })))
      .execute();
    const client = await signedIn(rep);
    const first = await client.get(`/orgs/${rep.orgId}/products`);
    expect(productRows(first.html)).toBe(50);
    expect(textOf(first.html)).toContain("Products: 55");
    expect(textOf(first.html)).toContain("Page 1 of 2");
    expect(textOf(first.html)).not.toContain("p51.ch");
    const second = await client.get(`/orgs/${rep.orgId}/products?page=2`);
    expect(productRows(second.html)).toBe(5);
    expect(textOf(second.html)).toContain("p55.ch");
    expect(textOf(second.html)).not.toContain("p50.ch");
  });

  it("O-9: a mail product lists its mailboxes and the portal accounts that open each in webmail", async () => {
    const org = await orgWithStaff("Post");
    const mail = await createProduct(org.orgId, "mail", "mail.post.ch");
    const reader = await createMember(org.orgId, "restricted", { name: "Post Reader" });
    await grantProduct(org.orgId, mail, "read", { userId: reader.userId });
    const info = uniqueEmail("info");
    const shared = uniqueEmail("shared");
    await createMailbox(org.orgId, mail, info, { webmailUserIds: [org.admin.userId] });
    await createMailbox(org.orgId, mail, shared, { webmailUserIds: [org.admin.userId, org.rep.userId] });
    await createMailbox(org.orgId, mail, uniqueEmail("nobody"));

    const admin = await (await signedIn(org.admin)).get(`/orgs/${org.orgId}/products/${mail}`);
    expect(admin.status).toBe(200);
    const text = textOf(admin.html);
    expect(text).toContain("Mailboxes");
    expect(text).toContain(`${info} Post Admin <${org.admin.email}>`);
    expect(text).toContain(`Post Rep <${org.rep.email}>`);
    expect(text).toContain("No portal account");
    expect(admin.html.split('data-testid="mailbox-').length - 1).toBe(3);
    expect(admin.html).toMatch(new RegExp(`href="/orgs/${org.orgId}/mailboxes/[0-9a-f-]+/password"`));

    // Read access shows the mailboxes but offers no password change.
    const read = await (await signedIn(reader)).get(`/orgs/${org.orgId}/products/${mail}`);
    expect(read.status).toBe(200);
    expect(textOf(read.html)).toContain(info);
    expect(read.html).not.toContain("/password");
  });
});
