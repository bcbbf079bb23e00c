import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatMoney } from "../../../app/domain/billing/money";
import { setSandboxWebhookTransport, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { deliver, onHostedPage } from "../../support/checkout-flow";
import { signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { invoicesOf, orderOf, useEuro } from "../../support/payments";
import { testDb } from "../../support/setup";

// B-1/B-7: ordering a new product from the catalog through the real routes; the pending
// order is paid from the orders list through the sandbox's hosted page and signed webhook.
const NOW = new Date("2027-03-01T09:00:00Z");

beforeEach(() => setClock(() => NOW));
afterEach(() => {
  setClock(undefined);
  setSandboxWebhookTransport(undefined);
});

function productsOf(orgId: string) {
  return testDb().selectFrom("products").selectAll().where("org_id", "=", orgId).orderBy("name").execute();
}

function linesOf(orderId: string) {
  return testDb().selectFrom("order_lines").selectAll().where("order_id", "=", orderId).orderBy("position").execute();
}

describe("ordering a new product", () => {
  it("B-7/B-1/B-2: an administrator orders a .ch domain for 2 years: a pending order; once paid by card the product belongs to the organization, expires 2 years later and renews automatically", async () => {
    const org = await orgWithStaff("Bestell");
    const client = await signedIn(org.admin);
    const catalog = await client.get(`/orgs/${org.orgId}/billing/order-new`);
    expect(catalog.status).toBe(200);
    const text = textOf(catalog.html);
    expect(text).toContain(".ch domain name");
    expect(text).toContain("CHF 15.90 per year");
    expect(text).toContain("2 year(s): CHF 31.80");
    expect(text).toContain("Web hosting Starter");
    expect(catalog.html).toContain(`href="/orgs/${org.orgId}/billing/order-new"`);

    const ordered = await client.post(`/orgs/${org.orgId}/billing/order-new`, { typeCode: "domain-ch", name: "Bestell-Shop.CH", months: "24" });
    expect(ordered.status).toBe(302);
    expect(ordered.location).toContain(`/orgs/${org.orgId}/billing/orders`);
    // 2 × 15.90 = 31.80 net; 8.1 % VAT 2.58; total 34.38.
    const [order] = await orderOf(org.orgId);
    expect(order).toMatchObject({ kind: "new", status: "pending", currency: "CHF", net_amount: 3180, vat_amount: 258, total_amount: 3438, created_by: org.admin.userId });
    expect(await linesOf(order.id)).toMatchObject([
      { product_id: null, product_type_code: "domain-ch", months: 24, unit_amount: 1590, quantity: 2, net_amount: 3180, new_product_name: "bestell-shop.ch" },
    ]);
    expect(await productsOf(org.orgId)).toEqual([]);
    expect(await auditEntries(org.orgId, "order.created")).toHaveLength(1);

    // The orders list shows it pending, with "pay".
    const orders = await client.follow(ordered);
    expect(textOf(orders.html)).toContain(".ch domain name: bestell-shop.ch");
    expect(orders.html).toContain(`value="${order.id}"`);

    const started = await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "pay", orderId: order.id, method: "visa" });
    const { webhooks } = await onHostedPage(client, started, { cardNumber: TEST_CARDS.success });
    expect(await productsOf(org.orgId)).toEqual([]);
    await deliver(webhooks);

    expect((await orderOf(org.orgId))[0].status).toBe("paid");
    const [product] = await productsOf(org.orgId);
    expect(product).toMatchObject({ type: "domain", name: "bestell-shop.ch", product_type_code: "domain-ch", renewal_months: 24, expires_at: new Date("2029-03-01T09:00:00Z") });
    // B-2: a new order paid by card switches auto-renewal on for the product it created.
    expect(product).toMatchObject({ auto_renew: true, auto_renew_method: "visa" });
    expect((await linesOf(order.id))[0].product_id).toBe(product.id);
    expect(await auditEntries(org.orgId, "product.created_by_order")).toMatchObject([{ target_id: product.id }]);
    const [invoice] = await invoicesOf(org.orgId);
    expect(invoice).toMatchObject({ order_id: order.id, total_amount: 3438 });
    const invoiceLines = await testDb().selectFrom("invoice_lines").selectAll().where("invoice_id", "=", invoice.id).execute();
    expect(invoiceLines).toMatchObject([{ period_from: NOW, period_to: new Date("2029-03-01T09:00:00Z"), net_amount: 3180 }]);

    // B-1: the product now appears in the organization's products list.
    const products = await client.get(`/orgs/${org.orgId}/products`);
    expect(textOf(products.html)).toContain("bestell-shop.ch");
  });

  it("B-7: the legal representative orders a monthly hosting plan for 3 months, named by its plan when no label is given", async () => {
    const org = await orgWithStaff("Plan");
    const client = await signedIn(org.rep);
    const ordered = await client.post(`/orgs/${org.orgId}/billing/order-new`, { typeCode: "hosting-starter", name: "", months: "3" });
    expect(ordered.status).toBe(302);
    const [order] = await orderOf(org.orgId);
    expect(order).toMatchObject({ kind: "new", status: "pending", net_amount: 2970 });
    expect(await linesOf(order.id)).toMatchObject([{ product_type_code: "hosting-starter", months: 3, quantity: 3, new_product_name: "Web hosting Starter" }]);
  });

  it("B-7: prices are shown and ordered in the organization's currency (EUR)", async () => {
    const org = await orgWithStaff("Euro");
    await useEuro(org.orgId);
    const client = await signedIn(org.rep);
    const text = textOf((await client.get(`/orgs/${org.orgId}/billing/order-new`)).html);
    expect(text).toContain(`${formatMoney(1490, "EUR", "en-CH")} per year`);
    expect((await client.post(`/orgs/${org.orgId}/billing/order-new`, { typeCode: "domain-com", name: "euro-shop.com", months: "12" })).status).toBe(302);
    const [order] = await orderOf(org.orgId);
    // A German business without a VAT id: no Swiss VAT.
    expect(order).toMatchObject({ currency: "EUR", net_amount: 1790, kind: "new" });
  });

  it("B-7/B-13: a domain of another extension, a period the type does not offer or an unknown type create nothing", async () => {
    const org = await orgWithStaff("Falsch");
    const client = await signedIn(org.admin);
    const url = `/orgs/${org.orgId}/billing/order-new`;
    const wrongExtension = await client.post(url, { typeCode: "domain-ch", name: "falsch.com", months: "12" });
    expect(wrongExtension.status).toBe(400);
    expect(textOf(wrongExtension.html)).toContain("Enter a domain name with this extension");
    expect((await client.post(url, { typeCode: "domain-ch", name: "-bad-.ch", months: "12" })).status).toBe(400);
    const period = await client.post(url, { typeCode: "domain-com", name: "falsch.com", months: "24" });
    expect(period.status).toBe(400);
    expect(textOf(period.html)).toContain("This period is not offered for this product.");
    expect((await client.post(url, { typeCode: "no-such-type", name: "x", months: "12" })).status).toBe(400);
    expect(await orderOf(org.orgId)).toEqual([]);
  });

  it("B-7: a restricted user may not order (403) and another organization's member gets 404; nothing is ordered", async () => {
    const org = await orgWithStaff("Verbot");
    const restricted = await signedIn(org.restricted);
    const url = `/orgs/${org.orgId}/billing/order-new`;
    expect((await restricted.get(url)).status).toBe(403);
    expect((await restricted.post(url, { typeCode: "domain-ch", name: "verbot.ch", months: "12" })).status).toBe(403);
    const other = await orgWithStaff("Draussen");
    const outsider = await signedIn(other.rep);
    expect((await outsider.get(url)).status).toBe(404);
    expect((await outsider.post(url, { typeCode: "domain-ch", name: "draussen.ch", months: "12" })).status).toBe(404);
    expect(await orderOf(org.orgId)).toEqual([]);
    expect(await orderOf(other.orgId)).toEqual([]);
  });
});
