import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { setJobSink } from "../../../app/jobs.server";
import { setClock } from "../../../app/lib/clock";
import { runJob } from "../../../workers/handlers";
import { textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createStaff, createUser } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";

// P-2, yearly: the scheduled re-check of each partner's managed value. Under the threshold the
// partner is flagged for review (never demoted), told by e-mail and listed in the back office.
afterEach(() => setJobSink(undefined));

async function partnerWorth(amount: number, since: Date) {
  const rep = await createUser({ name: "Yearly Rep", organizationName: `Yearly ${randomBytes(3).toString("hex")}` });
  await testDb().insertInto("program_memberships").values({ org_id: rep.orgId, program: "partner", since }).execute();
  const code = `test-${randomBytes(4).toString("hex")}`;
  await testDb()
    .insertInto("product_types")
    .values({ code, kind: "storage", name: code, billing_period: "year", price_chf: amount, price_eur: amount, renewal_months: [12], sort_order: 99 })
    .execute();
  await testDb().insertInto("products").values({ org_id: rep.orgId, type: "storage", product_type_code: code, name: `${code}.ch` }).execute();
  return rep;
}

const membership = (orgId: string) => testDb().selectFrom("program_memberships").select(["program", "status"]).where("org_id", "=", orgId).executeTakeFirstOrThrow();

describe("yearly eligibility re-check", () => {
  it("P-2: a year after approval the scheduled job re-computes the value: under CHF 2000 the partner is flagged for review (still a partner), mailed and listed for partner managers; above it nothing changes; a second run the same year does nothing", async () => {
    const since = new Date("2025-05-01T10:00:00Z");
    const below = await partnerWorth(150_000, since);
    const above = await partnerWorth(250_000, since);
    const young = await partnerWorth(100_000, new Date("2026-01-10T10:00:00Z"));
    setClock(() => new Date("2026-05-02T03:00:00Z"));
    const jobs: Array<{ name: string; payload: unknown; jobId: string }> = [];
    setJobSink({ add: async (name, payload, jobId) => void jobs.push({ name, payload, jobId }), addBulk: async (name, list) => void list.forEach((j) => jobs.push({ name, payload: j.payload, jobId: j.jobId })) });
    await runJob(appDb(), "partner-eligibility-sweep", {});
    const mine = jobs.filter((j) => [below.orgId, above.orgId, young.orgId].includes((j.payload as { orgId: string }).orgId));
    expect(mine.map((j) => j.jobId).sort()).toEqual([`eligibility-${above.orgId}-2026-05-02`, `eligibility-${below.orgId}-2026-05-02`, `eligibility-${young.orgId}-2026-05-02`].sort());
    const outcomes = [];
    for (const j of mine) outcomes.push([(j.payload as { orgId: string }).orgId, await runJob(appDb(), "partner-eligibility", j.payload)]);
    expect(Object.fromEntries(outcomes)).toEqual({ [below.orgId]: { outcome: "flagged" }, [above.orgId]: { outcome: "confirmed" }, [young.orgId]: { outcome: "not_due" } });

    expect(await membership(below.orgId)).toEqual({ program: "partner", status: "review" });
    expect(await membership(above.orgId)).toEqual({ program: "partner", status: "active" });
    expect(await membership(young.orgId)).toEqual({ program: "partner", status: "active" });
    const mail = await testDb().selectFrom("email_outbox").select(["to_address", "subject", "body_text"]).where("kind", "=", "partner_review").where("to_address", "in", [below.email, above.email]).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0].to_address).toBe(below.email);
    expect(mail[0].body_text).toContain("stays in place");
    const checks = await testDb().selectFrom("partner_eligibility_checks").select(["org_id", "year", "value_amount", "below"]).where("org_id", "in", [below.orgId, above.orgId]).orderBy("value_amount").execute();
    expect(checks).toEqual([
      { org_id: below.orgId, year: 2026, value_amount: 150_000, below: true },
      { org_id: above.orgId, year: 2026, value_amount: 250_000, below: false },
    ]);

    // Idempotent: the next days' runs change nothing until a year has passed.
    setClock(() => new Date("2026-09-01T03:00:00Z"));
    expect(await runJob(appDb(), "partner-eligibility", { orgId: above.orgId })).toEqual({ outcome: "not_due" });
    expect(await testDb().selectFrom("partner_eligibility_checks").select("id").where("org_id", "=", above.orgId).execute()).toHaveLength(1);
    setClock(() => new Date("2027-05-03T03:00:00Z"));
    expect(await runJob(appDb(), "partner-eligibility", { orgId: above.orgId })).toEqual({ outcome: "confirmed" });

    // Partner managers see the flagged partner with its value; a support agent cannot open the list.
    const manager = await staffSignedIn(await createStaff("partner_manager"));
    const page = textOf((await manager.get("/backoffice/partner-reviews")).html);
    const name = (await testDb().selectFrom("organizations").select("name").where("id", "=", below.orgId).executeTakeFirstOrThrow()).name;
    expect(page).toContain(name);
    expect(page).not.toContain((await testDb().selectFrom("organizations").select("name").where("id", "=", above.orgId).executeTakeFirstOrThrow()).name);
    const agent = await staffSignedIn(await createStaff("support_agent"));
    expect((await agent.get("/backoffice/partner-reviews")).status).toBe(403);
  });
});
