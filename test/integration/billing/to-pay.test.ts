import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { firstChargeAttemptAt } from "../../../app/domain/billing/renewals.server";
import { DAY, setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { auditActions, createRenewableProduct, renewalState } from "../../support/billing";
import { grantProduct, signedIn } from "../../support/factories";
import { orgWithStaff } from "../../support/members";
import { appDb, testDb } from "../../support/setup";
import { transaction } from "../../../app/domain/tx.server";

// The "to pay" list through the real route, with the clock frozen at NOW.
const NOW = new Date("2027-01-10T09:00:00Z");
const path = (orgId: string, query = "") => `/orgs/${orgId}/billing/to-pay${query}`;
const lines = (html: string) => html.split('data-testid="line-').length - 1;

beforeEach(() => {
  setClock(() => NOW);
});

describe("the to pay list", () => {
  it("B-1: a product belongs to one organization, with its price, expiry and auto-renewal flag; another organization's product id gives 404", async () => {
    const a = await orgWithStaff("Eins");
    const b = await orgWithStaff("Zwei");
    await createRenewableProduct(a.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "eins.ch", months: 12 });
    const foreign = await createRenewableProduct(b.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "zwei.ch", autoRenew: "visa" });

    const client = await signedIn(a.rep);
    const page = await client.get(path(a.orgId));
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain("eins.ch");
    expect(text).toContain("CHF 15.90");
    expect(text).toContain("Off");
    expect(text).not.toContain("zwei.ch");
    expect(lines(page.html)).toBe(1);

    expect((await client.get(path(b.orgId))).status).toBe(404);
    const before = await renewalState(foreign);
    for (const form of <Array<Record<string, string | string[]>>>[
      { intent: "autoOff", productId: foreign },
      { intent: "autoOn", productId: foreign, method: "cb" },
      { intent: "period", productId: foreign, months: "24" },
      { intent: "bulk", mode: "off", "ids[]": [foreign], confirm: "yes" },
    ]) {
      expect((await client.post(path(a.orgId), form)).status).toBe(404);
    }
    expect(await renewalState(foreign)).toEqual(before);
    expect(await auditActions(foreign)).toEqual([]);
  });

  it("B-3: the default view shows only what is due in the next 2 months (overdue included); the filter shows all", async () => {
    const org = await orgWithStaff("Filter");
    await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: "bald.ch" });
    await createRenewableProduct(org.orgId, { code: "domain-com", from: NOW, expiresInDays: -3, name: "ueberfaellig.com" });
    await createRenewableProduct(org.orgId, { code: "storage-drive", from: NOW, expiresInDays: 90, name: "spaeter-drive" });
    await createRenewableProduct(org.orgId, { code: "chat-team", from: NOW, expiresInDays: null, name: "ohne-ablauf-chat" });

    const client = await signedIn(org.admin);
    const soon = await client.get(path(org.orgId));
    expect(soon.status).toBe(200);
    expect(lines(soon.html)).toBe(2);
    const soonText = textOf(soon.html);
    expect(soonText).toContain("bald.ch");
    expect(soonText).toContain("ueberfaellig.com");
    expect(soonText).not.toContain("spaeter-drive");
    expect(soonText).not.toContain("ohne-ablauf-chat");
    // Sorted by expiry: the overdue one first.
    expect(soonText.indexOf("ueberfaellig.com")).toBeLessThan(soonText.indexOf("bald.ch"));

    const all = await client.get(path(org.orgId, "?scope=all"));
    expect(lines(all.html)).toBe(4);
    expect(textOf(all.html)).toContain("spaeter-drive");
    expect(textOf(all.html)).toContain("ohne-ablauf-chat");

    // 40 days later the drive is due too (a new sign-in: sessions do not last that long).
    setClock(() => new Date(NOW.getTime() + 40 * DAY));
    expect(textOf((await (await signedIn(org.admin)).get(path(org.orgId))).html)).toContain("spaeter-drive");

    const quiet = await orgWithStaff("Ruhig");
    await createRenewableProduct(quiet.orgId, { code: "domain-ch", from: NOW, expiresInDays: 300 });
    const empty = await (await signedIn(quiet.rep)).get(path(quiet.orgId));
    expect(textOf(empty.html)).toContain("Nothing is due in the next 2 months.");
  });

  it("B-3: auto-renewal is switched on per product from the list, choosing the payment method", async () => {
    const org = await orgWithStaff("Auto");
    const product = await createRenewableProduct(org.orgId, { code: "hosting-business", from: NOW, expiresInDays: 45, name: "auto-hosting" });
    const client = await signedIn(org.rep);

    const refused = await client.post(path(org.orgId), { intent: "autoOn", productId: product, method: "paypal" });
    expect(refused.status).toBe(400);
    expect(await renewalState(product)).toMatchObject({ auto_renew: false, auto_renew_method: null });

    const done = await client.post(path(org.orgId), { intent: "autoOn", productId: product, method: "twint", scope: "2months" });
    expect(done.status).toBe(302);
    expect(await renewalState(product)).toMatchObject({ auto_renew: true, auto_renew_method: "twint" });
    expect(await auditActions(product)).toEqual(["product.auto_renew_on"]);
    const text = textOf((await client.follow(done)).html);
    expect(text).toContain("Auto-renewal is on.");
    expect(text).toContain("On, charged to TWINT");
    expect(text).toContain("First charge attempt on");
  });

  it("B-4: with fewer than 14 days before expiry auto-renewal cannot be switched on: the page says why and a post is refused", async () => {
    const org = await orgWithStaff("Spaet");
    const late = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 13, name: "spaet.ch" });
    const justInTime = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 14, name: "knapp.ch" });
    const client = await signedIn(org.rep);

    const page = await client.get(path(org.orgId));
    const lateLine = page.html.slice(page.html.indexOf('data-testid="line-spaet.ch"'), page.html.indexOf('data-testid="line-knapp.ch"'));
    expect(textOf(lateLine)).toContain("Fewer than 14 days remain before expiry");
    expect(lateLine).not.toContain('value="autoOn"');
    const onTimeLine = page.html.slice(page.html.indexOf('data-testid="line-knapp.ch"'));
    expect(onTimeLine).toContain('value="autoOn"');

    const refused = await client.post(path(org.orgId), { intent: "autoOn", productId: late, method: "visa" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("Auto-renewal cannot be switched on for spaet.ch: fewer than 14 days remain before expiry");
    expect(await renewalState(late)).toMatchObject({ auto_renew: false, auto_renew_method: null });
    expect(await auditActions(late)).toEqual([]);

    // Exactly 14 days before expiry is the first charge attempt itself: still in time.
    const expiry = (await renewalState(justInTime)).expires_at!;
    expect(firstChargeAttemptAt(expiry).getTime()).toBe(expiry.getTime() - 14 * DAY);
    expect(firstChargeAttemptAt(expiry).getTime()).toBe(NOW.getTime());
    // One second later it is too late.
    setClock(() => new Date(NOW.getTime() + 1000));
    expect((await client.post(path(org.orgId), { intent: "autoOn", productId: justInTime, method: "visa" })).status).toBe(409);
    setClock(() => NOW);
    expect((await client.post(path(org.orgId), { intent: "autoOn", productId: justInTime, method: "visa" })).status).toBe(302);
    expect(await renewalState(justInTime)).toMatchObject({ auto_renew: true, auto_renew_method: "visa" });
  });

  it("B-5: auto-renewal is switched off for one product, whatever the time left", async () => {
    const org = await orgWithStaff("Aus");
    const product = await createRenewableProduct(org.orgId, { code: "mail-standard", from: NOW, expiresInDays: 5, name: "aus-mail", autoRenew: "mastercard" });
    const client = await signedIn(org.admin);
    const done = await client.post(path(org.orgId), { intent: "autoOff", productId: product });
    expect(done.status).toBe(302);
    expect(await renewalState(product)).toMatchObject({ auto_renew: false, auto_renew_method: null });
    expect(await auditActions(product)).toEqual(["product.auto_renew_off"]);
    expect(textOf((await client.follow(done)).html)).toContain("Auto-renewal is off.");
  });

  it("B-5: manage renewals switches auto-renewal off for a selection at once, after a confirmation step", async () => {
    const org = await orgWithStaff("Auswahl");
    const one = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: "eins-aus.ch", autoRenew: "visa" });
    const two = await createRenewableProduct(org.orgId, { code: "domain-com", from: NOW, expiresInDays: 30, name: "zwei-aus.com", autoRenew: "cb" });
    const kept = await createRenewableProduct(org.orgId, { code: "storage-drive", from: NOW, expiresInDays: 40, name: "bleibt-drive", autoRenew: "visa" });
    const client = await signedIn(org.rep);

    const nothing = await client.post(path(org.orgId), { intent: "bulk", mode: "off" });
    expect(nothing.status).toBe(400);
    expect(textOf(nothing.html)).toContain("Select at least one product.");

    const step = await client.post(path(org.orgId), { intent: "bulk", mode: "off", "ids[]": [one, two], method: "visa" });
    expect(step.status).toBe(200);
    const confirmText = textOf(step.html.slice(step.html.indexOf('data-testid="bulk-confirm"')));
    expect(confirmText).toContain("Switch auto-renewal off for these 2 products?");
    expect(confirmText).toContain("eins-aus.ch");
    expect(confirmText).toContain("zwei-aus.com");
    expect((await renewalState(one)).auto_renew).toBe(true);
    expect((await renewalState(two)).auto_renew).toBe(true);

    const done = await client.post(path(org.orgId), { intent: "bulk", mode: "off", "ids[]": [one, two], confirm: "yes" });
    expect(done.status).toBe(302);
    expect(await renewalState(one)).toMatchObject({ auto_renew: false, auto_renew_method: null });
    expect(await renewalState(two)).toMatchObject({ auto_renew: false, auto_renew_method: null });
    expect(await renewalState(kept)).toMatchObject({ auto_renew: true, auto_renew_method: "visa" });
    expect(await auditActions(one)).toEqual(["product.auto_renew_off"]);
    expect(await auditActions(two)).toEqual(["product.auto_renew_off"]);
    expect(textOf((await client.follow(done)).html)).toContain("Auto-renewal was switched off for 2 products.");
  });

  it("B-5: switching on for a selection is all-or-nothing: one product too close to expiry refuses the whole selection and is named", async () => {
    const org = await orgWithStaff("Alles");
    const fine = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "gut.ch" });
    const tooLate = await createRenewableProduct(org.orgId, { code: "domain-com", from: NOW, expiresInDays: 5, name: "zu-spaet.com" });
    const other = await createRenewableProduct(org.orgId, { code: "chat-team", from: NOW, expiresInDays: 50, name: "chat-gut" });
    const client = await signedIn(org.rep);

    const refused = await client.post(path(org.orgId), { intent: "bulk", mode: "on", method: "visa", "ids[]": [fine, tooLate], confirm: "yes" });
    expect(refused.status).toBe(409);
    const message = textOf(refused.html);
    expect(message).toContain("Auto-renewal cannot be switched on for zu-spaet.com");
    expect(message).toContain("Nothing was changed.");
    expect(await renewalState(fine)).toMatchObject({ auto_renew: false, auto_renew_method: null });
    expect(await renewalState(tooLate)).toMatchObject({ auto_renew: false, auto_renew_method: null });
    expect(await auditActions(fine)).toEqual([]);

    const step = await client.post(path(org.orgId), { intent: "bulk", mode: "on", method: "cb", "ids[]": [fine, other] });
    expect(step.status).toBe(200);
    expect(textOf(step.html)).toContain("Switch auto-renewal on for these 2 products, charged to CB?");
    const done = await client.post(path(org.orgId), { intent: "bulk", mode: "on", method: "cb", "ids[]": [fine, other], confirm: "yes" });
    expect(done.status).toBe(302);
    expect(await renewalState(fine)).toMatchObject({ auto_renew: true, auto_renew_method: "cb" });
    expect(await renewalState(other)).toMatchObject({ auto_renew: true, auto_renew_method: "cb" });
    expect(textOf((await client.follow(done)).html)).toContain("Auto-renewal was switched on for 2 products.");
  });

  it("B-13: the renewal period is chosen per line among the periods its type allows, and the amount follows it", async () => {
    const org = await orgWithStaff("Dauer");
    const ch = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "lang.ch", months: 12 });
    const com = await createRenewableProduct(org.orgId, { code: "domain-com", from: NOW, expiresInDays: 30, name: "kurz.com", months: 12 });
    const client = await signedIn(org.rep);

    const page = await client.get(path(org.orgId));
    const chLine = page.html.slice(page.html.indexOf('data-testid="line-lang.ch"'));
    expect(chLine.split('data-testid="line-')[1].match(/<option value="\d+"/g)?.length).toBe(10);
    // A type with one period offers no choice.
    const comLine = page.html.slice(page.html.indexOf('data-testid="line-kurz.com"')).split("</tr>")[0];
    expect(comLine).not.toContain('name="months"');

    const done = await client.post(path(org.orgId), { intent: "period", productId: ch, months: "36" });
    expect(done.status).toBe(302);
    expect((await renewalState(ch)).renewal_months).toBe(36);
    expect(await auditActions(ch)).toEqual(["product.renewal_period_set"]);
    const after = textOf((await client.follow(done)).html);
    expect(after).toContain("The renewal period was saved.");
    expect(after).toContain("lang.ch");
    expect(after).toContain("CHF 47.70"); // 3 × CHF 15.90

    for (const [productId, months] of [
      [ch, "18"],
      [ch, "132"],
      [com, "24"],
      [ch, "zwei"],
    ]) {
      const refused = await client.post(path(org.orgId), { intent: "period", productId, months });
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain("This renewal period is not offered for this product.");
    }
    expect((await renewalState(ch)).renewal_months).toBe(36);
    expect((await renewalState(com)).renewal_months).toBe(12);
    expect(await auditActions(com)).toEqual([]);

    // In EUR the catalog's EUR price is used: 6 months of the mail service at EUR 2.80.
    await testDb().updateTable("organizations").set({ currency: "EUR" }).where("id", "=", org.orgId).execute();
    await createRenewableProduct(org.orgId, { code: "mail-standard", from: NOW, expiresInDays: 30, name: "euro-mail", months: 6 });
    const euro = textOf((await client.get(path(org.orgId))).html);
    expect(euro).toMatch(/euro-mail \S+ (EUR|€) ?16\.80/);
  });

  it("B-3/B-5/B-13: a restricted user without manage on a product gets 403 and nothing changes; with manage they may change it", async () => {
    const org = await orgWithStaff("Recht");
    const readOnly = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "nur-lesen.ch", autoRenew: "visa", months: 12 });
    const managed = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "verwalten.ch" });
    const hidden = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 30, name: "geheim.ch" });
    await grantProduct(org.orgId, readOnly, "read", { userId: org.restricted.userId });
    await grantProduct(org.orgId, managed, "manage", { userId: org.restricted.userId });
    const client = await signedIn(org.restricted);

    const page = await client.get(path(org.orgId));
    expect(page.status).toBe(200);
    expect(lines(page.html)).toBe(2);
    expect(textOf(page.html)).not.toContain("geheim.ch");
    const readOnlyLine = page.html.slice(page.html.indexOf('data-testid="line-nur-lesen.ch"')).split("</tr>")[0];
    expect(textOf(readOnlyLine)).toContain("You may see this product but not change its renewal.");
    expect(readOnlyLine).not.toContain("<form");

    const before = await renewalState(readOnly);
    for (const form of <Array<Record<string, string | string[]>>>[
      { intent: "autoOff", productId: readOnly },
      { intent: "autoOn", productId: readOnly, method: "cb" },
      { intent: "period", productId: readOnly, months: "24" },
      { intent: "bulk", mode: "off", "ids[]": [managed, readOnly], confirm: "yes" },
    ]) {
      expect((await client.post(path(org.orgId), form)).status).toBe(403);
    }
    expect(await renewalState(readOnly)).toEqual(before);
    expect(await auditActions(readOnly)).toEqual([]);
    expect(await auditActions(managed)).toEqual([]);
    expect((await client.post(path(org.orgId), { intent: "autoOff", productId: hidden })).status).toBe(404);

    const allowed = await client.post(path(org.orgId), { intent: "autoOn", productId: managed, method: "mastercard" });
    expect(allowed.status).toBe(302);
    expect(await renewalState(managed)).toMatchObject({ auto_renew: true, auto_renew_method: "mastercard" });
  });

  it("B-1/B-13: the catalog is data seeded by the migration, with CHF and EUR prices, periods and volume tiers; the portal reads it and cannot change it", async () => {
    const types = await transaction(appDb(), (trx) =>
      trx.selectFrom("product_types").select(["code", "kind", "billing_period", "price_chf", "price_eur", "renewal_months"]).orderBy("sort_order").execute(),
    );
    expect(types.map((t) => t.code)).toEqual(
      expect.arrayContaining(["domain-ch", "domain-com", "domain-swiss", "hosting-starter", "mail-standard", "storage-drive", "chat-team"]),
    );
    expect(types.find((t) => t.code === "domain-ch")).toMatchObject({
      kind: "domain",
      billing_period: "year",
      price_chf: 1590,
      price_eur: 1490,
      renewal_months: [12, 24, 36, 48, 60, 72, 84, 96, 108, 120],
    });
    expect(types.find((t) => t.code === "mail-standard")?.renewal_months).toEqual([1, 3, 6, 12]);
    const tiers = await transaction(appDb(), (trx) =>
      trx.selectFrom("product_type_price_tiers").select(["min_quantity", "price_chf"]).where("type_code", "=", "hosting-starter").orderBy("min_quantity").execute(),
    );
    expect(tiers).toEqual([
      { min_quantity: 1, price_chf: 990 },
      { min_quantity: 5, price_chf: 890 },
      { min_quantity: 20, price_chf: 790 },
    ]);
    await expect(transaction(appDb(), (trx) => sql`update product_types set price_chf = 1 where code = 'domain-ch'`.execute(trx))).rejects.toThrow(
      /permission denied/,
    );
  });

  it("B-3: the list is paged by 50", async () => {
    const org = await orgWithStaff("Viele");
    await testDb()
      .insertInto("products")
      .values(
        Array.from({ length: 55 }, (_, i) => ({
          org_id: org.orgId,
          type: "domain" as const,
          name: `viele-${String(i + 1).padStart(2, "0")}.ch`,
          product_type_code: "domain-ch",
          expires_at: new Date(NOW.getTime() + (20 + (i % 3)) * DAY),
        })),
      )
      .execute();
    const client = await signedIn(org.rep);
    const first = await client.get(path(org.orgId));
    expect(lines(first.html)).toBe(50);
    expect(textOf(first.html)).toContain("Page 1 of 2");
    const second = await client.get(path(org.orgId, "?scope=2months&page=2"));
    expect(lines(second.html)).toBe(5);
  });
});
