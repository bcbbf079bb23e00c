import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setSandboxWebhookTransport, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { addMs, DAY, HOUR, setClock } from "../../../app/lib/clock";
import { Client, textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { deliver, onHostedPage } from "../../support/checkout-flow";
import { createStaff, signedIn } from "../../support/factories";
import { auditEntries, orgWithStaff } from "../../support/members";
import { givePrepaid, invoicesOf, orderOf, paymentsOf, prepaidBalance } from "../../support/payments";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { appDb, testDb } from "../../support/setup";
import { outboxTo } from "../../support/smtp";
import { identityChecksOf, identityPathIn, jpeg, pdf, postMultipart } from "../../support/support";

// B-14/K-3: new orders screened as they are paid, through the real routes, the sandbox
// gateway's hosted page and signed webhook, and the back office's identity check queue.
const NOW = new Date("2027-04-06T09:00:00Z");
const MINUTE = 60_000;

let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;
beforeAll(async () => {
  workers = await startTestBullWorkers(appDb());
});
afterAll(async () => {
  await workers?.close();
});

afterEach(() => {
  setClock(undefined);
  setSandboxWebhookTransport(undefined);
});

function productsOf(orgId: string) {
  return testDb().selectFrom("products").selectAll().where("org_id", "=", orgId).orderBy("name").execute();
}
function blocksOf(orgId: string) {
  return testDb().selectFrom("order_blocks").selectAll().where("org_id", "=", orgId).orderBy("created_at").execute();
}

/** Orders a domain through the order page and pays it by card on the hosted page (webhook delivered). */
async function orderAndPayByCard(client: Client, orgId: string, domain: string, cardNumber: string = TEST_CARDS.success) {
  const ordered = await client.post(`/orgs/${orgId}/billing/order-new`, { typeCode: "domain-ch", name: domain, months: "12" });
  expect(ordered.status).toBe(302);
  const [order] = await orderOf(orgId);
  const started = await client.post(`/orgs/${orgId}/billing/orders`, { intent: "pay", orderId: order.id, method: "visa" });
  const { webhooks } = await onHostedPage(client, started, { cardNumber });
  await deliver(webhooks);
  return order.id;
}

describe("orders held for a security check", () => {
  it("B-14: a domain name with a brand of the list is held when paid: no product, no invoice; the customer is told by e-mail how to release it", async () => {
    setClock(() => NOW);
    const org = await orgWithStaff("Marke");
    const client = await signedIn(org.admin);
    const orderId = await orderAndPayByCard(client, org.orgId, "postfinance-login.ch");

    const [order] = await orderOf(org.orgId);
    expect(order).toMatchObject({ id: orderId, status: "pending", paid_at: null });
    expect(await productsOf(org.orgId)).toEqual([]);
    expect(await invoicesOf(org.orgId)).toEqual([]);
    const [block] = await blocksOf(org.orgId);
    expect(block).toMatchObject({ order_id: orderId, status: "blocked", reasons: ["brand:postfinance"], notice_count: 1 });
    const [check] = await identityChecksOf(org.admin.userId);
    expect(check).toMatchObject({ id: block.identity_check_id, reason: "suspicious_order", status: "requested" });
    const [mail] = await outboxTo(org.admin.email);
    expect(mail).toMatchObject({ subject: "Your order is on hold for a security check", org_id: org.orgId, kind: "order_blocked" });
    expect(mail.body_text).toContain(".ch domain name: postfinance-login.ch");
    expect(mail.body_text).toContain("confirm your identity");
    expect(mail.body_text).toContain(`/orgs/${org.orgId}/billing/orders`);
    expect(await auditEntries(org.orgId, "order.blocked")).toMatchObject([{ target_id: orderId, data: { reasons: ["brand:postfinance"] } }]);

    // An ordinary name is not held.
    const fine = await orgWithStaff("Normal");
    const fineClient = await signedIn(fine.admin);
    await orderAndPayByCard(fineClient, fine.orgId, "normal-shop.ch");
    expect((await orderOf(fine.orgId))[0].status).toBe("paid");
    expect(await blocksOf(fine.orgId)).toEqual([]);
  });

  it("B-14: the banner sends the e-mail again with a new one-time link (not more than every 5 minutes); approving the identity check completes the order", async () => {
    setClock(() => NOW);
    const org = await orgWithStaff("Banner");
    const client = await signedIn(org.rep);
    const orderId = await orderAndPayByCard(client, org.orgId, "swisscom-support.ch");
    const firstLink = identityPathIn((await outboxTo(org.rep.email))[0].body_text);

    const orders = await client.get(`/orgs/${org.orgId}/billing/orders`);
    const text = textOf(orders.html);
    expect(text).toContain("Orders on hold for a security check");
    expect(text).toContain(`Order ${orderId.slice(0, 8)}`);
    expect(text).toContain("Check: waiting for documents");
    expect(orders.html).toContain("Send the e-mail again");
    const [block] = await blocksOf(org.orgId);
    // The held order is not offered for payment again.
    expect(orders.html).not.toContain(`name="orderId" value="${orderId}"`);

    const tooSoon = await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id });
    expect(tooSoon.status).toBe(409);
    expect(textOf(tooSoon.html)).toContain("The e-mail was sent a few minutes ago.");
    expect(await outboxTo(org.rep.email)).toHaveLength(1);

    setClock(() => addMs(NOW, 10 * MINUTE));
    const resent = await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id });
    expect(resent.status).toBe(302);
    expect(textOf((await client.follow(resent)).html)).toContain("The e-mail was sent again with a new link.");
    const mails = await outboxTo(org.rep.email);
    expect(mails).toHaveLength(2);
    expect(mails[0].subject).toBe("Your order is on hold for a security check");
    const newLink = identityPathIn(mails[0].body_text);
    expect(newLink).not.toBe(firstLink);
    expect(textOf((await new Client().get(firstLink)).html)).toContain("This link cannot be used");
    expect((await blocksOf(org.orgId))[0]).toMatchObject({ notice_count: 2 });
    expect(await auditEntries(org.orgId, "order.block_notice_resent")).toHaveLength(1);

    // A restricted member and another organization cannot resend.
    const restricted = await signedIn(org.restricted);
    expect((await restricted.post(`/orgs/${org.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id })).status).toBe(403);
    const other = await orgWithStaff("Fremd");
    const outsider = await signedIn(other.rep);
    expect((await outsider.post(`/orgs/${org.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id })).status).toBe(404);
    expect((await outsider.post(`/orgs/${other.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id })).status).toBe(404);

    // The customer sends their documents; the banner says they are being checked.
    const sent = await postMultipart(new Client(), newLink, {}, { document: [{ name: "id.pdf", data: pdf() }], photo: [{ name: "me.jpg", data: jpeg() }] });
    expect(sent.status).toBe(200);
    expect(textOf((await client.get(`/orgs/${org.orgId}/billing/orders`)).html)).toContain("Check: documents sent, being checked");

    // K-3: staff approve from the queue: the order is completed (product and invoice) and leaves the banner.
    const staff = await staffSignedIn(await createStaff("support_agent"));
    const [check] = await identityChecksOf(org.rep.userId);
    const detail = await staff.get(`/backoffice/identity-checks/${check.id}`);
    expect(textOf(detail.html)).toContain(`releases and completes the held order ${orderId.slice(0, 8)} (brand:swisscom)`);
    const approved = await staff.post(`/backoffice/identity-checks/${check.id}`, { decision: "approve", confirm: "yes" });
    expect(approved.status).toBe(302);
    const [order] = await orderOf(org.orgId);
    expect(order).toMatchObject({ status: "paid" });
    expect(await productsOf(org.orgId)).toMatchObject([{ name: "swisscom-support.ch", type: "domain" }]);
    expect(await invoicesOf(org.orgId)).toMatchObject([{ order_id: orderId }]);
    expect((await blocksOf(org.orgId))[0]).toMatchObject({ status: "released" });
    expect(await auditEntries(org.orgId, "order.released")).toHaveLength(1);
    expect(textOf((await client.get(`/orgs/${org.orgId}/billing/orders`)).html)).not.toContain("Orders on hold for a security check");
  });

  it("B-14: a card issued in another country than the organization's holds the order; a rejected check is replaced by a new one when the e-mail is sent again", async () => {
    setClock(() => NOW);
    const org = await orgWithStaff("Ausland");
    const client = await signedIn(org.admin);
    const orderId = await orderAndPayByCard(client, org.orgId, "ausland-shop.ch", TEST_CARDS.successIssuedInFrance);
    const [block] = await blocksOf(org.orgId);
    expect(block).toMatchObject({ order_id: orderId, reasons: ["payment_country:FR"] });
    expect((await orderOf(org.orgId))[0].status).toBe("pending");
    expect(await productsOf(org.orgId)).toEqual([]);

    const link = identityPathIn((await outboxTo(org.admin.email))[0].body_text);
    await postMultipart(new Client(), link, {}, { document: [{ name: "id.pdf", data: pdf() }], photo: [{ name: "me.jpg", data: jpeg() }] });
    // While the documents are being checked, no new e-mail is needed.
    setClock(() => addMs(NOW, 10 * MINUTE));
    expect((await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id })).status).toBe(409);
    const staff = await staffSignedIn(await createStaff("administrator"));
    const [check] = await identityChecksOf(org.admin.userId);
    expect((await staff.post(`/backoffice/identity-checks/${check.id}`, { decision: "reject", rejectionReason: "Name does not match.", confirm: "yes" })).status).toBe(302);
    // Rejected: the order stays held.
    expect((await orderOf(org.orgId))[0].status).toBe("pending");
    expect((await blocksOf(org.orgId))[0].status).toBe("blocked");

    const resent = await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "resendBlockNotice", blockId: block.id });
    expect(resent.status).toBe(302);
    const checks = await identityChecksOf(org.admin.userId);
    expect(checks.map((c) => c.status)).toEqual(["rejected", "requested"]);
    expect((await blocksOf(org.orgId))[0].identity_check_id).toBe(checks[1].id);
  });

  it("B-14: many new orders in a short time: the next one is held, earlier ones are completed", async () => {
    setClock(() => NOW);
    const org = await orgWithStaff("Viele");
    await givePrepaid(org.orgId, 100_000);
    const client = await signedIn(org.rep);
    for (let i = 0; i < 6; i++) {
      setClock(() => addMs(NOW, i * MINUTE));
      expect((await client.post(`/orgs/${org.orgId}/billing/order-new`, { typeCode: "hosting-starter", name: `Site ${i + 1}`, months: "1" })).status).toBe(302);
    }
    const orders = (await orderOf(org.orgId)).reverse(); // oldest first
    setClock(() => addMs(NOW, 10 * MINUTE));
    // The first order (no other in the hour before it) completes with the prepaid balance.
    expect((await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "pay", orderId: orders[0].id, method: "prepaid" })).status).toBe(302);
    // The sixth (six new orders within the hour) is held.
    expect((await client.post(`/orgs/${org.orgId}/billing/orders`, { intent: "pay", orderId: orders[5].id, method: "prepaid" })).status).toBe(302);
    const after = await orderOf(org.orgId);
    expect(after.find((o) => o.id === orders[0].id)!.status).toBe("paid");
    expect(after.find((o) => o.id === orders[5].id)!.status).toBe("pending");
    expect(await blocksOf(org.orgId)).toMatchObject([{ order_id: orders[5].id, reasons: ["velocity:6"] }]);
    expect((await productsOf(org.orgId)).map((p) => p.name)).toEqual(["Site 1"]);
  });

  it("B-14: without a reaction within 10 days the job cancels the held order and refunds the full amount to the original methods, once however often it runs", async () => {
    setClock(() => NOW);
    const org = await orgWithStaff("Storno");
    await givePrepaid(org.orgId, 1000);
    const client = await signedIn(org.admin);
    // 15.90 + 8.1 % VAT = 17.19: 10.00 from the prepaid balance, 7.19 by card.
    const orderId = await orderAndPayByCard(client, org.orgId, "ubs-ebanking.ch");
    expect(await prepaidBalance(org.orgId)).toBe(0);
    expect((await paymentsOf(org.orgId)).map((p) => [p.method, p.amount, p.status])).toEqual([
      ["prepaid", 1000, "succeeded"],
      ["visa", 719, "succeeded"],
    ]);
    // Another held order whose documents are being checked: that is a reaction, it stays.
    const waiting = await orgWithStaff("Wartet");
    const waitingClient = await signedIn(waiting.admin);
    await orderAndPayByCard(waitingClient, waiting.orgId, "google-konto.ch");
    const link = identityPathIn((await outboxTo(waiting.admin.email))[0].body_text);
    expect((await postMultipart(new Client(), link, {}, { document: [{ name: "id.pdf", data: pdf() }], photo: [{ name: "me.jpg", data: jpeg() }] })).status).toBe(200);

    setClock(() => addMs(NOW, 9 * DAY));
    await workers.sink.add("cancel-held-orders", {}, "held-1");
    await finishedJob(workers.sink.queue, "held-1");
    expect((await orderOf(org.orgId))[0].status).toBe("pending");

    setClock(() => addMs(NOW, 10 * DAY + HOUR));
    await workers.sink.add("cancel-held-orders", {}, "held-2");
    await finishedJob(workers.sink.queue, "held-2");
    expect((await orderOf(org.orgId))[0]).toMatchObject({ id: orderId, status: "cancelled" });
    expect((await paymentsOf(org.orgId)).map((p) => [p.method, p.status])).toEqual([
      ["prepaid", "refunded"],
      ["visa", "refunded"],
    ]);
    expect(await prepaidBalance(org.orgId)).toBe(1000);
    expect((await blocksOf(org.orgId))[0]).toMatchObject({ status: "cancelled", cancelled_at: addMs(NOW, 10 * DAY + HOUR) });
    expect(await productsOf(org.orgId)).toEqual([]);
    expect(await auditEntries(org.orgId, "payment.refunded")).toMatchObject([{ data: { amount: 719, method: "visa", cause: "held_order_cancelled" } }]);
    expect(await auditEntries(org.orgId, "payment.prepaid_refunded")).toHaveLength(1);
    const [mail] = await outboxTo(org.admin.email);
    expect(mail.subject).toBe("Your held order was cancelled and refunded");
    expect(mail.body_text).toContain("17.19");
    // The order's upload link no longer works; the banner is gone.
    expect(textOf((await new Client().get(identityPathIn((await outboxTo(org.admin.email))[1].body_text))).html)).toContain("This link cannot be used");
    expect(textOf((await client.get(`/orgs/${org.orgId}/billing/orders`)).html)).not.toContain("Orders on hold");
    expect((await orderOf(waiting.orgId))[0].status).toBe("pending");

    // Once: a second run refunds nothing more.
    await workers.sink.add("cancel-held-orders", {}, "held-3");
    expect((await finishedJob(workers.sink.queue, "held-3")).returnvalue).toMatchObject({ cancelled: 0 });
    expect(await auditEntries(org.orgId, "payment.refunded")).toHaveLength(1);
    expect(await prepaidBalance(org.orgId)).toBe(1000);
  });
});
