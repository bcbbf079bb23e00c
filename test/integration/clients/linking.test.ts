import { afterEach, describe, expect, it } from "vitest";
import { runJob } from "../../../workers/handlers";
import { addMs, DAY, setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { createProduct, createMember, createUser, signedIn } from "../../support/factories";
import { createPartner, link, partnerStaff } from "../../support/clients";
import { outboxTo } from "../../support/smtp";
import { appDb, testDb } from "../../support/setup";

// C-1 (a partner asks, the client answers, requests expire), C-2 (a customer lets a partner
// in from its own settings) and C-3's end date (warnings, end, extension, never revived),
// through the real routes and the real job.
afterEach(() => setClock(undefined));

async function linkRow(partnerOrgId: string, clientOrgId: string) {
  return testDb().selectFrom("partner_client_links").selectAll().where("org_id", "=", partnerOrgId).where("client_org_id", "=", clientOrgId).orderBy("since", "desc").executeTakeFirstOrThrow();
}

describe("linking partners and clients", () => {
  it("C-1: a partner asks an existing organization for full access with billing; the client's legal representative accepts with other rights (limited, one product) and the partner gets exactly those", async () => {
    const partner = await createPartner("Omega Partner AG");
    const client = await createUser({ name: "Kunde Rep", organizationName: "Kunde Neun AG" });
    const web = await createProduct(client.orgId, "hosting", "neun-web.ch");
    const mail = await createProduct(client.orgId, "mail", "neun-mail.ch");
    const rep = await signedIn(partner);

    const asked = await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: client.orgId, access: "fullBilling" });
    expect(asked.status).toBe(302);
    const requested = await linkRow(partner.orgId, client.orgId);
    expect(requested).toMatchObject({ state: "requested", requested_access: "full", requested_billing: true });
    expect((await outboxTo(client.email)).map((m) => m.subject)).toContain("Omega Partner AG asks for access to Kunde Neun AG");
    // Asking twice while a request is open is refused.
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: client.orgId, access: "full" })).status).toBe(409);
    // Before the answer the partner cannot enter.
    expect((await rep.get(`/orgs/${client.orgId}/products`)).status).toBe(404);

    // A restricted member of the client cannot answer; the partner cannot answer for the client.
    const member = await createMember(client.orgId, "restricted");
    expect((await (await signedIn(member)).post(`/orgs/${client.orgId}/delegations`, { intent: "accept", linkId: requested.id, access: "full" })).status).toBe(403);
    expect((await rep.post(`/orgs/${client.orgId}/delegations`, { intent: "accept", linkId: requested.id, access: "full" })).status).toBe(404);
    expect((await linkRow(partner.orgId, client.orgId)).state).toBe("requested");

    const clientRep = await signedIn(client);
    const page = await clientRep.get(`/orgs/${client.orgId}/delegations`);
    expect(textOf(page.html)).toContain("Asks for full access with billing.");
    const accepted = await clientRep.post(`/orgs/${client.orgId}/delegations`, { intent: "accept", linkId: requested.id, access: "limited", [`manage.${web}`]: "yes" });
    expect(accepted.status).toBe(302);
    const active = await linkRow(partner.orgId, client.orgId);
    expect(active).toMatchObject({ state: "active", access: "limited", billing_access: false, answered_by: client.userId });
    expect((await outboxTo(partner.email)).map((m) => m.subject)).toContain("Kunde Neun AG accepted your request with other rights");

    expect((await rep.get(`/orgs/${client.orgId}/products/${web}`)).status).toBe(200);
    expect((await rep.get(`/orgs/${client.orgId}/products/${mail}`)).status).toBe(404);
    expect((await rep.get(`/orgs/${client.orgId}/billing/invoices`)).status).toBe(403);
  });

  it("C-1: the client declines; an unknown organization id is refused; another organization's request id is 404", async () => {
    const partner = await createPartner("Sigma Partner AG");
    const client = await createUser({ name: "Decliner", organizationName: "Nein Danke AG" });
    const bystander = await createUser({ name: "Bystander", organizationName: "Andere AG" });
    const rep = await signedIn(partner);
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: "00000000-0000-4000-8000-000000000000", access: "full" })).status).toBe(400);
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: client.orgId, access: "limited" })).status).toBe(302);
    const requested = await linkRow(partner.orgId, client.orgId);

    // Another organization's representative cannot answer it through its own page.
    expect((await (await signedIn(bystander)).post(`/orgs/${bystander.orgId}/delegations`, { intent: "decline", linkId: requested.id })).status).toBe(404);
    expect((await linkRow(partner.orgId, client.orgId)).state).toBe("requested");

    expect((await (await signedIn(client)).post(`/orgs/${client.orgId}/delegations`, { intent: "decline", linkId: requested.id })).status).toBe(302);
    expect((await linkRow(partner.orgId, client.orgId)).state).toBe("declined");
    expect((await outboxTo(partner.email)).map((m) => m.subject)).toContain("Nein Danke AG declined your request");
    expect((await rep.get(`/orgs/${client.orgId}/products`)).status).toBe(404);
    // A declined request can be asked again (a new row; the old one stays declined).
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: client.orgId, access: "full" })).status).toBe(302);
  });

  it("C-1: a request not answered within 90 days expires: accepting it is refused (and records the expiry), and the sweep job expires the others", async () => {
    const asked = new Date("2026-02-01T10:00:00Z");
    setClock(() => asked);
    const partner = await createPartner("Tau Partner AG");
    const late = await createUser({ name: "Late", organizationName: "Spät AG" });
    const silent = await createUser({ name: "Silent", organizationName: "Still AG" });
    const rep = await signedIn(partner);
    for (const c of [late, silent]) expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: c.orgId, access: "full" })).status).toBe(302);
    const lateLink = await linkRow(partner.orgId, late.orgId);

    setClock(() => addMs(asked, 90 * DAY - 60_000));
    expect(await runJob(appDb(), "delegation-sweep", {})).toMatchObject({ expired: 0 });

    setClock(() => addMs(asked, 90 * DAY + 60_000));
    const clientBrowser = await signedIn(late);
    const refused = await clientBrowser.post(`/orgs/${late.orgId}/delegations`, { intent: "accept", linkId: lateLink.id, access: "full" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("This request is older than 90 days and has expired.");
    expect((await linkRow(partner.orgId, late.orgId)).state).toBe("expired");
    expect((await (await signedIn(partner)).get(`/orgs/${late.orgId}/products`)).status).toBe(404);

    expect(await runJob(appDb(), "delegation-sweep", {})).toMatchObject({ expired: 1 });
    expect((await linkRow(partner.orgId, silent.orgId)).state).toBe("expired");
    expect(await runJob(appDb(), "delegation-sweep", {})).toMatchObject({ expired: 0 });
  });

  it("C-2: a customer finds an approved partner by name (not an applicant, not itself) or by id and lets it manage some products from its own settings", async () => {
    const partner = await createPartner("Zürich Web Partner AG");
    const applicant = await createUser({ name: "Applicant", organizationName: "Zürich Web Bewerber AG" });
    await testDb().insertInto("program_memberships").values({ org_id: applicant.orgId, program: "partner", status: "review", since: new Date() }).execute();
    const client = await createUser({ name: "Customer", organizationName: "Kundin Zehn AG" });
    const web = await createProduct(client.orgId, "hosting", "zehn-web.ch");
    const browser = await signedIn(client);

    const search = await browser.get(`/orgs/${client.orgId}/delegations?q=${encodeURIComponent("zürich web")}`);
    expect(search.status).toBe(200);
    expect(search.html).toContain(`value="${partner.orgId}"`);
    expect(search.html).not.toContain(`value="${applicant.orgId}"`);
    // Wildcards are taken literally.
    expect((await browser.get(`/orgs/${client.orgId}/delegations?q=%25%25`)).html).not.toContain(`value="${partner.orgId}"`);

    // Not an approved partner: refused, nothing made.
    expect((await browser.post(`/orgs/${client.orgId}/delegations`, { intent: "grant", partnerOrgId: applicant.orgId, access: "full" })).status).toBe(400);
    expect(await testDb().selectFrom("partner_client_links").select("id").where("client_org_id", "=", client.orgId).execute()).toHaveLength(0);

    const granted = await browser.post(`/orgs/${client.orgId}/delegations`, { intent: "grant", partnerOrgId: partner.orgId, access: "limited", [`stats.${web}`]: "yes" });
    expect(granted.status).toBe(302);
    expect(await linkRow(partner.orgId, client.orgId)).toMatchObject({ state: "active", access: "limited" });
    expect((await outboxTo(partner.email)).map((m) => m.subject)).toContain("Kundin Zehn AG gives you access");
    const partnerBrowser = await signedIn(partner);
    expect((await partnerBrowser.get(`/orgs/${client.orgId}/products/${web}`)).status).toBe(200);
    expect((await partnerBrowser.post(`/orgs/${client.orgId}/billing/to-pay`, { intent: "autoOff", productId: web, scope: "all" })).status).toBe(403);

    // Only the legal representative gives access.
    const admin = await createMember(client.orgId, "admin");
    const other = await createPartner("Zweiter Partner AG");
    expect((await (await signedIn(admin)).post(`/orgs/${client.orgId}/delegations`, { intent: "grant", partnerOrgId: other.orgId, access: "full" })).status).toBe(403);
  });

  it("C-3: with an end date, both sides are warned 30, 7 and 1 days before (once each, however often the job runs); the partner asks for an extension; at the end date access stops and the job ends it for good", async () => {
    const start = new Date("2026-03-01T08:00:00Z");
    setClock(() => start);
    const partner = await createPartner("Kappa Partner AG");
    const client = await createUser({ name: "Ending", organizationName: "Endlich AG" });
    const web = await createProduct(client.orgId, "hosting", "endlich-web.ch");
    const endsAt = new Date("2026-05-01T00:00:00Z");
    const linkId = await link(partner.orgId, client.orgId, { access: "full", endsAt });
    const staffUser = await partnerStaff(partner.orgId, "all");

    const warnings = async () => (await outboxTo(client.email)).filter((m) => m.subject.startsWith("The access of Kappa Partner AG ends in")).length;
    setClock(() => addMs(endsAt, -31 * DAY));
    await runJob(appDb(), "delegation-sweep", {});
    expect(await warnings()).toBe(0);
    setClock(() => addMs(endsAt, -29 * DAY));
    await runJob(appDb(), "delegation-sweep", {});
    await runJob(appDb(), "delegation-sweep", {});
    expect(await warnings()).toBe(1);
    expect((await outboxTo(partner.email)).map((m) => m.subject)).toContain("Your access to Endlich AG ends in 30 days");

    const rep = await signedIn(partner);
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "extension", linkId })).status).toBe(302);
    expect((await outboxTo(client.email)).map((m) => m.subject)).toContain("Kappa Partner AG asks to extend its access");

    setClock(() => addMs(endsAt, -6 * DAY));
    await runJob(appDb(), "delegation-sweep", {});
    setClock(() => addMs(endsAt, -12 * 3600_000));
    await runJob(appDb(), "delegation-sweep", {});
    await runJob(appDb(), "delegation-sweep", {});
    expect(await warnings()).toBe(3);
    expect(await testDb().selectFrom("partner_link_warnings").select("days").where("link_id", "=", linkId).orderBy("days").execute()).toEqual([{ days: 1 }, { days: 7 }, { days: 30 }]);
    const staff = await signedIn(staffUser);
    expect((await staff.get(`/orgs/${client.orgId}/products/${web}`)).status).toBe(200);

    // Past the end date the next request is refused even before the job runs.
    setClock(() => addMs(endsAt, 60_000));
    expect((await staff.get(`/orgs/${client.orgId}/products/${web}`)).status).toBe(404);
    expect(await runJob(appDb(), "delegation-sweep", {})).toMatchObject({ ended: 1 });
    expect(await runJob(appDb(), "delegation-sweep", {})).toMatchObject({ ended: 0 });
    expect(await testDb().selectFrom("partner_client_links").select(["state", "end_reason", "payer"]).where("id", "=", linkId).executeTakeFirstOrThrow()).toEqual({ state: "ended", end_reason: "end_date", payer: "client" });
    expect((await outboxTo(client.email)).map((m) => m.subject)).toContain("The access of Kappa Partner AG to Endlich AG has ended");

    // Never revived silently: moving the end date of the ended link is refused.
    const clientRep = await signedIn(client);
    const revive = await clientRep.post(`/orgs/${client.orgId}/delegations`, { intent: "change", linkId, access: "full", endsAt: "2027-01-01" });
    expect(revive.status).toBe(409);
    expect((await staff.get(`/orgs/${client.orgId}/products/${web}`)).status).toBe(404);
  });
});
