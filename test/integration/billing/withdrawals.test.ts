import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normalizeIban } from "../../../app/domain/billing/withdrawals.server";
import { setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createStaff, signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { givePrepaid, prepaidBalance } from "../../support/payments";
import { testDb } from "../../support/setup";

// B-10: withdrawing the prepaid balance, through the real routes, against the real database.
const NOW = new Date("2027-03-01T09:00:00Z");
const VALID_IBAN = "CH93 0076 2011 6238 5295 7";
const BAD_IBAN = "CH94 0076 2011 6238 5295 7";

beforeEach(() => setClock(() => NOW));
afterEach(() => setClock(undefined));

async function orgWithBalance(name: string, balance: number) {
  const org = await orgWithStaff(name);
  await givePrepaid(org.orgId, balance);
  return org;
}

function withdrawalsOf(orgId: string) {
  return testDb().selectFrom("prepaid_withdrawals").selectAll().where("org_id", "=", orgId).orderBy("requested_at").orderBy("id").execute();
}

function entriesOf(orgId: string) {
  return testDb().selectFrom("prepaid_entries").select(["kind", "amount", "withdrawal_id"]).where("org_id", "=", orgId).orderBy("created_at").orderBy("kind").execute();
}

const form = (amount: string, destinationKind: string, destination: string) => ({ amount, destinationKind, destination, confirm: "yes" });

describe("asking to withdraw the prepaid balance", () => {
  it("B-10: IBANs are checked with the ISO 13616 mod-97 check digits", () => {
    expect(normalizeIban(VALID_IBAN)).toBe("CH9300762011623852957");
    expect(normalizeIban("de89 3704 0044 0532 0130 00")).toBe("DE89370400440532013000");
    expect(normalizeIban(BAD_IBAN)).toBeNull();
    expect(normalizeIban("CH93")).toBeNull();
  });

  it("B-10: the legal representative withdraws part of the balance to an IBAN; the amount is reserved at once with its ledger entry, audited", async () => {
    const org = await orgWithBalance("Auszahl", 10_000);
    const client = await signedIn(org.rep);
    const page = await client.get(`/orgs/${org.orgId}/billing/withdraw`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Available balance: CHF 100.00");
    expect(page.html).toContain(`href="/orgs/${org.orgId}/billing/withdraw"`);

    const res = await client.post(`/orgs/${org.orgId}/billing/withdraw`, form("40.50", "iban", VALID_IBAN));
    expect(res.status).toBe(302);
    expect(await prepaidBalance(org.orgId)).toBe(5950);
    const [w] = await withdrawalsOf(org.orgId);
    expect(w).toMatchObject({ amount: 4050, currency: "CHF", destination_kind: "iban", destination: "CH9300762011623852957", status: "requested", requested_by: org.rep.userId });
    expect(await entriesOf(org.orgId)).toContainEqual({ kind: "withdrawal", amount: -4050, withdrawal_id: w.id });
    const [entry] = await auditEntries(org.orgId, "prepaid.withdrawal_requested");
    expect(entry).toMatchObject({ actor_user_id: org.rep.userId, target_id: w.id });

    const after = textOf((await client.follow(res)).html);
    expect(after).toContain("Your withdrawal request was recorded");
    expect(after).toContain("Available balance: CHF 59.50");
    expect(after).toContain("CH9300762011623852957");
    // The prepaid page's ledger names the movement.
    expect(textOf((await client.get(`/orgs/${org.orgId}/billing/prepaid`)).html)).toContain("Withdrawal");
  });

  it("B-10: a PayPal address is accepted; a wrong IBAN, a bad e-mail, no confirmation or more than the balance change nothing", async () => {
    const org = await orgWithBalance("Paypal", 2_000);
    const client = await signedIn(org.rep);
    const url = `/orgs/${org.orgId}/billing/withdraw`;

    const badIban = await client.post(url, form("5.00", "iban", BAD_IBAN));
    expect(badIban.status).toBe(400);
    expect(textOf(badIban.html)).toContain("This IBAN is not valid");
    const badMail = await client.post(url, form("5.00", "paypal", "not-an-address"));
    expect(badMail.status).toBe(400);
    expect(textOf(badMail.html)).toContain("e-mail address of the PayPal account");
    const noConfirm = await client.post(url, { amount: "5.00", destinationKind: "paypal", destination: "pay@example.ch" });
    expect(noConfirm.status).toBe(400);
    const zero = await client.post(url, form("0", "paypal", "pay@example.ch"));
    expect(zero.status).toBe(400);
    const tooMuch = await client.post(url, form("20.01", "paypal", "pay@example.ch"));
    expect(tooMuch.status).toBe(409);
    expect(textOf(tooMuch.html)).toContain("The available balance does not cover this amount.");
    expect(await withdrawalsOf(org.orgId)).toEqual([]);
    expect(await prepaidBalance(org.orgId)).toBe(2_000);

    const all = await client.post(url, form("20.00", "paypal", "Pay@Example.ch"));
    expect(all.status).toBe(302);
    expect(await withdrawalsOf(org.orgId)).toMatchObject([{ amount: 2_000, destination_kind: "paypal", destination: "pay@example.ch" }]);
    expect(await prepaidBalance(org.orgId)).toBe(0);
  });

  it("B-10: two withdrawals racing for the same balance cannot overdraw it: one is refused", async () => {
    const org = await orgWithBalance("Rennen", 1_000);
    const [first, second] = [await signedIn(org.rep), await signedIn(org.rep)];
    const url = `/orgs/${org.orgId}/billing/withdraw`;
    const results = await Promise.all([first.post(url, form("7.00", "iban", VALID_IBAN)), second.post(url, form("7.00", "paypal", "race@example.ch"))]);
    expect(results.map((r) => r.status).sort()).toEqual([302, 409]);
    expect(await prepaidBalance(org.orgId)).toBe(300);
    expect(await withdrawalsOf(org.orgId)).toHaveLength(1);
    const entries = await entriesOf(org.orgId);
    expect(entries.filter((e) => e.kind === "withdrawal")).toHaveLength(1);
    expect(entries.reduce((s, e) => s + e.amount, 0)).toBe(300);
    expect(await auditEntries(org.orgId, "prepaid.withdrawal_requested")).toHaveLength(1);
  });

  it("B-10: an administrator who is not the representative, and a restricted user, get 403; nothing changes", async () => {
    const org = await orgWithBalance("Nurrep", 1_000);
    const url = `/orgs/${org.orgId}/billing/withdraw`;
    for (const who of [org.admin, org.restricted]) {
      const client = await signedIn(who);
      expect((await client.get(url)).status).toBe(403);
      expect((await client.post(url, form("1.00", "iban", VALID_IBAN))).status).toBe(403);
      expect((await client.get(`/orgs/${org.orgId}`)).html).not.toContain(`href="${url}"`);
    }
    expect(await withdrawalsOf(org.orgId)).toEqual([]);
    expect(await prepaidBalance(org.orgId)).toBe(1_000);
  });

  it("B-10: the representative of another organization gets 404 for this one's withdrawal page", async () => {
    const org = await orgWithBalance("Fremd", 1_000);
    const other = await orgWithStaff("Andere");
    const client = await signedIn(other.rep);
    expect((await client.get(`/orgs/${org.orgId}/billing/withdraw`)).status).toBe(404);
    expect((await client.post(`/orgs/${org.orgId}/billing/withdraw`, form("1.00", "iban", VALID_IBAN))).status).toBe(404);
    expect(await prepaidBalance(org.orgId)).toBe(1_000);
  });
});

describe("completing withdrawals in the back office", () => {
  async function requested(name: string, amount: string) {
    const org = await orgWithBalance(name, 5_000);
    const client = await signedIn(org.rep);
    expect((await client.post(`/orgs/${org.orgId}/billing/withdraw`, form(amount, "iban", VALID_IBAN))).status).toBe(302);
    const [w] = await withdrawalsOf(org.orgId);
    return { ...org, withdrawalId: w.id };
  }

  it("B-10: a billing agent completes a withdrawal after a confirmation step; the balance stays reduced; audited", async () => {
    const org = await requested("Fertig", "12.00");
    const agent = await createStaff("billing_agent");
    const client = await staffSignedIn(agent);
    const list = await client.get("/backoffice/withdrawals");
    expect(list.status).toBe(200);
    expect(list.html).toContain('href="/backoffice/withdrawals"');
    expect(textOf(list.html)).toContain("Fertig AG");
    expect(textOf(list.html)).toContain("CHF 12.00");
    const confirm = await client.get(`/backoffice/withdrawals?decide=${org.withdrawalId}&decision=complete`);
    expect(textOf(confirm.html)).toContain("Complete the withdrawal of CHF 12.00 to CH9300762011623852957 for Fertig AG?");

    const unconfirmed = await client.post("/backoffice/withdrawals", { withdrawalId: org.withdrawalId, decision: "complete" });
    expect(unconfirmed.status).toBe(400);
    expect((await withdrawalsOf(org.orgId))[0].status).toBe("requested");

    const done = await client.post("/backoffice/withdrawals", { withdrawalId: org.withdrawalId, decision: "complete", confirm: "yes" });
    expect(done.status).toBe(302);
    expect((await withdrawalsOf(org.orgId))[0]).toMatchObject({ status: "completed", decided_by: agent.staffId });
    expect(await prepaidBalance(org.orgId)).toBe(3_800);
    expect(await auditEntries(org.orgId, "prepaid.withdrawal_completed")).toMatchObject([{ actor_staff_id: agent.staffId, target_id: org.withdrawalId }]);
    expect(textOf((await client.follow(done)).html)).toContain("The withdrawal was marked completed.");

    // Decided once: a second decision is refused and gives nothing back.
    const again = await client.post("/backoffice/withdrawals", { withdrawalId: org.withdrawalId, decision: "reject", confirm: "yes" });
    expect(again.status).toBe(409);
    expect(await prepaidBalance(org.orgId)).toBe(3_800);
  });

  it("B-10: a staff administrator rejects a withdrawal: the amount goes back to the balance with a ledger entry; audited", async () => {
    const org = await requested("Zurueck", "30.00");
    expect(await prepaidBalance(org.orgId)).toBe(2_000);
    const admin = await createStaff("administrator");
    const client = await staffSignedIn(admin);
    const res = await client.post("/backoffice/withdrawals", { withdrawalId: org.withdrawalId, decision: "reject", confirm: "yes" });
    expect(res.status).toBe(302);
    expect((await withdrawalsOf(org.orgId))[0].status).toBe("rejected");
    expect(await prepaidBalance(org.orgId)).toBe(5_000);
    expect(await entriesOf(org.orgId)).toContainEqual({ kind: "withdrawal_returned", amount: 3_000, withdrawal_id: org.withdrawalId });
    expect(await auditEntries(org.orgId, "prepaid.withdrawal_rejected")).toMatchObject([{ actor_staff_id: admin.staffId }]);
    const rep = await signedIn(org.rep);
    expect(textOf((await rep.get(`/orgs/${org.orgId}/billing/withdraw`)).html)).toContain("Rejected (amount given back)");
  });

  it("B-10: a support agent neither sees nor decides withdrawals (403); an unknown id is 404", async () => {
    const org = await requested("Support", "5.00");
    const support = await staffSignedIn(await createStaff("support_agent"));
    expect((await support.get("/backoffice/withdrawals")).status).toBe(403);
    expect((await support.post("/backoffice/withdrawals", { withdrawalId: org.withdrawalId, decision: "reject", confirm: "yes" })).status).toBe(403);
    expect((await support.get("/backoffice")).html).not.toContain('href="/backoffice/withdrawals"');
    expect((await withdrawalsOf(org.orgId))[0].status).toBe("requested");
    expect(await prepaidBalance(org.orgId)).toBe(4_500);

    const agent = await staffSignedIn(await createStaff("billing_agent"));
    const unknown = await agent.post("/backoffice/withdrawals", { withdrawalId: "00000000-0000-4000-8000-000000000000", decision: "complete", confirm: "yes" });
    expect(unknown.status).toBe(404);
    // A customer session does not open the back office.
    const rep = await signedIn(org.rep);
    expect((await rep.get("/backoffice/withdrawals")).status).toBe(302);
  });
});
