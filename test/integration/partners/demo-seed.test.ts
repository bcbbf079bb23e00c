import { describe, expect, it } from "vitest";
import { seedDemoData as seedDemo } from "../../../app/domain/demo/seed.server";
import { testDb } from "../../support/setup";

describe("the demo seed's partner program", () => {
  it("P-8/K-2: the demo has an approved partner with two active clients that have products, a pending application and an affiliate", async () => {
    expect(await seedDemo(testDb())).toBe(true);
    const db = testDb();
    const partner = await db
      .selectFrom("program_memberships as m")
      .innerJoin("partner_applications as a", "a.org_id", "m.org_id")
      .select(["m.org_id", "m.status", "a.status as application"])
      .where("m.program", "=", "partner")
      .executeTakeFirstOrThrow();
    expect(partner).toMatchObject({ status: "active", application: "approved" });
    const clients = await db
      .selectFrom("partner_client_links as l")
      .select(["l.client_org_id", (eb) => eb.selectFrom("products as p").select((p) => p.fn.countAll<string>().as("n")).whereRef("p.org_id", "=", "l.client_org_id").as("products")])
      .where("l.org_id", "=", partner.org_id)
      .where("l.state", "=", "active")
      .execute();
    expect(clients).toHaveLength(2);
    for (const client of clients) expect(Number(client.products)).toBeGreaterThan(0);
    const pending = await db.selectFrom("partner_applications").select("org_id").where("status", "=", "submitted").execute();
    expect(pending).toHaveLength(1);
    expect(pending[0].org_id).not.toBe(partner.org_id);
    const affiliate = await db.selectFrom("program_memberships as m").innerJoin("organizations as o", "o.id", "m.org_id").select(["m.referral_code", "o.registry_id"]).where("m.program", "=", "affiliate").executeTakeFirstOrThrow();
    expect(affiliate.referral_code).toMatch(/^[a-z0-9]{10}$/);
    expect(affiliate.registry_id).toBeNull();
  });
});

describe("the demo seed's partner revenue", () => {
  it("P-10: the demo partner has twelve months of revenue: invoices it paid for a client (with discounts), client-paid invoices with cashback lines, statements and the credit on its prepaid account", async () => {
    const db = testDb();
    if (!(await db.selectFrom("users").select("id").where("email", "=", "thomas.graf@helvetia-partner.ch").executeTakeFirst())) await seedDemo(db);
    const partner = await db.selectFrom("organizations").select("id").where("name", "=", "Helvetia Webpartner AG").executeTakeFirstOrThrow();
    const paid = await db.selectFrom("invoices").select(["id", "client_org_id", "issued_at"]).where("org_id", "=", partner.id).where("client_org_id", "is not", null).execute();
    expect(paid).toHaveLength(12);
    const months = new Set(paid.map((i) => i.issued_at.toISOString().slice(0, 7)));
    expect(months.size).toBe(12);
    const discounts = await db.selectFrom("invoice_lines").select("discount_amount").where("invoice_id", "in", paid.map((i) => i.id)).execute();
    expect(discounts.every((d) => d.discount_amount > 0)).toBe(true);
    const cashback = await db.selectFrom("partner_cashback_lines").select(["amount"]).where("org_id", "=", partner.id).execute();
    expect(cashback.length).toBeGreaterThanOrEqual(11);
    const statements = await db.selectFrom("partner_cashback_statements").select("amount").where("org_id", "=", partner.id).execute();
    expect(statements).toHaveLength(cashback.length);
    const account = await db.selectFrom("prepaid_accounts").select("balance").where("org_id", "=", partner.id).executeTakeFirstOrThrow();
    expect(account.balance).toBe(cashback.reduce((s, c) => s + c.amount, 0));
  });
});
