import { afterEach, describe, expect, it } from "vitest";
import { addMs, DAY, setClock } from "../../../app/lib/clock";
import { Client, textOf } from "../../support/app";
import { createMember, createUser, signedIn, uniqueEmail } from "../../support/factories";
import { createPartner, partnerStaff } from "../../support/clients";
import { outboxTo } from "../../support/smtp";
import { testDb } from "../../support/setup";

// C-1: a partner adds a client by creating a new organization for it; the client's legal
// representative is invited by e-mail and owns the organization from acceptance. Through the
// real routes (/orgs/$orgId/clients, /client-invitations/$token) and the real mail outbox.
afterEach(() => setClock(undefined));

const db = () => testDb();

async function orgsNamed(name: string) {
  return db().selectFrom("organizations").selectAll().where("name", "=", name).execute();
}

async function creationRow(partnerOrgId: string, email: string) {
  return db().selectFrom("client_creations").selectAll().where("org_id", "=", partnerOrgId).where("email", "=", email).orderBy("created_at", "desc").executeTakeFirstOrThrow();
}

/** The path of the link in the newest invitation mail to `email`. */
async function mailedPath(email: string): Promise<string> {
  const [mail] = await outboxTo(email);
  const match = mail?.body_text.match(/https?:\/\/\S+?(\/client-invitations\/[A-Za-z0-9_-]+)/);
  if (!match) throw new Error(`no client invitation link in: ${mail?.body_text}`);
  return match[1];
}

function createForm(fields: Partial<Record<string, string>> = {}) {
  return { intent: "create", orgName: "Neukunde AG", country: "CH", currency: "CHF", locale: "en", repName: "Nora Neu", email: uniqueEmail("neu"), creationAccess: "full", ...fields } as Record<string, string>;
}

describe("C-1: a partner creates a new organization for a client", () => {
  it("C-1: the partner creates, the person accepts with a new account and owns the organization (legal representative); the partner's link is active with full access and billing and it acts in it", async () => {
    const partner = await createPartner("Creator Partner AG");
    const rep = await signedIn(partner);
    const form = createForm({ orgName: "Frisch Gegründet GmbH", currency: "EUR", country: "DE", creationAccess: "fullBilling" });

    const page = await rep.get(`/orgs/${partner.orgId}/clients`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('name="orgName"');
    const sent = await rep.post(`/orgs/${partner.orgId}/clients`, form);
    expect(sent.status).toBe(302);
    expect(textOf((await rep.follow(sent)).html)).toContain("The invitation was sent.");
    const pending = await creationRow(partner.orgId, form.email);
    expect(pending).toMatchObject({ org_name: "Frisch Gegründet GmbH", country: "DE", currency: "EUR", billing: true, accepted_at: null });
    expect(pending.token_hash).toMatch(/^[0-9a-f]{64}$/);
    // Nothing exists yet but the pending row, which the partner sees on its clients page.
    expect(await orgsNamed("Frisch Gegründet GmbH")).toHaveLength(0);
    expect(textOf((await rep.get(`/orgs/${partner.orgId}/clients`)).html)).toContain("Nora Neu");
    // The same address cannot be invited twice while the first invitation waits.
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { ...form, orgName: "Zweimal AG" })).status).toBe(400);

    const [mail] = await outboxTo(form.email);
    expect(mail.subject).toBe("Creator Partner AG created the organization Frisch Gegründet GmbH for you");
    const path = await mailedPath(form.email);
    expect(mail.body_text).not.toContain(pending.token_hash);

    const invitee = new Client();
    const open = await invitee.get(path);
    expect(open.status).toBe(200);
    expect(textOf(open.html)).toContain("Creator Partner AG created the organization Frisch Gegründet GmbH for you");
    expect(open.html).toContain('value="create"');
    const accepted = await invitee.post(path, { intent: "create", name: "Nora Neu", password: "a-good-long-passphrase-2026", locale: "en" });
    expect(accepted.status).toBe(302);

    const [org] = await orgsNamed("Frisch Gegründet GmbH");
    expect(org).toMatchObject({ country: "DE", currency: "EUR" });
    expect(accepted.location).toBe(`/orgs/${org.id}`);
    const user = await db().selectFrom("users").selectAll().where("email", "=", form.email).executeTakeFirstOrThrow();
    expect(org.legal_rep_user_id).toBe(user.id);
    expect(await db().selectFrom("memberships").select(["user_id", "role"]).where("org_id", "=", org.id).execute()).toEqual([{ user_id: user.id, role: "admin" }]);
    // The new owner is signed in and in their organization.
    expect((await invitee.get(`/orgs/${org.id}`)).status).toBe(200);

    const link = await db().selectFrom("partner_client_links").selectAll().where("client_org_id", "=", org.id).executeTakeFirstOrThrow();
    expect(link).toMatchObject({ org_id: partner.orgId, state: "active", access: "full", billing_access: true, requested_by: partner.userId, answered_by: user.id });
    expect(await creationRow(partner.orgId, form.email)).toMatchObject({ accepted_by: user.id, client_org_id: org.id });
    for (const side of [org.id, partner.orgId]) {
      const entries = await db().selectFrom("audit_log").select("action").where("org_id", "=", side).where("action", "=", "client_creation.accepted").execute();
      expect(entries).toHaveLength(1);
    }
    const told = (await outboxTo(partner.email)).find((m) => m.subject === "Frisch Gegründet GmbH was created and accepted");
    expect(told?.body_text).toContain(`/orgs/${partner.orgId}/clients`);
    expect(told?.body_text).toContain("Creator Partner AG has full access with billing");
    expect(await db().selectFrom("audit_log").select("action").where("org_id", "=", partner.orgId).where("action", "=", "client_creation.created").execute()).toHaveLength(1);

    // The partner acts in it as the delegation allows (full access with billing)…
    expect((await rep.get(`/orgs/${org.id}/products`)).status).toBe(200);
    expect((await rep.get(`/orgs/${org.id}/billing/invoices`)).status).toBe(200);
    // …and the client is in its list, no longer pending.
    const clients = await rep.get(`/orgs/${partner.orgId}/clients`);
    expect(clients.html).toContain('data-testid="client-Frisch Gegründet GmbH"');
    expect(clients.html).not.toContain('data-testid="creation-Frisch Gegründet GmbH"');

    // The link is single-use: a second acceptance creates nothing.
    const again = await new Client().get(path);
    expect(again.status).toBe(410);
    expect(textOf(again.html)).toContain("This invitation has already been used.");
    expect((await new Client().post(path, { intent: "create", name: "Other", password: "a-good-long-passphrase-2026", locale: "en" })).status).toBe(409);
    expect(await orgsNamed("Frisch Gegründet GmbH")).toHaveLength(1);
  });

  it("C-1: a person with an account signs in and accepts; another account cannot accept for them; full access without billing", async () => {
    const partner = await createPartner("Second Partner AG");
    const existing = await createUser({ name: "Erika Existing", organizationName: "Erikas Eigene AG" });
    const other = await createUser({ name: "Someone Else" });
    const rep = await signedIn(partner);
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, createForm({ orgName: "Erikas Zweite AG", email: existing.email, repName: "Erika Existing" }))).status).toBe(302);
    const path = await mailedPath(existing.email);

    const anonymous = await new Client().get(path);
    expect(anonymous.status).toBe(200);
    expect(anonymous.html).toContain(`/login?redirectTo=${encodeURIComponent(path)}`);
    // Creating a second account for that address is refused.
    expect((await new Client().post(path, { intent: "create", name: "Twin", password: "a-good-long-passphrase-2026", locale: "en" })).status).toBe(409);

    const wrong = await signedIn(other);
    expect(textOf((await wrong.get(path)).html)).toContain(`You are signed in as ${other.email}`);
    expect((await wrong.post(path, { intent: "accept" })).status).toBe(409);
    expect(await orgsNamed("Erikas Zweite AG")).toHaveLength(0);

    const owner = await signedIn(existing);
    const accepted = await owner.post(path, { intent: "accept" });
    expect(accepted.status).toBe(302);
    const [org] = await orgsNamed("Erikas Zweite AG");
    expect(org.legal_rep_user_id).toBe(existing.userId);
    expect((await owner.get(`/orgs/${org.id}`)).status).toBe(200);
    // The person's own organization is untouched.
    expect((await orgsNamed("Erikas Eigene AG"))[0].legal_rep_user_id).toBe(existing.userId);
    const link = await db().selectFrom("partner_client_links").selectAll().where("client_org_id", "=", org.id).executeTakeFirstOrThrow();
    expect(link).toMatchObject({ org_id: partner.orgId, state: "active", access: "full", billing_access: false });
    expect((await rep.get(`/orgs/${org.id}/products`)).status).toBe(200);
    expect((await rep.get(`/orgs/${org.id}/billing/invoices`)).status).toBe(403);
  });

  it("C-1: an expired or revoked invitation shows a clear message and creates nothing", async () => {
    const start = new Date("2026-03-01T09:00:00Z");
    setClock(() => start);
    const partner = await createPartner("Third Partner AG");
    const rep = await signedIn(partner);
    const late = createForm({ orgName: "Zu Spät AG" });
    const withdrawn = createForm({ orgName: "Zurückgezogen AG" });
    for (const f of [late, withdrawn]) expect((await rep.post(`/orgs/${partner.orgId}/clients`, f)).status).toBe(302);
    const latePath = await mailedPath(late.email);
    const withdrawnPath = await mailedPath(withdrawn.email);

    // Revoked by the partner: the link stops working at once.
    const row = await creationRow(partner.orgId, withdrawn.email);
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "revokeCreation", creationId: row.id })).status).toBe(302);
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, { intent: "revokeCreation", creationId: row.id })).status).toBe(409);
    const revoked = await new Client().get(withdrawnPath);
    expect(revoked.status).toBe(410);
    expect(textOf(revoked.html)).toContain("This invitation was withdrawn.");
    expect((await new Client().post(withdrawnPath, { intent: "create", name: "X", password: "a-good-long-passphrase-2026", locale: "en" })).status).toBe(409);
    expect(await orgsNamed("Zurückgezogen AG")).toHaveLength(0);
    expect(await db().selectFrom("users").select("id").where("email", "=", withdrawn.email).execute()).toHaveLength(0);

    // Still valid a minute before 30 days, expired after.
    setClock(() => addMs(start, 30 * DAY - 60_000));
    expect((await new Client().get(latePath)).status).toBe(200);
    setClock(() => addMs(start, 30 * DAY + 60_000));
    const expired = await new Client().get(latePath);
    expect(expired.status).toBe(410);
    expect(textOf(expired.html)).toContain("This invitation has expired.");
    expect((await new Client().post(latePath, { intent: "create", name: "X", password: "a-good-long-passphrase-2026", locale: "en" })).status).toBe(409);
    expect(await orgsNamed("Zu Spät AG")).toHaveLength(0);
    // The partner (signed in again: 30 days later) sees it as expired and may invite the same address again.
    const repLater = await signedIn(partner);
    expect(textOf((await repLater.get(`/orgs/${partner.orgId}/clients`)).html)).toContain("(expired)");
    expect((await repLater.post(`/orgs/${partner.orgId}/clients`, { ...late })).status).toBe(302);

    // An unknown token.
    expect((await new Client().get("/client-invitations/not-a-token")).status).toBe(404);
  });

  it("C-1: an administrator of the partner (not its legal representative) adds clients too: creates an organization for one and asks an existing one for access", async () => {
    const partner = await createPartner("Admin Run Partner AG");
    const admin = await signedIn(await createMember(partner.orgId, "admin", { name: "Partner Admin" }));
    expect((await admin.get(`/orgs/${partner.orgId}/clients`)).html).toContain('name="orgName"');
    const form = createForm({ orgName: "Von Admin Gegründet AG" });
    expect((await admin.post(`/orgs/${partner.orgId}/clients`, form)).status).toBe(302);
    expect(await creationRow(partner.orgId, form.email)).toMatchObject({ org_name: "Von Admin Gegründet AG", accepted_at: null });
    const existing = await createUser({ name: "Existing Rep", organizationName: "Schon Da AG" });
    expect((await admin.post(`/orgs/${partner.orgId}/clients`, { intent: "request", clientOrgId: existing.orgId, access: "full" })).status).toBe(302);
    const link = await db().selectFrom("partner_client_links").select(["state", "requested_access"]).where("org_id", "=", partner.orgId).where("client_org_id", "=", existing.orgId).executeTakeFirstOrThrow();
    expect(link).toEqual({ state: "requested", requested_access: "full" });
    const audit = await db().selectFrom("audit_log").select("action").where("org_id", "=", partner.orgId).where("actor_user_id", "is not", null).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["client_creation.created", "delegation.requested"]));
  });

  it("C-1/C-4: a restricted partner member (even with staff rights) is refused (403), a stranger gets 404, a non-partner cannot create clients; nothing is created", async () => {
    const partner = await createPartner("Fourth Partner AG");
    const staff = await partnerStaff(partner.orgId, "all");
    const stranger = await createUser({ name: "Stranger" });
    const notPartner = await createUser({ name: "Plain", organizationName: "Kein Partner AG" });

    const asStaff = await signedIn(staff);
    expect((await asStaff.get(`/orgs/${partner.orgId}/clients`)).html).not.toContain('name="orgName"');
    expect((await asStaff.post(`/orgs/${partner.orgId}/clients`, createForm({ orgName: "Staff Made AG" }))).status).toBe(403);
    expect((await (await signedIn(stranger)).post(`/orgs/${partner.orgId}/clients`, createForm({ orgName: "Stranger Made AG" }))).status).toBe(404);
    expect((await (await signedIn(notPartner)).post(`/orgs/${notPartner.orgId}/clients`, createForm({ orgName: "Plain Made AG" }))).status).toBe(409);
    // A restricted member cannot withdraw the partner's invitations either.
    const rep = await signedIn(partner);
    const form = createForm({ orgName: "Kept AG" });
    expect((await rep.post(`/orgs/${partner.orgId}/clients`, form)).status).toBe(302);
    const row = await creationRow(partner.orgId, form.email);
    expect((await asStaff.post(`/orgs/${partner.orgId}/clients`, { intent: "revokeCreation", creationId: row.id })).status).toBe(403);
    expect((await creationRow(partner.orgId, form.email)).revoked_at).toBeNull();

    const made = await db().selectFrom("client_creations").select("org_name").where("org_id", "in", [partner.orgId, notPartner.orgId]).execute();
    expect(made.map((r) => r.org_name)).toEqual(["Kept AG"]);
  });
});
