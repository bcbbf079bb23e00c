import { beforeEach, describe, expect, it } from "vitest";
import { setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { grantProduct, signedIn } from "../../support/factories";
import { orgWithStaff } from "../../support/members";

// The "to pay" page offers to pay now what is too close to expiry for auto-renewal, and the
// orders page confirms a new order, through the real routes with the clock frozen at NOW.
const NOW = new Date("2027-01-10T09:00:00Z");

beforeEach(() => {
  setClock(() => NOW);
});

function payNowHrefs(html: string): string[] {
  return [...html.matchAll(/<a[^>]*href="([^"]+)"[^>]*data-testid="pay-now"|<a[^>]*data-testid="pay-now"[^>]*href="([^"]+)"/g)].map((m) => (m[1] ?? m[2]).replace(/&amp;/g, "&"));
}

describe("paying now what auto-renewal cannot reach", () => {
  it("B-4/B-6: a line too close to expiry for auto-renewal says so and offers to pay it now, leading to the checkout of that one product", async () => {
    const org = await orgWithStaff("Jetzt");
    const late = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 5, name: "knapp.ch" });
    await createRenewableProduct(org.orgId, { code: "domain-com", from: NOW, expiresInDays: 40, name: "frueh.com" });
    const client = await signedIn(org.admin);

    const page = await client.get(`/orgs/${org.orgId}/billing/to-pay`);
    expect(page.status).toBe(200);
    const row = textOf(page.html.slice(page.html.indexOf('data-testid="line-knapp.ch"'), page.html.indexOf('data-testid="line-frueh.com"') > page.html.indexOf('data-testid="line-knapp.ch"') ? page.html.indexOf('data-testid="line-frueh.com"') : undefined));
    expect(row).toContain("Fewer than 14 days remain before expiry");
    expect(row).toContain("Pay knapp.ch now");
    const hrefs = payNowHrefs(page.html);
    expect(hrefs).toEqual([`/orgs/${org.orgId}/billing/checkout?ids[]=${late}`]);

    const checkout = await client.get(hrefs[0]);
    expect(checkout.status).toBe(200);
    expect(textOf(checkout.html)).toContain("knapp.ch");
    expect(textOf(checkout.html)).not.toContain("frueh.com");
  });

  it("B-4: a restricted user managing that product sees it is too late but is not offered to pay (paying is for the representative and administrators)", async () => {
    const org = await orgWithStaff("Nur");
    const late = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 5, name: "eng.ch" });
    await grantProduct(org.orgId, late, "manage", { userId: org.restricted.userId });
    const client = await signedIn(org.restricted);

    const page = await client.get(`/orgs/${org.orgId}/billing/to-pay`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Fewer than 14 days remain before expiry");
    expect(page.html).not.toContain('data-testid="pay-now"');
    expect(textOf(page.html)).not.toContain("Pay eng.ch now");
  });

  it("B-7: after ordering a new product the orders page says the order was created and is to be paid there", async () => {
    const org = await orgWithStaff("Neu");
    const client = await signedIn(org.rep);
    const ordered = await client.post(`/orgs/${org.orgId}/billing/order-new`, { typeCode: "domain-ch", name: "neu-bestellt.ch", months: "12" });
    expect(ordered.status).toBe(302);
    const orders = await client.follow(ordered);
    expect(orders.status).toBe(200);
    expect(textOf(orders.html)).toContain("Order created; pay it below.");
    expect(textOf((await client.get(`/orgs/${org.orgId}/billing/orders`)).html)).not.toContain("Order created; pay it below.");
  });
});
