import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setJobSink } from "../../../app/jobs.server";
import { validateRegistry } from "../../../app/domain/partners/registry";
import { runJob } from "../../../workers/handlers";
import { textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createMember, createStaff, createUser, signedIn } from "../../support/factories";
import { addProducts, captureJobs, localSite } from "../../support/partners";
import { appDb, testDb } from "../../support/setup";

// P-1 … P-8 and K-2 through the real routes, the real job and the real database.
let jobs: ReturnType<typeof captureJobs>;
beforeAll(() => {
  jobs = captureJobs();
  process.env.PARTNER_WEBSITE_TIMEOUT_MS = "300";
  // The built server runs as production: the flag lets the check reach the local test site.
  process.env.PARTNER_WEBSITE_ALLOW_LOCAL_HTTP = "1";
});
afterAll(() => {
  setJobSink(undefined);
  delete process.env.PARTNER_WEBSITE_TIMEOUT_MS;
  delete process.env.PARTNER_WEBSITE_ALLOW_LOCAL_HTTP;
});

const VALID_UID = "CHE-116.281.710";
const applyForm = (website: string, extra: Record<string, string> = {}) => ({
  intent: "apply",
  termsVersion: "1",
  registryKind: "ch_uid",
  registryCountry: "",
  registryNumber: VALID_UID,
  website,
  commitSupport: "yes",
  commitInvoices: "yes",
  commitTenders: "yes",
  acceptTerms: "yes",
  ...extra,
});

/** An organization whose own products reach the CHF threshold. */
async function eligibleOrg() {
  const user = await createUser({ name: "Partner Rep" });
  await addProducts(user.orgId, "hosting-business", 10);
  await addProducts(user.orgId, "mail-standard", 1);
  return user;
}

const applicationsOf = (orgId: string) => testDb().selectFrom("partner_applications").selectAll().where("org_id", "=", orgId).execute();

describe("partner program", () => {
  it("P-1/P-3: Swiss UID by its check digit, French SIRET by Luhn, another register by country and number", async () => {
    expect(validateRegistry("ch_uid", "", "che116281710")).toEqual({ ok: true, country: "CH", number: VALID_UID });
    expect(validateRegistry("ch_uid", "", "CHE-116.281.711").ok).toBe(false);
    expect(validateRegistry("fr_siret", "", "732 829 320 00074")).toEqual({ ok: true, country: "FR", number: "73282932000074" });
    expect(validateRegistry("fr_siret", "", "73282932000075").ok).toBe(false);
    expect(validateRegistry("other", "de", "HRB 12345")).toEqual({ ok: true, country: "DE", number: "HRB 12345" });
    expect(validateRegistry("other", "", "HRB 12345").ok).toBe(false);
    // Through the route: a wrong check digit is refused and nothing is stored.
    const user = await eligibleOrg();
    const client = await signedIn(user);
    const res = await client.post(`/orgs/${user.orgId}/partner`, applyForm("https://example.ch", { registryNumber: "CHE-116.281.711" }));
    expect(res.status).toBe(400);
    expect(textOf(res.html)).toContain("This is not a valid Swiss UID (check digit).");
    expect(await applicationsOf(user.orgId)).toHaveLength(0);
  });

  it("P-1/P-3: the website check job requests the site: 200 → active, 500 and timeout → not active, with status and time", async () => {
    for (const [behaviour, expected, code] of [[200, "active", 200], [500, "inactive", 500], ["hang", "inactive", null]] as const) {
      const site = await localSite(behaviour);
      try {
        const user = await eligibleOrg();
        const client = await signedIn(user);
        const res = await client.post(`/orgs/${user.orgId}/partner`, applyForm(site.url));
        expect(res.status).toBe(302);
        const [app] = await applicationsOf(user.orgId);
        expect(app).toMatchObject({ status: "submitted", website_status: "pending", registry_kind: "ch_uid", registry_number: VALID_UID });
        const job = jobs.find((j) => j.name === "check-partner-website" && (j.payload as { applicationId: string }).applicationId === app.id);
        expect(job).toBeDefined();
        await runJob(appDb(), "check-partner-website", job!.payload);
        const [checked] = await applicationsOf(user.orgId);
        expect(checked).toMatchObject({ website_status: expected, website_http_status: code });
        expect(checked.website_checked_at).toBeInstanceOf(Date);
        const page = textOf((await client.get(`/orgs/${user.orgId}/partner`)).html);
        expect(page).toContain(expected === "active" ? ": active" : "not reachable");
      } finally {
        await site.close();
      }
    }
  });

  it("P-2: the value counts own products and ACTIVE clients' products (monthly × 12); CHF 2000 / EUR 1800 thresholds with the missing amount", async () => {
    const partner = await createUser({ name: "Value Partner" });
    await addProducts(partner.orgId, "hosting-business", 5); // 5 × 199.00
    const active = await createUser({ name: "Active Client" });
    await addProducts(active.orgId, "hosting-business", 5); // 5 × 199.00
    const requested = await createUser({ name: "Requested Client" });
    await addProducts(requested.orgId, "hosting-business", 5);
    await testDb().insertInto("program_memberships").values({ org_id: partner.orgId, program: "partner", since: new Date() }).execute();
    await testDb().insertInto("partner_client_links").values([
      { org_id: partner.orgId, client_org_id: active.orgId, state: "active", since: new Date() },
      { org_id: partner.orgId, client_org_id: requested.orgId, state: "requested", since: new Date() },
    ]).execute();
    const client = await signedIn(partner);
    let text = textOf((await client.get(`/orgs/${partner.orgId}/partner`)).html);
    expect(text).toContain("Missing: CHF 10.00");
    await addProducts(active.orgId, "mail-standard", 1); // 3.00 × 12
    text = textOf((await client.get(`/orgs/${partner.orgId}/partner`)).html);
    expect(text).toContain("The threshold is reached.");

    const eur = await createUser({ name: "Euro Org" });
    await testDb().updateTable("organizations").set({ currency: "EUR" }).where("id", "=", eur.orgId).execute();
    await addProducts(eur.orgId, "hosting-business", 10); // 10 × 179.00
    const eurClient = await signedIn(eur);
    text = textOf((await eurClient.get(`/orgs/${eur.orgId}/partner`)).html);
    expect(text).toContain("Missing: €10.00");
    const refused = await eurClient.post(`/orgs/${eur.orgId}/partner`, applyForm("https://example.ch"));
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("below the threshold (P-2): EUR 10.00 missing.");
    expect(await applicationsOf(eur.orgId)).toHaveLength(0);
  });

  it("P-4, P-5, P-6, P-7: each commitment (support, client invoices, provider products for tenders, reseller terms) is required; the accepted terms version, user and time are recorded", async () => {
    const user = await eligibleOrg();
    const client = await signedIn(user);
    for (const [field, message] of [["commitSupport", "P-4"], ["commitInvoices", "P-5"], ["commitTenders", "P-6"], ["acceptTerms", "P-7"]]) {
      const form: Record<string, string> = applyForm("https://example.ch");
      delete form[field];
      const res = await client.post(`/orgs/${user.orgId}/partner`, form);
      expect(res.status).toBe(400);
      expect(textOf(res.html)).toContain(`(${message}) is required`);
    }
    expect(await applicationsOf(user.orgId)).toHaveLength(0);
    const page = textOf((await client.get(`/orgs/${user.orgId}/partner`)).html);
    expect(page).toContain("Special terms for resellers, version 1");
    expect((await client.post(`/orgs/${user.orgId}/partner`, applyForm("https://example.ch"))).status).toBe(302);
    const [app] = await applicationsOf(user.orgId);
    expect(app).toMatchObject({ terms_version: 1, terms_accepted_by: user.userId, commit_support: true, commit_invoices: true, commit_tenders: true });
    expect(app.terms_accepted_at).toBeInstanceOf(Date);
  });

  it("P-8: an affiliate cannot apply as partner and a partner cannot join as affiliate, also refused by the database", async () => {
    const person = await eligibleOrg();
    const client = await signedIn(person);
    expect((await client.post(`/orgs/${person.orgId}/partner`, { intent: "affiliate" })).status).toBe(302);
    const [membership] = await testDb().selectFrom("program_memberships").selectAll().where("org_id", "=", person.orgId).execute();
    expect(membership).toMatchObject({ program: "affiliate" });
    expect(textOf((await client.get(`/orgs/${person.orgId}/partner`)).html)).toContain(`/signup?ref=${membership.referral_code}`);
    const refused = await client.post(`/orgs/${person.orgId}/partner`, applyForm("https://example.ch"));
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("An affiliate cannot apply to the partner program (P-8).");
    expect(await applicationsOf(person.orgId)).toHaveLength(0);

    const partner = await createUser({ name: "Real Partner" });
    await testDb().insertInto("program_memberships").values({ org_id: partner.orgId, program: "partner", since: new Date() }).execute();
    const partnerClient = await signedIn(partner);
    const res = await partnerClient.post(`/orgs/${partner.orgId}/partner`, { intent: "affiliate" });
    expect(res.status).toBe(409);
    expect(textOf(res.html)).toContain("A partner cannot join the affiliate program (P-8).");

    // The database refuses both, whatever the code does.
    await expect(testDb().insertInto("program_memberships").values({ org_id: partner.orgId, program: "affiliate", referral_code: "abcdefghij", since: new Date() }).execute()).rejects.toThrow();
    await expect(
      testDb()
        .insertInto("partner_applications")
        .values({ org_id: person.orgId, registry_kind: "other", registry_country: "DE", registry_number: "HRB 1", website_url: "https://example.ch/", commit_support: true, commit_invoices: true, commit_tenders: true, terms_version: 1, terms_accepted_at: new Date(), value_amount: 0, value_threshold: 200000, value_currency: "CHF", submitted_at: new Date() })
        .execute(),
    ).rejects.toThrow(/affiliate cannot apply/);
  });

  it("K-2: a partner manager approves (the organization becomes a partner) or rejects with a reason the applicant sees; a support agent gets 403", async () => {
    const first = await eligibleOrg();
    const second = await eligibleOrg();
    const c1 = await signedIn(first);
    const c2 = await signedIn(second);
    await c1.post(`/orgs/${first.orgId}/partner`, applyForm("https://example.ch"));
    await c2.post(`/orgs/${second.orgId}/partner`, applyForm("https://example.org"));
    const [a1] = await applicationsOf(first.orgId);
    const [a2] = await applicationsOf(second.orgId);

    const agent = await staffSignedIn(await createStaff("support_agent"));
    expect((await agent.get("/backoffice/partner-applications")).status).toBe(403);
    expect((await agent.post("/backoffice/partner-applications", { applicationId: a1.id, decision: "approve", reason: "", confirm: "yes" })).status).toBe(403);

    const manager = await staffSignedIn(await createStaff("partner_manager"));
    const list = await manager.get("/backoffice/partner-applications");
    expect(list.status).toBe(200);
    const text = textOf(list.html);
    expect(text.indexOf("Partner Rep Org")).toBeGreaterThan(-1);
    const detail = textOf((await manager.get(`/backoffice/partner-applications?id=${a1.id}`)).html);
    expect(detail).toContain(VALID_UID);
    expect(detail).toContain("https://example.ch/");
    expect(detail).toContain("P-2 Yearly value managed: CHF 2'026.00");
    expect(detail).toContain("Terms version 1 accepted");

    expect((await manager.post("/backoffice/partner-applications", { applicationId: a1.id, decision: "approve", reason: "", confirm: "yes" })).status).toBe(302);
    expect(await testDb().selectFrom("program_memberships").selectAll().where("org_id", "=", first.orgId).executeTakeFirst()).toMatchObject({ program: "partner", status: "active" });
    expect(textOf((await c1.get(`/orgs/${first.orgId}/partner`)).html)).toContain("This organization is a partner.");

    const noReason = await manager.post("/backoffice/partner-applications", { applicationId: a2.id, decision: "reject", reason: "", confirm: "yes" });
    expect(noReason.status).toBe(400);
    expect((await manager.post("/backoffice/partner-applications", { applicationId: a2.id, decision: "reject", reason: "The website shows no company.", confirm: "yes" })).status).toBe(302);
    expect((await applicationsOf(second.orgId))[0]).toMatchObject({ status: "rejected", rejection_reason: "The website shows no company." });
    expect(textOf((await c2.get(`/orgs/${second.orgId}/partner`)).html)).toContain("Reason for the rejection: The website shows no company.");
    expect(await testDb().selectFrom("program_memberships").selectAll().where("org_id", "=", second.orgId).executeTakeFirst()).toBeUndefined();
  });

  it("K-2: only the legal representative applies (an administrator gets 403); another organization's page is 404", async () => {
    const org = await eligibleOrg();
    const admin = await createMember(org.orgId, "admin");
    const adminClient = await signedIn(admin);
    expect((await adminClient.get(`/orgs/${org.orgId}/partner`)).status).toBe(200);
    expect((await adminClient.post(`/orgs/${org.orgId}/partner`, applyForm("https://example.ch"))).status).toBe(403);
    expect(await applicationsOf(org.orgId)).toHaveLength(0);
    const restricted = await signedIn(await createMember(org.orgId, "restricted"));
    expect((await restricted.get(`/orgs/${org.orgId}/partner`)).status).toBe(403);
    const stranger = await signedIn(await createUser());
    expect((await stranger.get(`/orgs/${org.orgId}/partner`)).status).toBe(404);
    expect((await stranger.post(`/orgs/${org.orgId}/partner`, applyForm("https://example.ch"))).status).toBe(404);
  });

  it("P-2: a partner asks an existing organization to become its client; the client's legal representative accepts and the link is active", async () => {
    const partner = await createUser({ name: "Linking Partner" });
    await testDb().insertInto("program_memberships").values({ org_id: partner.orgId, program: "partner", since: new Date() }).execute();
    const target = await createUser({ name: "Future Client" });
    const pc = await signedIn(partner);
    expect((await pc.post(`/orgs/${partner.orgId}/partner`, { intent: "request-link", clientOrgId: target.orgId })).status).toBe(302);
    const tc = await signedIn(target);
    const outsider = await createUser({ name: "Outsider" });
    const oc = await signedIn(outsider);
    const [link] = await testDb().selectFrom("partner_client_links").selectAll().where("org_id", "=", partner.orgId).execute();
    expect(link.state).toBe("requested");
    expect(textOf((await tc.get(`/orgs/${target.orgId}/partner`)).html)).toContain("Partner Linking Partner Org: requested");
    // Only the client concerned answers: another organization's representative gets 404.
    expect((await oc.post(`/orgs/${outsider.orgId}/partner`, { intent: "accept-link", linkId: link.id })).status).toBe(404);
    expect((await tc.post(`/orgs/${target.orgId}/partner`, { intent: "accept-link", linkId: link.id })).status).toBe(302);
    expect((await testDb().selectFrom("partner_client_links").select("state").where("id", "=", link.id).executeTakeFirstOrThrow()).state).toBe("active");
  });
});
