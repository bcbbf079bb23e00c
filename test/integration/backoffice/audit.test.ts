import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { describe, expect, it, vi } from "vitest";
import { textOf } from "../../support/app";
import { auditEntries, insertAuditEntries, staffSignedIn } from "../../support/backoffice";
import { createStaff, createUser, signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";

const rowCount = (html: string) => html.split('data-testid="audit-entry"').length - 1;

describe("back office: the audit log", () => {
  it("K-1: the audit log is append-only: the database refuses UPDATE, DELETE and TRUNCATE", async () => {
    const staff = await createStaff("administrator");
    await staffSignedIn(staff);
    const customer = await createUser();
    const before = await testDb().selectFrom("audit_log").selectAll().orderBy("id").execute();
    const staffEntry = before.find((e) => e.actor_staff_id === staff.staffId)!;
    expect(staffEntry.action).toBe("staff.signed_in");

    const db = testDb();
    await expect(sql`update audit_log set action = 'tampered' where id = ${staffEntry.id}`.execute(db)).rejects.toThrow(/append-only|permission denied/);
    await expect(sql`update audit_log set actor_staff_id = null`.execute(db)).rejects.toThrow(/append-only|permission denied/);
    await expect(sql`delete from audit_log where id = ${staffEntry.id}`.execute(db)).rejects.toThrow(/append-only|permission denied/);
    await expect(sql`delete from audit_log where actor_user_id = ${customer.userId}`.execute(db)).rejects.toThrow(/append-only|permission denied/);
    await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only|permission denied/);

    const after = await testDb().selectFrom("audit_log").selectAll().orderBy("id").execute();
    expect(after).toEqual(before);
  });

  it("K-1: there is no page or endpoint that edits or deletes audit entries", async () => {
    const staff = await createStaff("administrator");
    const staffClient = await staffSignedIn(staff);
    const rep = await createUser();
    const repClient = await signedIn(rep);
    const before = await testDb().selectFrom("audit_log").selectAll().orderBy("id").execute();
    const target = String(before[before.length - 1].id);

    // Remix reports a method without a handler as an error; it is expected here.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const body = new URLSearchParams({ id: target, intent: "delete", action: "tampered" });
        const headers = { "Content-Type": "application/x-www-form-urlencoded" };
        const inBackoffice = await staffClient.request(`/backoffice/audit?id=${target}`, { method, body, headers });
        expect(inBackoffice.status, method).toBe(405);
        const inOrg = await repClient.request(`/orgs/${rep.orgId}/audit?id=${target}`, { method, body, headers });
        expect(inOrg.status, method).toBe(405);
      }
    } finally {
      logged.mockRestore();
    }
    const after = await testDb().selectFrom("audit_log").selectAll().where("id", "<=", Number(target)).orderBy("id").execute();
    expect(after).toEqual(before);
  });

  it("K-1: staff of every role read the whole audit log, newest first, with the staff member's name and the IP", async () => {
    const a = await createUser({ name: "Anna Alpha" });
    const b = await createUser({ name: "Bruno Beta" });
    const admin = await createStaff("administrator");
    await staffSignedIn(admin);
    const tag = randomBytes(3).toString("hex");
    await insertAuditEntries(1, { orgId: a.orgId, action: `alpha.${tag}`, actorUserId: a.userId });
    await insertAuditEntries(1, { orgId: b.orgId, action: `beta.${tag}`, actorUserId: b.userId });

    for (const role of ["support_agent", "billing_agent", "partner_manager", "administrator"] as const) {
      const client = await staffSignedIn(await createStaff(role));
      const page = await client.get("/backoffice/audit");
      expect(page.status, role).toBe(200);
      const text = textOf(page.html);
      // Both organizations' entries, the newer one first.
      expect(text.indexOf(`beta.${tag}`), role).toBeGreaterThan(-1);
      expect(text.indexOf(`alpha.${tag}`), role).toBeGreaterThan(text.indexOf(`beta.${tag}`));
      expect(text).toContain(a.orgId);
      expect(text).toContain(b.orgId);
      // This role's own sign-in is the newest entry, named and with its IP.
      const first = page.html.split('data-testid="audit-entry"')[1];
      expect(textOf(first)).toContain(`Staff ${role} (staff)`);
      expect(textOf(first)).toContain("staff.signed_in");
      expect(textOf(first)).toContain(client.ip);
    }
  });

  it("K-1: staff filter the audit log by organization and by action", async () => {
    const a = await createUser({ name: "Filter Alpha" });
    const b = await createUser({ name: "Filter Beta" });
    const tag = randomBytes(3).toString("hex");
    await insertAuditEntries(2, { orgId: a.orgId, action: `member.${tag}_added`, actorUserId: a.userId });
    await insertAuditEntries(1, { orgId: a.orgId, action: `product.${tag}_renamed`, actorUserId: a.userId });
    await insertAuditEntries(3, { orgId: b.orgId, action: `member.${tag}_added`, actorUserId: b.userId });
    const client = await staffSignedIn(await createStaff("support_agent"));

    const byOrg = await client.get(`/backoffice/audit?orgId=${a.orgId}`);
    expect(byOrg.status).toBe(200);
    // Two member entries, one product entry and the sign-up of the organization.
    expect(rowCount(byOrg.html)).toBe(4);
    expect(textOf(byOrg.html)).not.toContain(b.orgId);
    expect(byOrg.html).toContain(`value="${a.orgId}"`);

    const byAction = await client.get(`/backoffice/audit?action=member.${tag}`);
    expect(rowCount(byAction.html)).toBe(5);
    expect(textOf(byAction.html)).not.toContain(`product.${tag}_renamed`);

    const both = await client.get(`/backoffice/audit?orgId=${b.orgId}&action=member.${tag}_added`);
    expect(rowCount(both.html)).toBe(3);
    expect(textOf(both.html)).not.toContain(a.orgId);

    const wildcard = await client.get(`/backoffice/audit?action=${encodeURIComponent("%")}`);
    expect(wildcard.status).toBe(200);
    expect(textOf(wildcard.html)).toContain("No entries.");

    const invalid = await client.get("/backoffice/audit?orgId=not-an-id");
    expect(invalid.status).toBe(200);
    expect(textOf(invalid.html)).toContain("This is not a valid organization id.");
    expect(rowCount(invalid.html)).toBe(0);
  });

  it("K-1: the back-office audit log pages through older and newer entries, 50 at a time", async () => {
    const tag = randomBytes(3).toString("hex");
    const ids = await insertAuditEntries(55, { action: `bulk.${tag}` });
    const client = await staffSignedIn(await createStaff("billing_agent"));

    const first = await client.get(`/backoffice/audit?action=bulk.${tag}`);
    expect(rowCount(first.html)).toBe(50);
    expect(textOf(first.html)).toContain("test n55");
    expect(textOf(first.html)).not.toContain("test n5 ");
    expect(textOf(first.html)).not.toContain("Newer entries");
    const older = first.html.match(/href="([^"]*before=\d+[^"]*)"/)![1].replace(/&amp;/g, "&");
    expect(older).toContain(`before=${ids[5]}`);

    const second = await client.get(older);
    expect(rowCount(second.html)).toBe(5);
    expect(textOf(second.html)).toContain("test n1 ");
    expect(textOf(second.html)).not.toContain("Older entries");
    const newer = second.html.match(/href="([^"]*after=\d+[^"]*)"/)![1].replace(/&amp;/g, "&");

    const back = await client.get(newer);
    expect(rowCount(back.html)).toBe(50);
    expect(textOf(back.html)).toContain("test n55");
    expect(textOf(back.html)).not.toContain("Newer entries");
    expect(await auditEntries({ action: `bulk.${tag}` })).toHaveLength(55);
  });
});
