import { describe, expect, it } from "vitest";
import { sandboxCardToken, sandboxGateway, sandboxTwintToken, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { seedDemoData as seedDemo } from "../../../app/domain/demo/seed.server";
import { captureWebhooks } from "../../support/payments";
import { testDb } from "../../support/setup";

describe("the demo seed", () => {
  it("B-2: every demo product with auto-renewal on has a saved payment method of its organization that the sandbox charges successfully", async () => {
    expect(await seedDemo(testDb())).toBe(true);
    const rows = await testDb()
      .selectFrom("products as p")
      .leftJoin("saved_payment_methods as s", "s.id", "p.auto_renew_payment_method_id")
      .select(["p.name", "p.org_id", "p.auto_renew_method", "s.org_id as saved_org_id", "s.method", "s.gateway_token"])
      .where("p.auto_renew", "=", true)
      .orderBy("p.name")
      .execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r) => r.org_id)).size).toBe(2);
    const sent = captureWebhooks();
    for (const row of rows) {
      expect(row.saved_org_id).toBe(row.org_id);
      expect(row.method).toBe(row.auto_renew_method);
      expect(row.gateway_token).toBe(row.method === "twint" ? sandboxTwintToken(row.org_id) : sandboxCardToken(row.org_id, TEST_CARDS.success));
      await sandboxGateway.chargeSavedMethod({
        amount: 100,
        currency: "CHF",
        method: row.method as "visa" | "mastercard" | "cb" | "twint",
        token: row.gateway_token!,
        idempotencyKey: `demo-seed-${row.name}`,
        description: row.name,
        metadata: { orgId: row.org_id, paymentId: "00000000-0000-4000-8000-000000000000" },
      });
    }
    expect(sent.map((s) => JSON.parse(s.body).type)).toEqual(rows.map(() => "payment.succeeded"));
  });
});
