import { describe, expect, it } from "vitest";
import type { Client } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { createMember, createUser, grantProduct, signedIn } from "../../support/factories";
import { createPartner, link, partnerStaff } from "../../support/clients";
import { testDb } from "../../support/setup";

// The permission matrix (issue 7, C-3/C-4/C-7): every person × every state of the
// relationship × every action, through the real routes. Allowed cells succeed; every other
// cell is refused (403 or 404) and changes nothing.

type Who = "partnerWithRights" | "partnerWithout" | "clientAdmin" | "clientRestricted" | "stranger";
type Relationship = "full" | "limited" | "ended";
type Action = "readProduct" | "manageProduct" | "payInvoice" | "changeOrgData" | "export";

const WHO: Who[] = ["partnerWithRights", "partnerWithout", "clientAdmin", "clientRestricted", "stranger"];
const RELATIONSHIPS: Relationship[] = ["full", "limited", "ended"];
const ACTIONS: Action[] = ["readProduct", "manageProduct", "payInvoice", "changeOrgData", "export"];

/**
 * The expected matrix. "full" is full access including billing (the whole account, C-3);
 * "limited" gives technical management and statistics of one product; "ended" was full.
 * The client's administrator is its legal representative (O-3: the only one who changes
 * the organization's data); the restricted user may read the product.
 */
function allowed(who: Who, rel: Relationship, action: Action): boolean {
  switch (who) {
    case "clientAdmin":
      return action !== "export";
    case "clientRestricted":
      return action === "readProduct";
    case "partnerWithRights":
      if (rel === "ended") return false;
      if (rel === "full") return action !== "changeOrgData";
      return action === "readProduct" || action === "manageProduct";
    default:
      return false;
  }
}

async function world(rel: Relationship) {
  const partner = await createPartner(`Matrix Partner ${rel}`);
  const client = await createUser({ name: `Matrix Client ${rel}`, organizationName: `Matrix Client ${rel} AG` });
  const product = await createRenewableProduct(client.orgId, { code: "domain-ch", from: new Date(), expiresInDays: 40, name: `matrix-${rel}.ch`, autoRenew: "visa" });
  await createRenewableProduct(client.orgId, { code: "hosting-business", from: new Date(), expiresInDays: 40, name: `other-${rel}.ch` });
  if (rel === "full") await link(partner.orgId, client.orgId, { access: "full", billing: true });
  if (rel === "limited") await link(partner.orgId, client.orgId, { access: "limited", products: { [product]: { manage: true, stats: true } } });
  if (rel === "ended") await link(partner.orgId, client.orgId, { access: "full", billing: true, state: "ended" });
  const restricted = await createMember(client.orgId, "restricted", { name: "Restricted Client User" });
  await grantProduct(client.orgId, product, "read", { userId: restricted.userId });
  const people: Record<Who, { userId: string; email: string; password: string }> = {
    partnerWithRights: await partnerStaff(partner.orgId, "all", "Staff With Rights"),
    partnerWithout: await partnerStaff(partner.orgId, "none", "Staff Without Rights"),
    clientAdmin: client,
    clientRestricted: restricted,
    stranger: await createUser({ name: "Stranger" }),
  };
  return { partner, client, product, people };
}

type World = Awaited<ReturnType<typeof world>>;

async function state(w: World) {
  const product = await testDb().selectFrom("products").select("auto_renew").where("id", "=", w.product).executeTakeFirstOrThrow();
  const org = await testDb().selectFrom("organizations").select("name").where("id", "=", w.client.orgId).executeTakeFirstOrThrow();
  const orders = await testDb().selectFrom("orders").select("id").where("org_id", "=", w.client.orgId).execute();
  const exports = await testDb().selectFrom("client_exports").select("id").where("org_id", "=", w.partner.orgId).execute();
  return { autoRenew: product.auto_renew, name: org.name, orders: orders.length, exports: exports.length };
}

/** Performs the action through the real route; true when it succeeded, false when refused. */
async function attempt(w: World, who: Who, browser: Client, action: Action): Promise<boolean> {
  const c = w.client.orgId;
  switch (action) {
    case "readProduct": {
      const page = await browser.get(`/orgs/${c}/products/${w.product}`);
      expect([200, 403, 404]).toContain(page.status);
      return page.status === 200 && page.html.includes("matrix-");
    }
    case "manageProduct": {
      const page = await browser.post(`/orgs/${c}/billing/to-pay`, { intent: "autoOff", productId: w.product, scope: "all" });
      expect([302, 403, 404]).toContain(page.status);
      const done = page.status === 302 && !(await state(w)).autoRenew;
      if (done) await testDb().updateTable("products").set({ auto_renew: true, auto_renew_method: "visa" }).where("id", "=", w.product).execute();
      return done;
    }
    case "payInvoice": {
      const before = (await state(w)).orders;
      const page = await browser.post(`/orgs/${c}/billing/checkout`, { "ids[]": [w.product], method: "visa" });
      expect([302, 403, 404]).toContain(page.status);
      const done = page.status === 302 && !!page.location?.startsWith("/sandbox-gateway/checkout/") && (await state(w)).orders === before + 1;
      if (done) {
        await testDb().deleteFrom("payments").where("org_id", "=", c).execute();
        await testDb().deleteFrom("order_lines").where("org_id", "=", c).execute();
        await testDb().deleteFrom("orders").where("org_id", "=", c).execute();
      }
      return done;
    }
    case "changeOrgData": {
      const original = (await state(w)).name;
      const page = await browser.post(`/orgs/${c}/settings`, { name: `Renamed by ${who}`, country: "CH", currency: "CHF" });
      expect([302, 403, 404]).toContain(page.status);
      const done = page.status === 302 && (await state(w)).name === `Renamed by ${who}`;
      if (done) await testDb().updateTable("organizations").set({ name: original }).where("id", "=", c).execute();
      return done;
    }
    case "export": {
      // C-6: the partner's export page, asking for this client's billing data.
      const before = (await state(w)).exports;
      const page = await browser.post(`/orgs/${w.partner.orgId}/partner/exports`, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: c });
      expect([302, 400, 403, 404]).toContain(page.status);
      const done = page.status === 302 && (await state(w)).exports === before + 1;
      if (done) await testDb().deleteFrom("client_exports").where("org_id", "=", w.partner.orgId).execute();
      return done;
    }
  }
}

describe("the permission matrix of partners and clients", () => {
  for (const rel of RELATIONSHIPS) {
    it(`C-3/C-4/C-7: ${rel === "full" ? "full access (with billing)" : rel === "limited" ? "limited access to one product" : "an ended relationship"}: each person can do exactly the allowed actions; every refused one changes nothing`, async () => {
      const w = await world(rel);
      const results: string[] = [];
      const expected: string[] = [];
      for (const who of WHO) {
        const browser = await signedIn(w.people[who]);
        for (const action of ACTIONS) {
          const before = await state(w);
          const ok = await attempt(w, who, browser, action);
          results.push(`${who} ${action}: ${ok ? "allowed" : "refused"}`);
          expected.push(`${who} ${action}: ${allowed(who, rel, action) ? "allowed" : "refused"}`);
          if (!ok) expect(await state(w), `${who} ${action} changed something`).toEqual(before);
        }
      }
      expect(results).toEqual(expected);
    });
  }
});
