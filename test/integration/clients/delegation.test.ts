import { describe, expect, it } from "vitest";
import { loadSessionActor } from "../../../app/auth/actor.server";
import { newToken } from "../../../app/auth/tokens.server";
import { withActor } from "../../../app/domain/tx.server";
import { textOf } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { createUser, createMember, signedIn } from "../../support/factories";
import { createPartner, link, partnerStaff } from "../../support/clients";
import { addToTeam, createTeam } from "../../support/members";
import { outboxTo } from "../../support/smtp";
import { appDb, testDb } from "../../support/setup";

// C-3 (full or limited access, changed or withdrawn at once), C-4 (staff rights) and C-7
// (ending) through the real routes against the real database.

async function clientWithProducts(name: string) {
  const rep = await createUser({ name: `${name} Rep`, organizationName: name });
  const web = await createRenewableProduct(rep.orgId, { code: "hosting-business", from: new Date(), expiresInDays: 200, name: `web-${name.toLowerCase().replace(/\W/g, "")}.ch`, autoRenew: "visa" });
  const mail = await createRenewableProduct(rep.orgId, { code: "mail-standard", from: new Date(), expiresInDays: 200, name: `mail-${name.toLowerCase().replace(/\W/g, "")}.ch`, autoRenew: "visa" });
  return { ...rep, web, mail };
}

async function autoRenew(productId: string) {
  return (await testDb().selectFrom("products").select("auto_renew").where("id", "=", productId).executeTakeFirstOrThrow()).auto_renew;
}

async function linkState(linkId: string) {
  return testDb().selectFrom("partner_client_links").selectAll().where("id", "=", linkId).executeTakeFirstOrThrow();
}

describe("delegation: full and limited access, staff rights, ending", () => {
  it("C-3: full access lets a partner user with staff rights see and manage every product of the client; the portal says whom it acts for; the client's log names the person and the partner", async () => {
    const partner = await createPartner("Alpha Partner AG");
    const client = await clientWithProducts("Kunde Eins");
    await link(partner.orgId, client.orgId, { access: "full" });
    const staff = await partnerStaff(partner.orgId, "all", "Petra Staff");
    const browser = await signedIn(staff);

    const clients = await browser.get(`/orgs/${partner.orgId}/clients`);
    expect(clients.status).toBe(200);
    expect(clients.html).toContain(`href="/orgs/${client.orgId}/products"`);

    const products = await browser.get(`/orgs/${client.orgId}/products`);
    expect(products.status).toBe(200);
    const text = textOf(products.html);
    expect(text).toContain("You are acting for Kunde Eins as partner Alpha Partner AG (full access).");
    expect(text).toContain("web-kundeeins.ch");
    expect(text).toContain("mail-kundeeins.ch");

    const off = await browser.post(`/orgs/${client.orgId}/billing/to-pay`, { intent: "autoOff", productId: client.web, scope: "all" });
    expect(off.status).toBe(302);
    expect(await autoRenew(client.web)).toBe(false);

    // Billing was not part of the grant: the invoices page is refused.
    expect((await browser.get(`/orgs/${client.orgId}/billing/invoices`)).status).toBe(403);
    // The client's own data stays with its legal representative (O-3).
    const settings = await browser.post(`/orgs/${client.orgId}/settings`, { name: "Taken Over AG" });
    expect([403, 404]).toContain(settings.status);
    expect((await testDb().selectFrom("organizations").select("name").where("id", "=", client.orgId).executeTakeFirstOrThrow()).name).toBe("Kunde Eins");

    const audit = await (await signedIn(client)).get(`/orgs/${client.orgId}/audit`);
    expect(textOf(audit.html)).toContain("Petra Staff for partner Alpha Partner AG");
  });

  it("C-3: limited access lets the partner manage only the picked products: statistics alone is read-only, unpicked products and billing are not there", async () => {
    const partner = await createPartner("Beta Partner AG");
    const client = await clientWithProducts("Kunde Zwei");
    const third = await createRenewableProduct(client.orgId, { code: "domain-ch", from: new Date(), expiresInDays: 200, name: "hidden-zwei.ch", autoRenew: "visa" });
    await link(partner.orgId, client.orgId, { access: "limited", products: { [client.web]: { manage: true, stats: true }, [client.mail]: { manage: false, stats: true } } });
    const browser = await signedIn(partner);

    const list = textOf((await browser.get(`/orgs/${client.orgId}/products`)).html);
    expect(list).toContain("web-kundezwei.ch");
    expect(list).toContain("mail-kundezwei.ch");
    expect(list).not.toContain("hidden-zwei.ch");
    expect((await browser.get(`/orgs/${client.orgId}/products/${third}`)).status).toBe(404);
    expect((await browser.get(`/orgs/${client.orgId}/products/${client.mail}`)).status).toBe(200);

    expect((await browser.post(`/orgs/${client.orgId}/billing/to-pay`, { intent: "autoOff", productId: client.web, scope: "all" })).status).toBe(302);
    expect(await autoRenew(client.web)).toBe(false);
    expect((await browser.post(`/orgs/${client.orgId}/billing/to-pay`, { intent: "autoOff", productId: client.mail, scope: "all" })).status).toBe(403);
    expect(await autoRenew(client.mail)).toBe(true);
    expect((await browser.post(`/orgs/${client.orgId}/billing/to-pay`, { intent: "autoOff", productId: third, scope: "all" })).status).toBe(404);
    expect(await autoRenew(third)).toBe(true);
    expect((await browser.get(`/orgs/${client.orgId}/billing/invoices`)).status).toBe(403);
  });

  it("C-3: the client changes or withdraws the access and the partner's very next request sees it; another client's id in the URL is 404", async () => {
    const partner = await createPartner("Gamma Partner AG");
    const client = await clientWithProducts("Kunde Drei");
    const other = await clientWithProducts("Fremd AG");
    const linkId = await link(partner.orgId, client.orgId, { access: "full" });
    const staff = await signedIn(await partnerStaff(partner.orgId, "all"));
    const rep = await signedIn(client);

    expect((await staff.get(`/orgs/${client.orgId}/products/${client.mail}`)).status).toBe(200);
    expect((await staff.get(`/orgs/${other.orgId}/products`)).status).toBe(404);
    expect((await staff.get(`/orgs/${other.orgId}/products/${other.web}`)).status).toBe(404);

    // Narrowed to the web product only.
    const changed = await rep.post(`/orgs/${client.orgId}/delegations`, { intent: "change", linkId, access: "limited", [`manage.${client.web}`]: "yes" });
    expect(changed.status).toBe(302);
    expect((await staff.get(`/orgs/${client.orgId}/products/${client.mail}`)).status).toBe(404);
    expect((await staff.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(200);
    expect((await linkState(linkId)).access).toBe("limited");

    // Limited access without any product is refused and changes nothing.
    const empty = await rep.post(`/orgs/${client.orgId}/delegations`, { intent: "change", linkId, access: "limited" });
    expect(empty.status).toBe(400);
    expect((await staff.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(200);

    // Withdrawn (C-7 from the client's side): an open page of the partner gets 404 next time.
    const ended = await rep.post(`/orgs/${client.orgId}/delegations`, { intent: "end", linkId, password: client.password });
    expect(ended.status).toBe(302);
    expect((await staff.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(404);
    expect((await staff.get(`/orgs/${client.orgId}/products`)).status).toBe(404);
  });

  it("C-3: a partner user's transactions act for exactly the client organizations its delegations and staff rights allow (row-level security)", async () => {
    const partner = await createPartner("Delta Partner AG");
    const allowed = await clientWithProducts("Erlaubt AG");
    const notMine = await clientWithProducts("Nicht Meins AG");
    const ended = await clientWithProducts("Beendet AG");
    const stranger = await clientWithProducts("Fremd Zwei AG");
    await link(partner.orgId, allowed.orgId, { access: "limited", products: { [allowed.web]: { manage: false, stats: true } } });
    await link(partner.orgId, notMine.orgId, { access: "full" });
    await link(partner.orgId, ended.orgId, { access: "full", state: "ended" });
    const staff = await partnerStaff(partner.orgId, allowed.orgId);

    const { token, tokenHash } = newToken();
    await testDb().insertInto("sessions").values({ token_hash: tokenHash, user_id: staff.userId, expires_at: new Date(Date.now() + 3600_000) }).execute();
    const session = await loadSessionActor(appDb(), token);
    expect(session).not.toBeNull();
    const actor = session!.actor;
    expect(actor.delegations).toEqual([{ partnerOrgId: partner.orgId, full: [], billing: [], limited: [{ clientOrgId: allowed.orgId, manage: [], read: [allowed.web] }] }]);

    const visible = await withActor(appDb(), actor, (trx) => trx.selectFrom("products").select("org_id").distinct().execute());
    const orgs = visible.map((r) => r.org_id).sort();
    expect(orgs).toEqual([allowed.orgId].sort());
    expect(orgs).not.toContain(notMine.orgId);
    expect(orgs).not.toContain(ended.orgId);
    expect(orgs).not.toContain(stranger.orgId);
  });

  it("C-4: a partner user without staff rights sees no client; rights for one client reach only that one; a team's rights reach its members; taking them back works on the next request", async () => {
    const partner = await createPartner("Epsilon Partner AG");
    const one = await clientWithProducts("Eins Kunde AG");
    const two = await clientWithProducts("Zwei Kunde AG");
    await link(partner.orgId, one.orgId);
    await link(partner.orgId, two.orgId);
    const nobody = await partnerStaff(partner.orgId, "none", "No Rights");
    const single = await partnerStaff(partner.orgId, "none", "Single Client");
    const teamMember = await partnerStaff(partner.orgId, "none", "Team Member");
    const teamId = await createTeam(partner.orgId, "Support");
    await addToTeam(partner.orgId, teamId, teamMember.userId);

    const noRights = await signedIn(nobody);
    const page = await noRights.get(`/orgs/${partner.orgId}/clients`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("You may not act for any client.");
    expect(textOf(page.html)).not.toContain("Eins Kunde AG");
    expect((await noRights.get(`/orgs/${one.orgId}/products`)).status).toBe(404);
    // Only the representative and administrators manage staff rights.
    expect((await noRights.get(`/orgs/${partner.orgId}/clients/staff`)).status).toBe(403);
    expect((await noRights.post(`/orgs/${partner.orgId}/clients/staff`, { intent: "grant", who: `user:${nobody.userId}`, client: "all" })).status).toBe(403);
    expect(await testDb().selectFrom("partner_staff_rights").select("id").where("org_id", "=", partner.orgId).execute()).toHaveLength(0);

    const rep = await signedIn(partner);
    expect((await rep.post(`/orgs/${partner.orgId}/clients/staff`, { intent: "grant", who: `user:${single.userId}`, client: one.orgId })).status).toBe(302);
    expect((await rep.post(`/orgs/${partner.orgId}/clients/staff`, { intent: "grant", who: `team:${teamId}`, client: "all" })).status).toBe(302);
    // A stranger cannot be given rights, nor a client the partner does not have.
    const outsider = await createUser({ name: "Outsider" });
    expect((await rep.post(`/orgs/${partner.orgId}/clients/staff`, { intent: "grant", who: `user:${outsider.userId}`, client: "all" })).status).toBe(400);
    const foreign = await clientWithProducts("Nicht Kunde AG");
    expect((await rep.post(`/orgs/${partner.orgId}/clients/staff`, { intent: "grant", who: `user:${single.userId}`, client: foreign.orgId })).status).toBe(400);

    const singleBrowser = await signedIn(single);
    expect((await singleBrowser.get(`/orgs/${one.orgId}/products`)).status).toBe(200);
    expect((await singleBrowser.get(`/orgs/${two.orgId}/products`)).status).toBe(404);
    const list = textOf((await singleBrowser.get(`/orgs/${partner.orgId}/clients`)).html);
    expect(list).toContain("Eins Kunde AG");
    expect(list).not.toContain("Zwei Kunde AG");

    const teamBrowser = await signedIn(teamMember);
    expect((await teamBrowser.get(`/orgs/${one.orgId}/products`)).status).toBe(200);
    expect((await teamBrowser.get(`/orgs/${two.orgId}/products`)).status).toBe(200);

    const right = await testDb().selectFrom("partner_staff_rights").select("id").where("team_id", "=", teamId).executeTakeFirstOrThrow();
    expect((await rep.post(`/orgs/${partner.orgId}/clients/staff`, { intent: "revoke", rightId: right.id })).status).toBe(302);
    expect((await teamBrowser.get(`/orgs/${two.orgId}/products`)).status).toBe(404);
  });

  it("C-7: either side ends the relationship after re-entering its password: access ends at once, future invoices go to the client, both are mailed and it is in both logs; a wrong password changes nothing; an ended link is never revived", async () => {
    const partner = await createPartner("Zeta Partner AG");
    const client = await clientWithProducts("Kunde Sieben");
    const linkId = await link(partner.orgId, client.orgId, { access: "full", billing: true });
    await testDb().updateTable("partner_client_links").set({ payer: "partner" }).where("id", "=", linkId).execute();
    const staff = await signedIn(await partnerStaff(partner.orgId, "all"));
    const openPage = await staff.get(`/orgs/${client.orgId}/products/${client.web}`);
    expect(openPage.status).toBe(200);
    const rep = await signedIn(partner);

    const wrong = await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "end", linkId, password: "not-the-password" });
    expect(wrong.status).toBe(400);
    expect((await linkState(linkId)).state).toBe("active");
    expect((await staff.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(200);

    // A restricted member of the client cannot end it.
    const member = await createMember(client.orgId, "restricted");
    expect((await (await signedIn(member)).post(`/orgs/${client.orgId}/delegations`, { intent: "end", linkId, password: member.password })).status).toBe(403);
    expect((await linkState(linkId)).state).toBe("active");

    const ended = await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "end", linkId, password: partner.password });
    expect(ended.status).toBe(302);
    const row = await linkState(linkId);
    expect(row.state).toBe("ended");
    expect(row.payer).toBe("client");
    expect(row.end_reason).toBe("partner");
    expect((await staff.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(404);

    expect((await outboxTo(partner.email)).map((m) => m.subject)).toContain("The relationship between Zeta Partner AG and Kunde Sieben has ended");
    expect((await outboxTo(client.email)).map((m) => m.subject)).toContain("The relationship between Zeta Partner AG and Kunde Sieben has ended");
    for (const orgId of [partner.orgId, client.orgId]) {
      const entries = await testDb().selectFrom("audit_log").select(["action", "actor_user_id"]).where("org_id", "=", orgId).where("target_id", "=", linkId).execute();
      expect(entries).toContainEqual({ action: "delegation.ended", actor_user_id: partner.userId });
    }

    // Never revived: neither a change by the client nor a second end brings it back.
    const clientRep = await signedIn(client);
    expect((await clientRep.post(`/orgs/${client.orgId}/delegations`, { intent: "change", linkId, access: "full" })).status).toBe(409);
    expect((await linkState(linkId)).state).toBe("ended");
    expect((await staff.get(`/orgs/${client.orgId}/products`)).status).toBe(404);
  });

  it("C-3: partner access and the client's products stay apart from another partner's: a second partner's user cannot use the first partner's delegation", async () => {
    const first = await createPartner("Eta Partner AG");
    const second = await createPartner("Theta Partner AG");
    const client = await clientWithProducts("Kunde Acht");
    const linkId = await link(first.orgId, client.orgId);
    const secondRep = await signedIn(second);
    expect((await secondRep.get(`/orgs/${client.orgId}/products`)).status).toBe(404);
    // Ending another partner's link by id: not found, nothing changes.
    expect((await secondRep.post(`/orgs/${second.orgId}/clients`, { intent: "end", linkId, password: second.password })).status).toBe(404);
    expect((await linkState(linkId)).state).toBe("active");
  });
});
