import { describe, expect, it } from "vitest";
import { textOf } from "../../support/app";
import { createMember, createUser, signedIn } from "../../support/factories";
import { auditEntries, organization } from "../../support/orgadmin";

const valid = {
  name: "Brunner Informatik AG",
  legalForm: "AG",
  street: "Bahnhofstrasse 1",
  postalCode: "8001",
  city: "Zürich",
  country: "CH",
  registryId: "che 123 456 788",
  currency: "EUR",
};

describe("organization data (O-3)", () => {
  it("O-3: the legal representative changes the organization's data; the change is audited with before and after", async () => {
    const rep = await createUser({ name: "Ursula Brunner", organizationName: "Brunner" });
    const client = await signedIn(rep);

    const form = await client.get(`/orgs/${rep.orgId}/settings`);
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="registryId"');

    const saved = await client.post(`/orgs/${rep.orgId}/settings`, valid);
    expect(saved.status).toBe(302);
    const org = await organization(rep.orgId);
    expect(org).toMatchObject({
      name: "Brunner Informatik AG",
      legal_form: "AG",
      street: "Bahnhofstrasse 1",
      postal_code: "8001",
      city: "Zürich",
      country: "CH",
      registry_id: "CHE-123.456.788",
      currency: "EUR",
    });
    const [entry] = await auditEntries(rep.orgId, "organization.updated");
    expect(entry.actor_user_id).toBe(rep.userId);
    expect(entry.data).toMatchObject({
      before: { name: "Brunner", currency: "CHF", registry_id: null },
      after: { name: "Brunner Informatik AG", currency: "EUR", registry_id: "CHE-123.456.788" },
    });

    const page = await client.follow(saved);
    expect(textOf(page.html)).toContain("Saved.");

    // Emptying an optional field stores null.
    await client.post(`/orgs/${rep.orgId}/settings`, { ...valid, legalForm: "", registryId: "" });
    const cleared = await organization(rep.orgId);
    expect(cleared.legal_form).toBeNull();
    expect(cleared.registry_id).toBeNull();
  });

  it("O-3: administrators and restricted users see the data read-only and a POST from them answers 403 and changes nothing", async () => {
    const rep = await createUser({ organizationName: "Kept Name" });
    const admin = await createMember(rep.orgId, "admin");
    const restricted = await createMember(rep.orgId, "restricted");
    const before = await organization(rep.orgId);

    for (const who of [admin, restricted]) {
      const client = await signedIn(who);
      const page = await client.get(`/orgs/${rep.orgId}/settings`);
      expect(page.status).toBe(200);
      expect(textOf(page.html)).toContain("Kept Name");
      expect(textOf(page.html)).toContain("Only the legal representative");
      expect(page.html).not.toContain('name="name"');

      const post = await client.post(`/orgs/${rep.orgId}/settings`, valid);
      expect(post.status).toBe(403);
      // Even an invalid form gets 403, not field messages: the right is checked first.
      const invalid = await client.post(`/orgs/${rep.orgId}/settings`, { name: "" });
      expect(invalid.status).toBe(403);
    }
    expect(await organization(rep.orgId)).toEqual(before);
    expect(await auditEntries(rep.orgId, "organization.updated")).toHaveLength(0);
  });

  it("O-3: invalid input answers 400 with field messages and changes nothing", async () => {
    const rep = await createUser({ organizationName: "Unchanged" });
    const client = await signedIn(rep);
    const before = await organization(rep.orgId);

    const page = await client.post(`/orgs/${rep.orgId}/settings`, {
      name: "  ",
      country: "XX",
      registryId: "CHE-123.456.789",
      postalCode: "#?!",
      currency: "USD",
    });
    expect(page.status).toBe(400);
    const text = textOf(page.html);
    expect(text).toContain("This field is required.");
    expect(text).toContain("Choose a country from the list.");
    expect(text).toContain("This registry id is not valid.");
    expect(text).toContain("Enter a valid postal code");
    expect(text).toContain("This value is not valid.");
    expect(await organization(rep.orgId)).toEqual(before);
  });

  it("O-3: another organization's settings answer 404, for reading and for posting", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const client = await signedIn(stranger);
    const before = await organization(owner.orgId);
    expect((await client.get(`/orgs/${owner.orgId}/settings`)).status).toBe(404);
    expect((await client.post(`/orgs/${owner.orgId}/settings`, valid)).status).toBe(404);
    expect(await organization(owner.orgId)).toEqual(before);
  });
});
