import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { textOf } from "../../support/app";
import { insertAuditEntries } from "../../support/backoffice";
import { createStaff, createUser, signedIn } from "../../support/factories";
import { orgWithStaff } from "../../support/members";

const rowCount = (html: string) => html.split('data-testid="audit-entry"').length - 1;

describe("an organization's audit log", () => {
  it("K-1: the legal representative and administrators read their organization's log, newest first, in Zurich time, with staff shown as the provider", async () => {
    const org = await orgWithStaff("Chronik");
    const staff = await createStaff("support_agent");
    await insertAuditEntries(1, { orgId: org.orgId, action: "member.added", actorUserId: org.admin.userId, createdAt: new Date("2030-01-15T12:00:00Z") });
    await insertAuditEntries(1, { orgId: org.orgId, action: "support.content_viewed", actorStaffId: staff.staffId, createdAt: new Date("2030-07-15T12:00:00Z") });

    for (const who of [org.rep, org.admin]) {
      const client = await signedIn(who);
      const home = await client.get(`/orgs/${org.orgId}`);
      expect(home.html).toContain(`href="/orgs/${org.orgId}/audit"`);
      const page = await client.get(`/orgs/${org.orgId}/audit`);
      expect(page.status).toBe(200);
      const rows = page.html.split('data-testid="audit-entry"').slice(1).map(textOf);
      expect(rows[0]).toContain("15.07.2030, 14:00");
      expect(rows[0]).toContain("Provider staff");
      expect(rows[0]).toContain("support.content_viewed");
      expect(rows[1]).toContain("15.01.2030, 13:00");
      expect(rows[1]).toContain("Chronik Admin");
      expect(rows[1]).toContain("member.added");
      expect(rows[1]).toContain("test n1");
      expect(rows.some((r) => r.includes("account.signed_up") && r.includes("Chronik Rep"))).toBe(true);
      // The provider's staff are never named to customers, nor their IP addresses shown.
      expect(textOf(page.html)).not.toContain("Staff support_agent");
      expect(textOf(page.html)).not.toContain("IP address");
    }
  });

  it("K-1: a restricted user gets 403 on the organization's log and another organization's log answers 404", async () => {
    const org = await orgWithStaff("Sperre");
    const restricted = await signedIn(org.restricted);
    const home = await restricted.get(`/orgs/${org.orgId}`);
    expect(home.status).toBe(200);
    expect(home.html).not.toContain(`href="/orgs/${org.orgId}/audit"`);
    const page = await restricted.get(`/orgs/${org.orgId}/audit`);
    expect(page.status).toBe(403);
    expect(textOf(page.html)).not.toContain("account.signed_up");

    const outsider = await signedIn(await createUser({ name: "Outsider" }));
    const foreign = await outsider.get(`/orgs/${org.orgId}/audit`);
    expect(foreign.status).toBe(404);
    expect(textOf(foreign.html)).not.toContain("Sperre");
    expect((await outsider.get("/orgs/not-a-uuid/audit")).status).toBe(404);
  });

  it("K-1: the organization's log shows only its own entries and filters by action", async () => {
    const a = await createUser({ name: "Own Entries" });
    const b = await createUser({ name: "Other Entries" });
    const tag = randomBytes(3).toString("hex");
    await insertAuditEntries(2, { orgId: a.orgId, action: `member.added_${tag}`, actorUserId: a.userId });
    await insertAuditEntries(1, { orgId: a.orgId, action: `team.created_${tag}`, actorUserId: a.userId });
    await insertAuditEntries(3, { orgId: b.orgId, action: `secret.of_b_${tag}`, actorUserId: b.userId });
    const client = await signedIn(a);

    const all = await client.get(`/orgs/${a.orgId}/audit`);
    expect(rowCount(all.html)).toBe(4);
    expect(all.html).not.toContain(`secret.of_b_${tag}`);
    expect(textOf(all.html)).not.toContain("Other Entries");
    // The filter offers this organization's actions only.
    expect(all.html).toContain(`<option value="member.added_${tag}">`);
    expect(all.html).not.toContain(`<option value="secret.of_b_${tag}">`);

    const filtered = await client.get(`/orgs/${a.orgId}/audit?action=member.added_${tag}`);
    expect(filtered.status).toBe(200);
    expect(rowCount(filtered.html)).toBe(2);
    const rows = filtered.html.split('data-testid="audit-entry"').slice(1).map(textOf);
    expect(rows.every((r) => r.includes(`member.added_${tag}`))).toBe(true);
    expect(filtered.html).toContain(`<option value="member.added_${tag}" selected="">`);

    const foreignAction = await client.get(`/orgs/${a.orgId}/audit?action=secret.of_b_${tag}`);
    expect(rowCount(foreignAction.html)).toBe(0);
    expect(textOf(foreignAction.html)).toContain("No entries.");
  });

  it("K-1: the organization's log pages by 50 entries, newest first", async () => {
    const rep = await createUser({ name: "Many Entries" });
    await insertAuditEntries(60, { orgId: rep.orgId, action: "bulk.entry", actorUserId: rep.userId });
    const client = await signedIn(rep);

    const first = await client.get(`/orgs/${rep.orgId}/audit`);
    expect(rowCount(first.html)).toBe(50);
    const firstRows = first.html.split('data-testid="audit-entry"').slice(1).map(textOf);
    expect(firstRows[0]).toContain("test n60");
    expect(firstRows[49]).toContain("test n11");
    expect(textOf(first.html)).not.toContain("Newer entries");

    const olderHref = first.html.match(/href="([^"]*before=\d+[^"]*)"/)![1].replace(/&amp;/g, "&");
    const second = await client.get(olderHref);
    // n10 … n1 and the sign-up entry.
    expect(rowCount(second.html)).toBe(11);
    expect(textOf(second.html)).toContain("account.signed_up");
    expect(textOf(second.html)).not.toContain("Older entries");

    const newerHref = second.html.match(/href="([^"]*after=\d+[^"]*)"/)![1].replace(/&amp;/g, "&");
    const back = await client.get(newerHref);
    expect(rowCount(back.html)).toBe(50);
    expect(back.html.split('data-testid="audit-entry"').slice(1).map(textOf)[0]).toContain("test n60");
  });
});
