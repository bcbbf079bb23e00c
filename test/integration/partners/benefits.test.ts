import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setJobSink } from "../../../app/jobs.server";
import { formatMoney } from "../../../app/domain/billing/money";
import { sandboxCardToken, setSandboxWebhookTransport, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { DAY, setClock } from "../../../app/lib/clock";
import { runJob } from "../../../workers/handlers";
import { textOf } from "../../support/app";
import { createRenewableProduct } from "../../support/billing";
import { deliver, onHostedPage } from "../../support/checkout-flow";
import { createMember, createUser, signedIn } from "../../support/factories";
import { captureWebhooks, givePrepaid, invoicesOf, prepaidBalance, useEuro } from "../../support/payments";
import { appDb, testDb } from "../../support/setup";

// P-9 (discount when the partner pays, cashback when the client pays) and C-5 (who pays)
// through the real routes, the real jobs and the real database.
const NOW = new Date("2026-06-10T10:00:00Z");

beforeEach(() => setClock(() => NOW));
afterEach(() => {
  setSandboxWebhookTransport(undefined);
  setJobSink(undefined);
});

/** A one-off catalog type worth `amount` a year, with one product of it for the organization. */
async function productWorth(orgId: string, amount: number) {
  const code = `test-${randomBytes(4).toString("hex")}`;
  await testDb()
    .insertInto("product_types")
    .values({ code, kind: "storage", name: code, billing_period: "year", price_chf: amount, price_eur: amount, renewal_months: [12], sort_order: 99 })
    .execute();
  await testDb().insertInto("products").values({ org_id: orgId, type: "storage", product_type_code: code, name: `${code}.ch` }).execute();
}

/** An approved partner in the silver tier (domain 15 %, hosting and mail 25 %). */
async function silverPartner(opts: { euro?: boolean; name?: string } = {}) {
  const rep = await createUser({ name: opts.name ?? "Partner Rep", organizationName: opts.name ?? `Partner ${randomBytes(3).toString("hex")}` });
  if (opts.euro) await useEuro(rep.orgId);
  await testDb().insertInto("program_memberships").values({ org_id: rep.orgId, program: "partner", since: NOW }).execute();
  await productWorth(rep.orgId, 1_000_000);
  return rep;
}

async function linkedClient(partnerOrgId: string, opts: { payer?: "client" | "partner"; access?: "full" | "limited"; euro?: boolean; since?: Date } = {}) {
  const rep = await createUser({ name: "Client Rep", organizationName: `Client ${randomBytes(3).toString("hex")}` });
  if (opts.euro) await useEuro(rep.orgId);
  const link = await testDb()
    .insertInto("partner_client_links")
    .values({ org_id: partnerOrgId, client_org_id: rep.orgId, state: "active", payer: opts.payer ?? "client", access: opts.access ?? "full", since: opts.since ?? new Date("2026-01-01T00:00:00Z") })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { ...rep, linkId: link.id };
}

async function linesOf(invoiceId: string) {
  return testDb().selectFrom("invoice_lines").select(["description", "unit_amount", "quantity", "discount_amount", "net_amount"]).where("invoice_id", "=", invoiceId).orderBy("position").execute();
}

async function expiryOf(productId: string) {
  return (await testDb().selectFrom("products").select("expires_at").where("id", "=", productId).executeTakeFirstOrThrow()).expires_at!;
}

function yearAfter(d: Date) {
  const x = new Date(d.getTime());
  x.setUTCMonth(x.getUTCMonth() + 12);
  return x;
}

describe("P-9 / C-5: the partner pays its clients' products", () => {
  it("P-9: the partner pays a client's due products from its own billing: the volume price, then the partner rate as the line discount (half up, CHF), its prepaid account first; the invoice is the partner's, names the client and is invisible to the client", async () => {
    const partner = await silverPartner({ name: "Alpen Reseller AG" });
    const client = await linkedClient(partner.orgId, { payer: "partner" });
    const domain = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: "kunde.ch", months: 12 });
    const hosting = await createRenewableProduct(client.orgId, { code: "hosting-starter", from: NOW, expiresInDays: 30, name: "kunde-web", months: 12 });
    // Four more Starter hostings: five in all reach the volume price 8.90 a month (instead of 9.90).
    for (let i = 0; i < 4; i++) await createRenewableProduct(client.orgId, { code: "hosting-starter", from: NOW, expiresInDays: 200 });
    await givePrepaid(partner.orgId, 20_000);
    const before = { domain: await expiryOf(domain), hosting: await expiryOf(hosting) };

    const browser = await signedIn(partner);
    const page = textOf((await browser.get(`/orgs/${partner.orgId}/partner/clients/${client.orgId}`)).html);
    // .ch 15.90 less 15 % (2.385 → 2.39) = 13.51; Starter 12 × 8.90 = 106.80 less 25 % (26.70) = 80.10.
    expect(page).toContain("CHF 15.90");
    expect(page).toContain("CHF 2.39");
    expect(page).toContain("CHF 13.51");
    expect(page).toContain("CHF 106.80");
    expect(page).toContain("CHF 80.10");

    const paid = await browser.post(`/orgs/${partner.orgId}/partner/clients/${client.orgId}`, { "ids[]": [domain, hosting], method: "prepaid" });
    expect(paid.status).toBe(302);
    expect(paid.location).toMatch(new RegExp(`^/orgs/${partner.orgId}/billing/orders\\?paid=`));

    const [invoice] = await invoicesOf(partner.orgId);
    expect(invoice).toMatchObject({ client_org_id: client.orgId, net_amount: 9361, vat_amount: 758, total_amount: 10119, currency: "CHF" });
    expect(invoice.bill_to.name).toBe("Alpen Reseller AG");
    expect(await linesOf(invoice.id)).toEqual([
      { description: ".ch domain name: kunde.ch", unit_amount: 1590, quantity: 1, discount_amount: 239, net_amount: 1351 },
      { description: "Web hosting Starter: kunde-web", unit_amount: 890, quantity: 12, discount_amount: 2670, net_amount: 8010 },
    ]);
    const order = await testDb().selectFrom("orders").select(["org_id", "client_org_id", "status"]).where("id", "=", invoice.order_id).executeTakeFirstOrThrow();
    expect(order).toEqual({ org_id: partner.orgId, client_org_id: client.orgId, status: "paid" });
    expect(await prepaidBalance(partner.orgId)).toBe(20_000 - 10119);
    expect(await expiryOf(domain)).toEqual(yearAfter(before.domain));
    expect(await expiryOf(hosting)).toEqual(yearAfter(before.hosting));

    // Only the paying organization sees the invoice.
    expect(await invoicesOf(client.orgId)).toEqual([]);
    const clientBrowser = await signedIn(client);
    expect(textOf((await clientBrowser.get(`/orgs/${client.orgId}/billing/invoices`)).html)).not.toContain(invoice.number);
    expect((await clientBrowser.download(`/orgs/${client.orgId}/billing/invoices/${invoice.id}.pdf`)).status).toBe(404);
    expect((await browser.download(`/orgs/${partner.orgId}/billing/invoices/${invoice.id}.pdf`)).status).toBe(200);
    expect(textOf((await browser.get(`/orgs/${partner.orgId}/billing/invoices`)).html)).toContain(invoice.number);
  });

  it("P-9: in EUR the partner's card payment through the hosted page and the signed webhook renews the client's product with the discount rounded half up to the cent", async () => {
    const partner = await silverPartner({ euro: true });
    const client = await linkedClient(partner.orgId, { payer: "partner", euro: true });
    const domain = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: "client.ch", months: 12 });
    const before = await expiryOf(domain);
    const browser = await signedIn(partner);
    const started = await browser.post(`/orgs/${partner.orgId}/partner/clients/${client.orgId}`, { "ids[]": [domain], method: "visa" });
    const { webhooks } = await onHostedPage(browser, started, { cardNumber: TEST_CARDS.success });
    expect(await invoicesOf(partner.orgId)).toEqual([]); // nothing before the signed confirmation
    await deliver(webhooks);
    const [invoice] = await invoicesOf(partner.orgId);
    // .ch EUR 14.90 less 15 % (2.235 → 2.24) = 12.66; a German organization without VAT id pays no VAT here.
    expect(invoice).toMatchObject({ client_org_id: client.orgId, currency: "EUR", net_amount: 1266 });
    expect(await linesOf(invoice.id)).toEqual([{ description: ".ch domain name: client.ch", unit_amount: 1490, quantity: 1, discount_amount: 224, net_amount: 1266 }]);
    expect(await expiryOf(domain)).toEqual(yearAfter(before));
  });

  it("P-9: an auto-renewal of a client's product whose partner pays is charged to the partner by the renew-product job: the partner's prepaid balance first, then the partner's saved card", async () => {
    const partner = await silverPartner();
    const client = await linkedClient(partner.orgId, { payer: "partner" });
    const productId = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 14, months: 12, autoRenew: "visa" });
    const expiry = await expiryOf(productId);
    await givePrepaid(partner.orgId, 500);
    await testDb()
      .insertInto("saved_payment_methods")
      .values({ org_id: partner.orgId, method: "visa", gateway_token: sandboxCardToken(partner.orgId, TEST_CARDS.success), label: "•••• 4242" })
      .execute();
    const attempt = await testDb()
      .insertInto("renewal_attempts")
      .values({ org_id: client.orgId, product_id: productId, period_expires_at: expiry, attempt_day: "2026-06-10", status: "queued", created_at: NOW })
      .returning("id")
      .executeTakeFirstOrThrow();
    const hooks = captureWebhooks();
    expect(await runJob(appDb(), "renew-product", { attemptId: attempt.id })).toEqual({ outcome: "charging" });
    // 15.90 less 15 % = 13.51 net, 8.1 % VAT 1.09: 14.60, of which 5.00 from the partner's prepaid account.
    const payments = await testDb().selectFrom("payments").select(["org_id", "method", "amount", "status"]).where("org_id", "in", [partner.orgId, client.orgId]).orderBy("amount").execute();
    expect(payments).toEqual([
      { org_id: partner.orgId, method: "prepaid", amount: 500, status: "succeeded" },
      { org_id: partner.orgId, method: "visa", amount: 960, status: "pending" },
    ]);
    await deliver(hooks);
    const [invoice] = await invoicesOf(partner.orgId);
    expect(invoice).toMatchObject({ client_org_id: client.orgId, net_amount: 1351, total_amount: 1460 });
    expect(await expiryOf(productId)).toEqual(yearAfter(expiry));
    const status = await testDb().selectFrom("renewal_attempts").select("status").where("id", "=", attempt.id).executeTakeFirstOrThrow();
    expect(status.status).toBe("succeeded");
    expect(await invoicesOf(client.orgId)).toEqual([]);
    // The paying partner is told, not the client.
    const mails = await testDb().selectFrom("email_outbox").select(["to_address", "kind"]).where("kind", "=", "auto_renewal_succeeded").where("to_address", "in", [partner.email, client.email]).execute();
    expect(mails).toEqual([{ to_address: partner.email, kind: "auto_renewal_succeeded" }]);
  });

  it("C-5: the client's legal representative switches the payer to the partner and back; the partner is e-mailed, the change is audited, and while the partner pays the client cannot pay the same products itself", async () => {
    const partner = await silverPartner();
    const client = await linkedClient(partner.orgId, { payer: "client" });
    const domain = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    const browser = await signedIn(client);
    const partnerPage = await browser.get(`/orgs/${client.orgId}/partner`);
    expect(partnerPage.html).toContain(`data-testid="payer-form-${client.linkId}"`);
    const switched = await browser.post(`/orgs/${client.orgId}/partner/payer`, { linkId: client.linkId, payer: "partner", returnTo: `/orgs/${client.orgId}/partner` });
    expect(switched.status).toBe(302);
    expect(switched.location).toBe(`/orgs/${client.orgId}/partner?payer=partner`);
    const link = await testDb().selectFrom("partner_client_links").select("payer").where("id", "=", client.linkId).executeTakeFirstOrThrow();
    expect(link.payer).toBe("partner");
    const mail = await testDb().selectFrom("email_outbox").select(["to_address", "subject"]).where("kind", "=", "partner_payer_changed").where("to_address", "=", partner.email).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toContain("now paid by the partner");
    const audited = await testDb().selectFrom("audit_log").select(["org_id", "actor_user_id", "data"]).where("action", "=", "partner.payer_changed").where("target_id", "=", client.linkId).execute();
    expect(audited).toEqual([{ org_id: client.orgId, actor_user_id: client.userId, data: { from: "client", to: "partner", partnerOrgId: partner.orgId, clientOrgId: client.orgId, by: "client" } }]);

    await givePrepaid(client.orgId, 10_000);
    const refused = await browser.post(`/orgs/${client.orgId}/billing/checkout`, { "ids[]": [domain], method: "prepaid" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("Your partner pays for your products");
    expect(await testDb().selectFrom("orders").select("id").where("org_id", "=", client.orgId).execute()).toEqual([]);

    const back = await browser.post(`/orgs/${client.orgId}/partner/payer`, { linkId: client.linkId, payer: "client", returnTo: `/orgs/${client.orgId}/partner` });
    expect(back.status).toBe(302);
    expect((await testDb().selectFrom("partner_client_links").select("payer").where("id", "=", client.linkId).executeTakeFirstOrThrow()).payer).toBe("client");
    expect(await testDb().selectFrom("email_outbox").select("id").where("kind", "=", "partner_payer_changed").where("to_address", "=", partner.email).execute()).toHaveLength(2);
    // And the partner's administrators may take the bills over from the reseller space.
    const space = await signedIn(partner);
    const taken = await space.post(`/orgs/${partner.orgId}/partner/payer`, { linkId: client.linkId, payer: "partner", returnTo: `/orgs/${partner.orgId}/partner/space` });
    expect(taken.location).toBe(`/orgs/${partner.orgId}/partner/space?payer=partner`);
    expect(textOf((await space.get(`/orgs/${partner.orgId}/partner/space`)).html)).toContain("the partner");
  });

  it("C-5/P-9: refused paths change nothing: a link without full access cannot be billed through the partner (domain and database), a restricted member or an administrator of the client cannot switch, another organization's link and client are not found, a partner cannot pay for a client that pays itself", async () => {
    const partner = await silverPartner();
    const limited = await linkedClient(partner.orgId, { access: "limited" });
    const selfPaying = await linkedClient(partner.orgId, { payer: "client" });
    const limitedBrowser = await signedIn(limited);
    const refused = await limitedBrowser.post(`/orgs/${limited.orgId}/partner/payer`, { linkId: limited.linkId, payer: "partner" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("Only a client that gave the partner full access can be billed through the partner");
    const partnerBrowser = await signedIn(partner);
    expect((await partnerBrowser.post(`/orgs/${partner.orgId}/partner/payer`, { linkId: limited.linkId, payer: "partner" })).status).toBe(409);
    await expect(sql`update partner_client_links set payer = 'partner' where id = ${limited.linkId}`.execute(testDb())).rejects.toThrow(/partner_client_links_partner_pays_needs_full/);
    // An order naming a client the partner does not pay for is refused by the database.
    await expect(
      testDb()
        .insertInto("orders")
        .values({ org_id: partner.orgId, client_org_id: selfPaying.orgId, kind: "renewal", currency: "CHF", language: "en", net_amount: 100, total_amount: 100, created_by: null })
        .execute(),
    ).rejects.toMatchObject({ constraint: "orders_partner_pays" });

    // A restricted member and an administrator (not the legal representative) of the client.
    const restricted = await createMember(selfPaying.orgId, "restricted");
    expect((await (await signedIn(restricted)).post(`/orgs/${selfPaying.orgId}/partner/payer`, { linkId: selfPaying.linkId, payer: "partner" })).status).toBe(403);
    const admin = await createMember(selfPaying.orgId, "admin");
    expect((await (await signedIn(admin)).post(`/orgs/${selfPaying.orgId}/partner/payer`, { linkId: selfPaying.linkId, payer: "partner" })).status).toBe(403);
    // A restricted member of the partner.
    const partnerRestricted = await createMember(partner.orgId, "restricted");
    const pr = await signedIn(partnerRestricted);
    expect((await pr.post(`/orgs/${partner.orgId}/partner/payer`, { linkId: selfPaying.linkId, payer: "partner" })).status).toBe(403);
    expect((await pr.get(`/orgs/${partner.orgId}/partner/clients/${selfPaying.orgId}`)).status).toBe(403);
    // Another organization: its link id and its client are unknown here.
    const stranger = await createUser();
    const sb = await signedIn(stranger);
    expect((await sb.post(`/orgs/${stranger.orgId}/partner/payer`, { linkId: selfPaying.linkId, payer: "partner" })).status).toBe(404);
    expect((await partnerBrowser.get(`/orgs/${partner.orgId}/partner/clients/${stranger.orgId}`)).status).toBe(404);
    expect((await sb.get(`/orgs/${partner.orgId}/partner/clients/${selfPaying.orgId}`)).status).toBe(404);
    // The client pays itself: the partner's page says so and paying is refused.
    const product = await createRenewableProduct(selfPaying.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20 });
    expect(textOf((await partnerBrowser.get(`/orgs/${partner.orgId}/partner/clients/${selfPaying.orgId}`)).html)).toContain("This client pays its invoices itself.");
    await givePrepaid(partner.orgId, 10_000);
    const notPayer = await partnerBrowser.post(`/orgs/${partner.orgId}/partner/clients/${selfPaying.orgId}`, { "ids[]": [product], method: "prepaid" });
    expect(notPayer.status).toBe(409);
    expect(await testDb().selectFrom("orders").select("id").where("org_id", "=", partner.orgId).execute()).toEqual([]);
    expect((await testDb().selectFrom("partner_client_links").select("payer").where("id", "in", [limited.linkId, selfPaying.linkId]).execute()).map((l) => l.payer)).toEqual(["client", "client"]);
    expect(await testDb().selectFrom("audit_log").select("id").where("action", "=", "partner.payer_changed").where("target_id", "in", [limited.linkId, selfPaying.linkId]).execute()).toEqual([]);
  });

  it("P-9: a client's product of another client cannot be slipped into the partner's order (not found, nothing ordered)", async () => {
    const partner = await silverPartner();
    const client = await linkedClient(partner.orgId, { payer: "partner" });
    const other = await linkedClient(partner.orgId, { payer: "partner" });
    const own = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20 });
    const foreign = await createRenewableProduct(other.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20 });
    await givePrepaid(partner.orgId, 10_000);
    const browser = await signedIn(partner);
    expect((await browser.post(`/orgs/${partner.orgId}/partner/clients/${client.orgId}`, { "ids[]": [own, foreign], method: "prepaid" })).status).toBe(404);
    expect(await testDb().selectFrom("orders").select("id").where("org_id", "=", partner.orgId).execute()).toEqual([]);
  });
});

describe("P-9: the monthly cashback on invoices the clients pay themselves", () => {
  async function clientPays(client: { orgId: string; email: string; password: string }, at: Date, products: string[]) {
    setClock(() => at);
    const browser = await signedIn(client);
    const paid = await browser.post(`/orgs/${client.orgId}/billing/checkout`, { "ids[]": products, method: "prepaid" });
    expect(paid.status).toBe(302);
  }

  function captureJobIds() {
    const jobs: Array<{ name: string; payload: unknown; jobId: string }> = [];
    setJobSink({
      add: async (name, payload, jobId) => void jobs.push({ name, payload, jobId }),
      addBulk: async (name, list) => void list.forEach((j) => jobs.push({ name, payload: j.payload, jobId: j.jobId })),
    });
    return jobs;
  }

  it("P-9: the job credits the previous month's cashback once, per invoice line at the partner's rate rounded half up (CHF and EUR), with a statement the partner sees; a second run changes nothing", async () => {
    const partner = await silverPartner({ name: "Cashback CHF AG" });
    const client = await linkedClient(partner.orgId);
    const late = await linkedClient(partner.orgId, { since: new Date("2026-05-20T00:00:00Z") });
    const domain = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    const mail = await createRenewableProduct(client.orgId, { code: "mail-standard", from: NOW, expiresInDays: 20, months: 12 });
    const juneProduct = await createRenewableProduct(client.orgId, { code: "domain-com", from: NOW, expiresInDays: 40, months: 12 });
    const beforeLink = await createRenewableProduct(late.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    await givePrepaid(client.orgId, 50_000);
    await givePrepaid(late.orgId, 50_000);
    // May: .ch 15.90 (15 % → 2.385 → 2.39) and mail 12 × 3.00 = 36.00 (25 % → 9.00); June is next month's.
    await clientPays(client, new Date("2026-05-12T10:00:00Z"), [domain, mail]);
    await clientPays(late, new Date("2026-05-15T10:00:00Z"), [beforeLink]); // before the link began
    await clientPays(client, new Date("2026-06-01T08:00:00Z"), [juneProduct]);
    const [mayInvoice] = await invoicesOf(client.orgId);

    // An EUR partner and client: .ch EUR 14.90 (15 % → 2.235 → 2.24), mail 12 × 2.80 = 33.60 (25 % → 8.40).
    const euroPartner = await silverPartner({ euro: true });
    const euroClient = await linkedClient(euroPartner.orgId, { euro: true });
    const euroDomain = await createRenewableProduct(euroClient.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    const euroMail = await createRenewableProduct(euroClient.orgId, { code: "mail-standard", from: NOW, expiresInDays: 20, months: 12 });
    await givePrepaid(euroClient.orgId, 50_000, "EUR");
    await clientPays(euroClient, new Date("2026-05-31T21:00:00Z"), [euroDomain, euroMail]); // 23:00 in Zurich: still May

    setClock(() => new Date("2026-06-03T02:00:00Z"));
    const jobs = captureJobIds();
    expect(await runJob(appDb(), "partner-cashback-sweep", {})).toMatchObject({ month: "2026-05-01" });
    const mine = jobs.filter((j) => j.name === "partner-cashback" && (j.payload as { orgId: string }).orgId === partner.orgId);
    expect(mine).toEqual([{ name: "partner-cashback", payload: { orgId: partner.orgId, month: "2026-05-01" }, jobId: `cashback-${partner.orgId}-2026-05` }]);

    expect(await runJob(appDb(), "partner-cashback", mine[0].payload)).toEqual({ outcome: "credited", amount: 1139, invoices: 1 });
    expect(await runJob(appDb(), "partner-cashback", { orgId: euroPartner.orgId, month: "2026-05-01" })).toEqual({ outcome: "credited", amount: 1064, invoices: 1 });
    const lines = await testDb().selectFrom("partner_cashback_lines").select(["invoice_id", "client_org_id", "amount", "rate_bp", "currency", "details"]).where("org_id", "=", partner.orgId).execute();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ invoice_id: mayInvoice.id, client_org_id: client.orgId, amount: 1139, rate_bp: 2500, currency: "CHF" });
    expect(lines[0].details.map((d) => [d.kind, d.net, d.rateBp, d.amount])).toEqual([
      ["domain", 1590, 1500, 239],
      ["mail", 3600, 2500, 900],
    ]);
    expect(await prepaidBalance(partner.orgId)).toBe(1139);
    expect(await prepaidBalance(euroPartner.orgId)).toBe(1064);
    const entries = await testDb().selectFrom("prepaid_entries").select(["kind", "amount"]).where("org_id", "=", partner.orgId).execute();
    expect(entries).toEqual([{ kind: "cashback", amount: 1139 }]);
    const mails = await testDb().selectFrom("email_outbox").select("subject").where("kind", "=", "partner_cashback").where("to_address", "=", partner.email).execute();
    expect(mails).toEqual([{ subject: `Your cashback for 2026-05: ${formatMoney(1139, "CHF", "en-CH")}` }]);

    // Idempotent: the same job again, and the sweep's next daily run, change nothing.
    expect(await runJob(appDb(), "partner-cashback", mine[0].payload)).toEqual({ outcome: "already_done", amount: 0, invoices: 0 });
    expect(await prepaidBalance(partner.orgId)).toBe(1139);
    expect(await testDb().selectFrom("partner_cashback_lines").select("id").where("org_id", "=", partner.orgId).execute()).toHaveLength(1);

    // The statement: the list and the month with every invoice line it came from.
    const browser = await signedIn(partner);
    const list = textOf((await browser.get(`/orgs/${partner.orgId}/partner/cashback`)).html);
    expect(list).toContain("2026-05");
    expect(list).toContain("CHF 11.39");
    const statement = textOf((await browser.get(`/orgs/${partner.orgId}/partner/cashback?month=2026-05-01`)).html);
    expect(statement).toContain(mayInvoice.number);
    expect(statement).toContain("CHF 2.39");
    expect(statement).toContain("CHF 9.00");
    expect(statement).toContain("CHF 11.39 from 1 client invoices");
    // Forbidden: a restricted member of the partner, another organization, an unknown month.
    const restricted = await createMember(partner.orgId, "restricted");
    expect((await (await signedIn(restricted)).get(`/orgs/${partner.orgId}/partner/cashback`)).status).toBe(403);
    const stranger = await signedIn(await createUser());
    expect((await stranger.get(`/orgs/${partner.orgId}/partner/cashback?month=2026-05-01`)).status).toBe(404);
    expect((await browser.get(`/orgs/${partner.orgId}/partner/cashback?month=2026-04-01`)).status).toBe(404);
    // The client does not see the partner's cashback.
    expect(await appDb().selectFrom("partner_cashback_lines").select("id").execute()).toEqual([]);
  });

  it("P-9: the 35 % cap holds for cashback lines in the database too", async () => {
    const partner = await silverPartner();
    const client = await linkedClient(partner.orgId);
    const domain = await createRenewableProduct(client.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    await givePrepaid(client.orgId, 50_000);
    setClock(() => NOW);
    const browser = await signedIn(client);
    expect((await browser.post(`/orgs/${client.orgId}/billing/checkout`, { "ids[]": [domain], method: "prepaid" })).status).toBe(302);
    const [invoice] = await invoicesOf(client.orgId);
    await expect(
      testDb()
        .insertInto("partner_cashback_lines")
        .values({ org_id: partner.orgId, client_org_id: client.orgId, invoice_id: invoice.id, month: "2026-06-01", rate_bp: 3501, amount: 1, currency: "CHF", created_at: NOW })
        .execute(),
    ).rejects.toThrow(/rate_bp_check/);
  });
});

describe("P-9: partner domain prices", () => {
  it("P-9: an approved partner sees the price list of common domain extensions in its currency; other organizations do not", async () => {
    const partner = await silverPartner();
    const page = textOf((await (await signedIn(partner)).get(`/orgs/${partner.orgId}/partner/domain-prices`)).html);
    expect(page).toContain(".ch");
    expect(page).toContain("CHF 15.90");
    expect(page).toContain("CHF 9.90");
    const euro = await silverPartner({ euro: true });
    expect(textOf((await (await signedIn(euro)).get(`/orgs/${euro.orgId}/partner/domain-prices`)).html)).toContain("€");
    const plain = await createUser();
    expect((await (await signedIn(plain)).get(`/orgs/${plain.orgId}/partner/domain-prices`)).status).toBe(404);
    expect((await (await signedIn(plain)).get(`/orgs/${partner.orgId}/partner/domain-prices`)).status).toBe(404);
  });
});

describe("P-10: revenue in the reseller space", () => {
  it("P-10: the reseller space shows per client its revenue of the last 12 months (invoiced to or for it), and per month the revenue, cashback and discount as a chart with a table; tier names are translated", async () => {
    const partner = await silverPartner();
    const selfPaying = await linkedClient(partner.orgId);
    const paidFor = await linkedClient(partner.orgId, { payer: "partner" });
    // April: the client pays a .ch itself (15.90 net); May: the partner pays one for the other client (13.51 net, 2.39 discount).
    const own = await createRenewableProduct(selfPaying.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    await givePrepaid(selfPaying.orgId, 50_000);
    setClock(() => new Date("2026-04-10T10:00:00Z"));
    expect((await (await signedIn(selfPaying)).post(`/orgs/${selfPaying.orgId}/billing/checkout`, { "ids[]": [own], method: "prepaid" })).status).toBe(302);
    const theirs = await createRenewableProduct(paidFor.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, months: 12 });
    await givePrepaid(partner.orgId, 50_000);
    setClock(() => new Date("2026-05-10T10:00:00Z"));
    const browser = await signedIn(partner);
    expect((await browser.post(`/orgs/${partner.orgId}/partner/clients/${paidFor.orgId}`, { "ids[]": [theirs], method: "prepaid" })).status).toBe(302);
    // The April cashback (2.39) is credited in May.
    expect(await runJob(appDb(), "partner-cashback", { orgId: partner.orgId, month: "2026-04-01" })).toMatchObject({ amount: 239 });

    setClock(() => NOW);
    const again = await signedIn(partner);
    const html = (await again.get(`/orgs/${partner.orgId}/partner/space`)).html;
    expect(html).toContain("<svg");
    const chf = (n: number) => formatMoney(n, "CHF", "en-CH").replace(/[\u00a0\u202f]/g, " ");
    const text = textOf(html);
    const names = await testDb().selectFrom("organizations").select("name").where("id", "in", [selfPaying.orgId, paidFor.orgId]).execute();
    for (const n of names) expect(text).toContain(n.name);
    const plain = (x: string) => x.replace(/[\u00a0\u202f]/g, " ");
    const table = plain(textOf(html.slice(html.indexOf('data-testid="revenue-table"'))));
    expect(table).toContain(`2026-04 ${chf(1590)} ${chf(239)} ${chf(0)}`);
    expect(table).toContain(`2026-05 ${chf(1351)} ${chf(0)} ${chf(239)}`);
    expect(table).toContain(`2026-06 ${chf(0)} ${chf(0)} ${chf(0)}`);
    expect(table).toContain(`2025-07 ${chf(0)}`);
    expect(table).not.toContain("2025-06");
    const clients = plain(textOf(html.slice(html.indexOf('data-testid="clients"'))));
    expect(clients).toContain(chf(1590));
    expect(clients).toContain(chf(1351));
    await testDb().updateTable("users").set({ locale: "de" }).where("id", "=", partner.userId).execute();
    const de = textOf((await again.get(`/orgs/${partner.orgId}/partner/space`)).html);
    expect(de).toContain("Aktuelle Stufe: Silber");
    expect(de).toContain("Nächste Stufe: Gold");

    // The sums are the partner's own only: acting for another organization the functions return nothing.
    const stranger = await createUser();
    const asStranger = await appDb()
      .transaction()
      .execute(async (trx) => {
        await sql`select set_config('app.org_ids', ${stranger.orgId}, true)`.execute(trx);
        const byMonth = await sql<{ n: number }>`select count(*)::int as n from portal_partner_revenue_by_month(${partner.orgId}::uuid, '2020-01-01')`.execute(trx);
        const byClient = await sql<{ n: number }>`select count(*)::int as n from portal_partner_client_revenue(${partner.orgId}::uuid, array[${selfPaying.orgId}::uuid], '2020-01-01')`.execute(trx);
        return [byMonth.rows[0].n, byClient.rows[0].n];
      });
    expect(asStranger).toEqual([0, 0]);
  });
});
