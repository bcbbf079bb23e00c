import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setSandboxWebhookTransport, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { DAY, setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { createRenewableProduct, renewalState } from "../../support/billing";
import { deliver, onHostedPage, startSelectionPayment } from "../../support/checkout-flow";
import { signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { givePrepaid, invoicesOf, orderOf, paymentsOf, postWebhook, prepaidBalance, signedWebhook, useEuro } from "../../support/payments";
import { testDb } from "../../support/setup";

// Paying renewals through the real routes, the sandbox's hosted page and its signed
// webhooks posted to the real webhook route; the clock frozen at NOW.
const NOW = new Date("2027-03-01T09:00:00Z");
const YEAR_LATER = (d: Date) => new Date(Date.UTC(d.getUTCFullYear() + 1, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()));

beforeEach(() => setClock(() => NOW));
afterEach(() => setSandboxWebhookTransport(undefined));

async function twoRenewals(name: string) {
  const org = await orgWithStaff(name);
  const domain = await createRenewableProduct(org.orgId, { code: "domain-ch", from: NOW, expiresInDays: 20, name: `${name.toLowerCase()}.ch`, months: 12 });
  const hosting = await createRenewableProduct(org.orgId, { code: "hosting-business", from: NOW, expiresInDays: 30, name: `${name.toLowerCase()}-hosting` });
  return { ...org, domain, hosting };
}

// domain-ch 15.90 + hosting-business 199.00 = 214.90 net; 8.1 % VAT 17.41; total 232.31.
const TOTAL = 23231;

describe("paying renewals", () => {
  it("B-6/B-12: two renewals are paid in one payment on one invoice; nothing is paid before the signed webhook, then both expiries are extended", async () => {
    const org = await twoRenewals("Zwei");
    const before = [await renewalState(org.domain), await renewalState(org.hosting)];
    const client = await signedIn(org.rep);
    const toPay = await client.get(`/orgs/${org.orgId}/billing/to-pay`);
    expect(toPay.html).toMatch(/<button[^>]*name="intent"[^>]*value="paySelection"/);
    const started = await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "visa");
    const choice = textOf((await client.get(`/orgs/${org.orgId}/billing/checkout?ids[]=${org.domain}&ids[]=${org.hosting}`)).html);
    expect(choice).toContain("Total: CHF 232.31");
    const hosted = await client.get(started.location!);
    expect(textOf(hosted.html)).toContain("CHF 232.31");
    const { back, webhooks } = await onHostedPage(client, started, { cardNumber: "4242 4242 4242 4242" });
    expect(back.location).toContain(`/orgs/${org.orgId}/billing/orders?returned=`);
    expect(textOf((await client.follow(back)).html)).toContain("being confirmed");

    // Back from the hosted page, before the webhook: still pending, nothing renewed.
    const [pending] = await orderOf(org.orgId);
    expect(pending).toMatchObject({ kind: "renewal", status: "pending", net_amount: 21490, vat_amount: 1741, total_amount: TOTAL });
    expect((await paymentsOf(org.orgId)).map((p) => p.status)).toEqual(["pending"]);
    expect(await invoicesOf(org.orgId)).toEqual([]);
    expect((await renewalState(org.domain)).expires_at).toEqual(before[0].expires_at);

    await deliver(webhooks);
    const [paid] = await orderOf(org.orgId);
    expect(paid.status).toBe("paid");
    expect(await paymentsOf(org.orgId)).toMatchObject([{ method: "visa", amount: TOTAL, status: "succeeded" }]);
    const invoices = await invoicesOf(org.orgId);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ number: "2027-000001", total_amount: TOTAL, vat_rate_bp: 810, paid_by: [{ method: "visa", amount: TOTAL }] });
    const lines = await testDb().selectFrom("invoice_lines").selectAll().where("invoice_id", "=", invoices[0].id).orderBy("position").execute();
    expect(lines.map((l) => l.net_amount)).toEqual([1590, 19900]);
    expect((await renewalState(org.domain)).expires_at).toEqual(YEAR_LATER(before[0].expires_at!));
    expect((await renewalState(org.hosting)).expires_at).toEqual(YEAR_LATER(before[1].expires_at!));
    expect(await auditEntries(org.orgId, "order.paid")).toHaveLength(1);
    expect(await auditEntries(org.orgId, "product.renewed")).toHaveLength(2);

    const list = textOf((await client.get(`/orgs/${org.orgId}/billing/invoices`)).html);
    expect(list).toContain("2027-000001");
  });

  it("B-2: a card payment switches auto-renewal on for the paid products and saves the card; PayPal does not", async () => {
    const org = await twoRenewals("Karte");
    const client = await signedIn(org.admin);
    await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain], "mastercard"), { cardNumber: TEST_CARDS.success })).webhooks);
    expect(await renewalState(org.domain)).toMatchObject({ auto_renew: true, auto_renew_method: "mastercard" });
    const saved = await testDb().selectFrom("saved_payment_methods").selectAll().where("org_id", "=", org.orgId).execute();
    expect(saved).toMatchObject([{ method: "mastercard", label: "•••• 4242" }]);
    expect((await testDb().selectFrom("products").select("auto_renew_payment_method_id").where("id", "=", org.domain).executeTakeFirstOrThrow()).auto_renew_payment_method_id).toBe(saved[0].id);

    await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.hosting], "paypal"), { decision: "approve" })).webhooks);
    expect((await orderOf(org.orgId)).map((o) => o.status)).toEqual(["paid", "paid"]);
    expect(await renewalState(org.hosting)).toMatchObject({ auto_renew: false, auto_renew_method: null });
  });

  it("B-2/B-8: a Twint payment saves the Twint profile and switches auto-renewal on with Twint", async () => {
    const org = await twoRenewals("Twint");
    const client = await signedIn(org.rep);
    await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "twint"), { decision: "approve" })).webhooks);
    expect(await renewalState(org.domain)).toMatchObject({ auto_renew: true, auto_renew_method: "twint" });
    expect(await renewalState(org.hosting)).toMatchObject({ auto_renew: true, auto_renew_method: "twint" });
    expect(await testDb().selectFrom("saved_payment_methods").select(["method", "label"]).where("org_id", "=", org.orgId).execute()).toEqual([{ method: "twint", label: "TWINT" }]);
  });

  it("B-8: every gateway method is accepted for a CHF organization", async () => {
    for (const method of ["visa", "mastercard", "cb", "postfinance", "paypal", "twint"]) {
      const org = await twoRenewals(`M${method}`);
      const client = await signedIn(org.rep);
      const input = ["paypal", "twint"].includes(method) ? { decision: "approve" as const } : { cardNumber: TEST_CARDS.success };
      await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain], method), input)).webhooks);
      expect({ method, payments: (await paymentsOf(org.orgId)).map((p) => [p.method, p.status]) }).toEqual({ method, payments: [[method, "succeeded"]] });
      expect((await orderOf(org.orgId))[0].status).toBe("paid");
    }
  });

  it("B-8: PostFinance is refused with a clear message for a EUR organization, and nothing changes", async () => {
    const org = await twoRenewals("Euro");
    await useEuro(org.orgId, "DE");
    const client = await signedIn(org.rep);
    const refused = await client.post(`/orgs/${org.orgId}/billing/checkout`, { "ids[]": [org.domain], method: "postfinance" });
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("PostFinance Card is only accepted for organizations paying in CHF");
    expect(await orderOf(org.orgId)).toEqual([]);
    expect(await paymentsOf(org.orgId)).toEqual([]);
    // The method choice page does not offer it either.
    expect((await client.get(`/orgs/${org.orgId}/billing/checkout?ids[]=${org.domain}`)).html).not.toContain('value="postfinance"');
  });

  it("B-8: declined and insufficient-funds cards leave the order pending and nothing paid or renewed", async () => {
    const org = await twoRenewals("Abgelehnt");
    const before = await renewalState(org.domain);
    const client = await signedIn(org.rep);
    for (const card of [TEST_CARDS.declined, TEST_CARDS.insufficientFunds]) {
      await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain], "visa"), { cardNumber: card })).webhooks);
    }
    expect((await orderOf(org.orgId)).map((o) => o.status)).toEqual(["pending", "pending"]);
    expect((await paymentsOf(org.orgId)).map((p) => [p.status, p.failure_reason]).sort()).toEqual([
      ["failed", "card_declined"],
      ["failed", "insufficient_funds"],
    ]);
    expect(await invoicesOf(org.orgId)).toEqual([]);
    expect(await renewalState(org.domain)).toEqual(before);
  });

  it("B-7: a pending order is paid from the orders list", async () => {
    const org = await twoRenewals("Offen");
    const client = await signedIn(org.rep);
    await deliver((await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "visa"), { cardNumber: TEST_CARDS.declined })).webhooks);
    const [order] = await orderOf(org.orgId);
    const list = await client.get(`/orgs/${org.orgId}/billing/orders`);
    expect(list.status).toBe(200);
    expect(list.html).toContain(`data-testid="order-${order.id}"`);
    expect(textOf(list.html)).toContain("Pending");

    const started = await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "pay", orderId: order.id, method: "cb" });
    await deliver((await onHostedPage(client, started, { cardNumber: TEST_CARDS.success })).webhooks);
    expect((await orderOf(org.orgId))[0].status).toBe("paid");
    expect((await invoicesOf(org.orgId))[0].paid_by).toEqual([{ method: "cb", amount: TOTAL }]);
    expect(textOf((await client.get(`/orgs/${org.orgId}/billing/orders`)).html)).toContain("No orders to show.");
    // Paying it again is refused.
    expect((await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "pay", orderId: order.id, method: "cb" })).status).toBe(409);
  });

  it("B-9: the prepaid balance pays first and the card the rest, both on the invoice", async () => {
    const org = await twoRenewals("Prepaid");
    await givePrepaid(org.orgId, 5000);
    const client = await signedIn(org.rep);
    const started = await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "visa");
    // Taken at once, in the same transaction as the order.
    expect(await prepaidBalance(org.orgId)).toBe(0);
    expect(textOf((await client.get(started.location!)).html)).toContain("CHF 182.31");
    await deliver((await onHostedPage(client, started, { cardNumber: TEST_CARDS.success })).webhooks);
    const [invoice] = await invoicesOf(org.orgId);
    expect(invoice.paid_by).toEqual([
      { method: "prepaid", amount: 5000 },
      { method: "visa", amount: TOTAL - 5000 },
    ]);
    const entries = await testDb().selectFrom("prepaid_entries").select(["kind", "amount"]).where("org_id", "=", org.orgId).orderBy("created_at").execute();
    expect(entries.map((e) => e.kind).sort()).toEqual(["payment", "topup"]);
  });

  it("B-9: when the card fails, the prepaid part is given back", async () => {
    const org = await twoRenewals("Zurueck");
    await givePrepaid(org.orgId, 5000);
    const client = await signedIn(org.rep);
    const started = await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "visa");
    expect(await prepaidBalance(org.orgId)).toBe(0);
    await deliver((await onHostedPage(client, started, { cardNumber: TEST_CARDS.insufficientFunds })).webhooks);
    expect(await prepaidBalance(org.orgId)).toBe(5000);
    expect((await paymentsOf(org.orgId)).map((p) => [p.method, p.status]).sort()).toEqual([
      ["prepaid", "refunded"],
      ["visa", "failed"],
    ]);
    expect((await orderOf(org.orgId))[0].status).toBe("pending");
    expect(await auditEntries(org.orgId, "payment.prepaid_refunded")).toHaveLength(1);
  });

  it("B-9: a balance that covers everything pays at once, without the gateway", async () => {
    const org = await twoRenewals("Genug");
    await givePrepaid(org.orgId, 100000);
    const client = await signedIn(org.rep);
    const started = await startSelectionPayment(client, org.orgId, [org.domain, org.hosting], "prepaid");
    expect(started.status).toBe(302);
    expect(started.location).toContain("/billing/orders?paid=");
    expect(await prepaidBalance(org.orgId)).toBe(100000 - TOTAL);
    expect((await invoicesOf(org.orgId))[0].paid_by).toEqual([{ method: "prepaid", amount: TOTAL }]);
  });

  it("B-8: a replayed webhook changes nothing; a forged or stale one is refused with 400 and changes nothing", async () => {
    const org = await twoRenewals("Replay");
    const client = await signedIn(org.rep);
    const { webhooks } = await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain], "visa"), { cardNumber: TEST_CARDS.success });
    const event = JSON.parse(webhooks[0].body);

    const forged = await postWebhook(signedWebhook(event, "not-the-secret"));
    expect(forged.status).toBe(400);
    const unsigned = await postWebhook({ body: webhooks[0].body, headers: {} });
    expect(unsigned.status).toBe(400);
    const stale = await postWebhook(signedWebhook(event, undefined, Math.floor(NOW.getTime() / 1000) - 3600));
    expect(stale.status).toBe(400);
    expect((await paymentsOf(org.orgId))[0].status).toBe("pending");
    expect(await testDb().selectFrom("payment_webhook_events").selectAll().where("org_id", "=", org.orgId).execute()).toEqual([]);

    await deliver(webhooks);
    const afterFirst = await renewalState(org.domain);
    const replay = await postWebhook(webhooks[0]);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.html)).toMatchObject({ outcome: "duplicate" });
    expect(await invoicesOf(org.orgId)).toHaveLength(1);
    expect(await renewalState(org.domain)).toEqual(afterFirst);
    // A new event id about an already settled payment is ignored too.
    const again = await postWebhook(signedWebhook({ ...event, id: "evt_another" }));
    expect(JSON.parse(again.html)).toMatchObject({ outcome: "ignored" });
    expect(await invoicesOf(org.orgId)).toHaveLength(1);
    expect(await renewalState(org.domain)).toEqual(afterFirst);
  });

  it("B-8: a webhook about a payment not known yet is answered 409 and recorded nowhere, so the gateway's next delivery is processed", async () => {
    const org = await twoRenewals("Retry");
    const client = await signedIn(org.rep);
    const { webhooks } = await onHostedPage(client, await startSelectionPayment(client, org.orgId, [org.domain], "visa"), { cardNumber: TEST_CARDS.success });
    const [payment] = await paymentsOf(org.orgId);
    // As if the payment's transaction had not committed yet when the webhook arrived.
    await testDb().updateTable("payments").set({ gateway_reference: "not-yet" }).where("id", "=", payment.id).execute();
    const early = await postWebhook(webhooks[0]);
    expect(early.status).toBe(409);
    expect(await testDb().selectFrom("payment_webhook_events").selectAll().where("org_id", "=", org.orgId).execute()).toEqual([]);
    expect(await invoicesOf(org.orgId)).toHaveLength(0);

    await testDb().updateTable("payments").set({ gateway_reference: payment.gateway_reference }).where("id", "=", payment.id).execute();
    const retried = await postWebhook(webhooks[0]);
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.html)).toMatchObject({ outcome: "processed" });
    expect(await invoicesOf(org.orgId)).toHaveLength(1);
  });

  it("B-6: only the representative and administrators pay; a restricted user gets 403, another organization 404", async () => {
    const org = await twoRenewals("Rechte");
    const other = await twoRenewals("Fremd");
    const restricted = await signedIn(org.restricted);
    for (const path of ["orders", "prepaid", "invoices", `checkout?ids[]=${org.domain}`]) {
      expect((await restricted.get(`/orgs/${org.orgId}/billing/${path}`)).status).toBe(403);
    }
    expect((await restricted.post(`/orgs/${org.orgId}/billing/checkout`, { "ids[]": [org.domain], method: "visa" })).status).toBe(403);
    const rep = await signedIn(org.rep);
    expect((await rep.get(`/orgs/${other.orgId}/billing/orders`)).status).toBe(404);
    expect((await rep.post(`/orgs/${org.orgId}/billing/checkout`, { "ids[]": [other.domain], method: "visa" })).status).toBe(404);
    expect(await orderOf(org.orgId)).toEqual([]);
    expect(await orderOf(other.orgId)).toEqual([]);
    setClock(() => new Date(NOW.getTime() + DAY));
  });
});
