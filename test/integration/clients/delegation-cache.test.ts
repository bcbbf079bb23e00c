import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { loadSessionActor } from "../../../app/auth/actor.server";
import type { UserActor } from "../../../app/auth/actor";
import { newToken } from "../../../app/auth/tokens.server";
import { loadTokenActor } from "../../../app/domain/api/tokens.server";
import { withActor } from "../../../app/domain/tx.server";
import { addMs, DAY, now, setClock } from "../../../app/lib/clock";
import { apiToken } from "../../support/api";
import { createRenewableProduct } from "../../support/billing";
import { createUser, signedIn } from "../../support/factories";
import { createPartner, link, partnerStaff } from "../../support/clients";
import { addToTeam, createTeam } from "../../support/members";
import { appDb, testDb } from "../../support/setup";

// C-3/C-4 (migration 0035): a partner user's delegation lists are kept in the process between
// requests and the database looks delegated organizations up per row; neither may let a change
// wait: every change applies on the very next request, and the database refuses a client's
// rows even to an actor loaded before the change.

afterEach(() => setClock(undefined));

async function clientWithProduct(name: string) {
  const rep = await createUser({ name: `${name} Rep`, organizationName: name });
  const web = await createRenewableProduct(rep.orgId, { code: "hosting-business", from: new Date(), expiresInDays: 200, name: `web-${name.toLowerCase().replace(/\W/g, "")}.ch`, autoRenew: "visa" });
  return { ...rep, web };
}

/** A session of `userId`, as the sign-in makes it; loading it is what every request does first. */
async function sessionOf(userId: string) {
  const { token, tokenHash } = newToken();
  await testDb().insertInto("sessions").values({ token_hash: tokenHash, user_id: userId, expires_at: addMs(now(), 30 * DAY) }).execute();
  return async () => (await loadSessionActor(appDb(), token))!.actor;
}

/** The client organizations whose products the actor's transactions see (row-level security). */
async function visibleOrgs(actor: UserActor): Promise<string[]> {
  const rows = await withActor(appDb(), actor, (trx) => trx.selectFrom("products").select("org_id").distinct().execute());
  return rows.map((r) => r.org_id).sort();
}

const clientsOf = (actor: UserActor) => ({
  full: (actor.delegations ?? []).flatMap((d) => d.full).sort(),
  limited: (actor.delegations ?? []).flatMap((d) => d.limited.map((l) => ({ clientOrgId: l.clientOrgId, manage: l.manage, read: l.read }))),
});

describe("delegations kept between requests (migration 0035)", () => {
  it("C-3/C-4: the lists are reused while nothing changes, and each change of links, link products, staff rights, teams, roles or the representative applies on the very next request", async () => {
    const partner = await createPartner("Cache Partner AG");
    const a = await clientWithProduct("Cache Kunde A");
    const b = await clientWithProduct("Cache Kunde B");
    const linkA = await link(partner.orgId, a.orgId, { access: "full" });
    const linkB = await link(partner.orgId, b.orgId, { access: "limited", products: { [b.web]: { manage: false, stats: true } } });
    const staff = await partnerStaff(partner.orgId, "none", "Cache Staff");
    const teamId = await createTeam(partner.orgId, "Kundendienst");
    await addToTeam(partner.orgId, teamId, staff.userId);
    await testDb().insertInto("partner_staff_rights").values({ org_id: partner.orgId, team_id: teamId, client_org_id: null, created_at: new Date() }).execute();
    const load = await sessionOf(staff.userId);

    const first = await load();
    expect(clientsOf(first)).toEqual({ full: [a.orgId], limited: [{ clientOrgId: b.orgId, manage: [], read: [b.web] }] });
    // Nothing changed: the same lists, not loaded again.
    const second = await load();
    expect(second.delegations).toBe(first.delegations);
    expect(await visibleOrgs(second)).toEqual([a.orgId, b.orgId].sort());

    // The client lets the partner manage the product (link products).
    await testDb().updateTable("partner_link_products").set({ manage: true }).where("link_id", "=", linkB).execute();
    expect(clientsOf(await load()).limited).toEqual([{ clientOrgId: b.orgId, manage: [b.web], read: [b.web] }]);

    // The client limits the access (the link itself).
    await testDb().updateTable("partner_client_links").set({ access: "limited" }).where("id", "=", linkA).execute();
    expect(clientsOf(await load()).full).toEqual([]);
    await testDb().updateTable("partner_client_links").set({ access: "full" }).where("id", "=", linkA).execute();

    // The member leaves the team that has the staff right: nothing, in the lists and in the database.
    const beforeLeaving = await load();
    await testDb().deleteFrom("team_members").where("team_id", "=", teamId).where("user_id", "=", staff.userId).execute();
    const afterLeaving = await load();
    expect(afterLeaving.delegations).toBeUndefined();
    expect(await visibleOrgs(afterLeaving)).toEqual([]);
    expect(await visibleOrgs(beforeLeaving)).toEqual([]);

    // Administrators act for every client; demoted, they no longer do.
    await testDb().updateTable("memberships").set({ role: "admin" }).where("org_id", "=", partner.orgId).where("user_id", "=", staff.userId).execute();
    expect(clientsOf(await load()).full).toEqual([a.orgId]);
    await testDb().updateTable("memberships").set({ role: "restricted" }).where("org_id", "=", partner.orgId).where("user_id", "=", staff.userId).execute();
    expect((await load()).delegations).toBeUndefined();

    // The legal representative acts for every client; the former one keeps only what its role gives.
    await testDb().updateTable("memberships").set({ role: "restricted" }).where("org_id", "=", partner.orgId).where("user_id", "=", partner.userId).execute();
    await testDb().updateTable("organizations").set({ legal_rep_user_id: staff.userId }).where("id", "=", partner.orgId).execute();
    expect(clientsOf(await load()).full).toEqual([a.orgId]);
    const formerRep = await sessionOf(partner.userId);
    expect((await formerRep()).delegations).toBeUndefined();
    expect(await visibleOrgs(await formerRep())).toEqual([]);
  });

  it("C-4: a staff right taken back answers 404 on the partner user's very next page, though the previous page kept its lists", async () => {
    const partner = await createPartner("Rights Partner AG");
    const client = await clientWithProduct("Rights Kunde");
    await link(partner.orgId, client.orgId, { access: "full" });
    const staff = await partnerStaff(partner.orgId, client.orgId, "Rights Staff");
    const browser = await signedIn(staff);
    expect((await browser.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(200);
    expect((await browser.get(`/orgs/${client.orgId}/products`)).status).toBe(200);

    await testDb().deleteFrom("partner_staff_rights").where("org_id", "=", partner.orgId).where("user_id", "=", staff.userId).execute();
    expect((await browser.get(`/orgs/${client.orgId}/products/${client.web}`)).status).toBe(404);
    expect((await browser.get(`/orgs/${client.orgId}/products`)).status).toBe(404);
  });

  it("C-3: past its end date a delegation no longer applies on the very next request, and the database refuses the client's rows even to an actor loaded before", async () => {
    const start = new Date("2031-03-01T10:00:00Z");
    setClock(() => start);
    const partner = await createPartner("Ending Partner AG");
    const ending = await clientWithProduct("Ending Kunde");
    const staying = await clientWithProduct("Staying Kunde");
    await link(partner.orgId, ending.orgId, { access: "full", endsAt: addMs(start, 2 * DAY) });
    await link(partner.orgId, staying.orgId, { access: "full", endsAt: addMs(start, 30 * DAY) });
    const staff = await partnerStaff(partner.orgId, "all", "Ending Staff");
    const load = await sessionOf(staff.userId);
    const browser = await signedIn(staff);

    const before = await load();
    expect(clientsOf(before).full).toEqual([ending.orgId, staying.orgId].sort());
    expect((await browser.get(`/orgs/${ending.orgId}/products`)).status).toBe(200);

    // A minute past the end date; the delegation job has not run (the link is still 'active').
    setClock(() => addMs(start, 2 * DAY + 60_000));
    expect(clientsOf(await load()).full).toEqual([staying.orgId]);
    expect((await browser.get(`/orgs/${ending.orgId}/products`)).status).toBe(404);
    expect((await browser.get(`/orgs/${staying.orgId}/products`)).status).toBe(200);
    // The actor of the earlier request still lists the client; the database does not let it in.
    expect(clientsOf(before).full).toContain(ending.orgId);
    expect(await visibleOrgs(before)).toEqual([staying.orgId]);
  });

  it("C-7: a link ended by the client is refused by the database to an actor loaded before, and gone from the next request's lists", async () => {
    const partner = await createPartner("Ended Partner AG");
    const client = await clientWithProduct("Ended Kunde");
    const linkId = await link(partner.orgId, client.orgId, { access: "full" });
    const staff = await partnerStaff(partner.orgId, "all", "Ended Staff");
    const load = await sessionOf(staff.userId);
    const before = await load();
    expect(await visibleOrgs(before)).toEqual([client.orgId]);

    await testDb().updateTable("partner_client_links").set({ state: "ended", ended_at: new Date(), end_reason: "client" }).where("id", "=", linkId).execute();
    expect(await visibleOrgs(before)).toEqual([]);
    expect((await load()).delegations).toBeUndefined();
  });

  it("C-3 (A-1): an API token's lists are kept between calls and a withdrawn delegation is gone on the next call; a token scoped to another organization has none", async () => {
    const partner = await createPartner("Token Partner AG");
    const client = await clientWithProduct("Token Kunde");
    const linkId = await link(partner.orgId, client.orgId, { access: "full" });
    const staff = await partnerStaff(partner.orgId, "all", "Token Staff");
    const token = await apiToken(staff);
    const ownOnly = await apiToken(staff, { orgId: (await testDb().selectFrom("memberships").select("org_id").where("user_id", "=", staff.userId).where("org_id", "!=", partner.orgId).executeTakeFirstOrThrow()).org_id });
    const partnerOnly = await apiToken(staff, { orgId: partner.orgId });

    const first = (await loadTokenActor(appDb(), token))!.actor;
    expect(clientsOf(first).full).toEqual([client.orgId]);
    expect((await loadTokenActor(appDb(), token))!.actor.delegations).toBe(first.delegations);
    expect(clientsOf((await loadTokenActor(appDb(), partnerOnly))!.actor).full).toEqual([client.orgId]);
    const scopedElsewhere = (await loadTokenActor(appDb(), ownOnly))!.actor;
    expect(scopedElsewhere.delegations).toBeUndefined();
    expect(await visibleOrgs(scopedElsewhere)).not.toContain(client.orgId);

    await testDb().updateTable("partner_client_links").set({ state: "ended", ended_at: new Date(), end_reason: "partner" }).where("id", "=", linkId).execute();
    const after = (await loadTokenActor(appDb(), token))!.actor;
    expect(after.delegations).toBeUndefined();
    expect(await visibleOrgs(first)).toEqual([]);
  });

  it("C-3: every policy and function that says for which organizations a transaction acts looks delegations up per row instead of reading a list of every client", async () => {
    const { rows } = await sql<{ policy: string; expr: string }>`
      select polrelid::regclass::text || '.' || polname as policy,
             coalesce(pg_get_expr(polqual, polrelid), '') || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), '') as expr
      from pg_policy`.execute(testDb());
    expect(rows.filter((r) => r.expr.includes("app_org_ids()")).map((r) => r.policy)).toEqual([]);
    expect(rows.filter((r) => r.expr.includes("partner_delegated_orgs")).length).toBeGreaterThan(50);
    // Functions ask about one organization at a time (e.g. portal_tender_is_mine, per row).
    const functions = await sql<{ name: string }>`
      select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.prosrc ~* '= any[(]app_org_ids[(][)][)]'`.execute(testDb());
    expect(functions.rows).toEqual([]);
  });
});
