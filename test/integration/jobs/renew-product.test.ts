import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../support/factories";
import { createRenewableProduct } from "../../support/billing";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { captureWebhooks, givePrepaid, invoicesOf, paymentsOf, postWebhook, prepaidBalance, type SentWebhook } from "../../support/payments";
import { eventually } from "../../support/smtp";
import { appDb, testDb } from "../../support/setup";
import { setJobSink } from "../../../app/jobs.server";
import { formatDate } from "../../../app/i18n/index";
import { sandboxCardToken, setSandboxWebhookTransport, TEST_CARDS } from "../../../app/domain/payments/sandbox-gateway.server";
import { addMs, DAY, setClock } from "../../../app/lib/clock";
import { runJob } from "../../../workers/handlers";

// The auto-renewal charge (B-4, B-9): the daily sweep records today's attempts and enqueues
// one `renew-product` job each, run here by the real BullMQ worker; the sandbox gateway's
// signed webhook, posted to the real route, settles the charge.
// 08:00 in Zurich (summer time) on 10 June 2026; products expire at noon, 14 days later.
const morning = new Date("2026-06-10T06:00:00Z");
const noon = new Date("2026-06-10T10:00:00Z");

let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;
let hooks: SentWebhook[];
let sweeps = 0;

beforeAll(async () => {
  workers = await startTestBullWorkers(appDb());
  // The every-scheduler runs a (real-time) sweep at once: let it finish before moving the clock.
  const first = await eventually(async () => (await workers.sink.queue.getJobs(["completed", "failed"])).find((j) => j.name === "renewal-sweep"));
  expect(first?.finishedOn).toBeDefined();
  // Renewal jobs go to the real worker; mail delivery is another test's business (the outbox is asserted here).
  setJobSink({
    add: async (name, payload, jobId) => (name === "renew-product" ? workers.sink.add(name, payload, jobId) : undefined),
    addBulk: async (name, jobs) => (name === "renew-product" ? workers.sink.addBulk(name, jobs) : undefined),
  });
  hooks = captureWebhooks();
});

afterAll(async () => {
  setJobSink(undefined);
  setSandboxWebhookTransport(undefined);
  await workers?.close();
});

/** An org whose product auto-renews with a saved card made from `card` (null: no saved method). */
async function autoRenewingProduct(card: string | null, expiresInDays = 14) {
  const user = await createUser();
  const productId = await createRenewableProduct(user.orgId, { code: "domain-ch", from: noon, expiresInDays, autoRenew: "visa" });
  if (card) {
    const saved = await testDb()
      .insertInto("saved_payment_methods")
      .values({ org_id: user.orgId, method: "visa", gateway_token: sandboxCardToken(user.orgId, card), label: `•••• ${card.slice(-4)}` })
      .returning("id")
      .executeTakeFirstOrThrow();
    await testDb().updateTable("products").set({ auto_renew_payment_method_id: saved.id }).where("id", "=", productId).execute();
  }
  return { ...user, productId, expiry: addMs(noon, expiresInDays * DAY) };
}

/** Runs the daily sweep through the worker, then waits for the renewal jobs it enqueued for `productId`. */
async function sweepAndRenew(productId: string) {
  const sweepId = `renewal-sweep-test-${++sweeps}`;
  await workers.sink.add("renewal-sweep", {}, sweepId);
  expect((await finishedJob(workers.sink.queue, sweepId)).state).toBe("completed");
  const attempts = await attemptsOf(productId);
  for (const a of attempts) {
    const job = await finishedJob(workers.sink.queue, `renew-${a.id}`);
    expect(job.state).toBe("completed");
  }
  return attemptsOf(productId);
}

async function attemptsOf(productId: string) {
  return testDb()
    .selectFrom("renewal_attempts")
    .select(["id", "status", "order_id", "failure_reason", sql<string>`attempt_day::text`.as("day")])
    .where("product_id", "=", productId)
    .orderBy("created_at")
    .execute();
}

function hooksOf(orgId: string) {
  return hooks.filter((h) => (JSON.parse(h.body) as { data: { metadata: { orgId: string } } }).data.metadata.orgId === orgId);
}

async function mailsOf(orgId: string) {
  return testDb().selectFrom("email_outbox").select(["kind", "to_address", "subject", "body_text"]).where("org_id", "=", orgId).orderBy("created_at").execute();
}

async function expiryOf(productId: string) {
  return (await testDb().selectFrom("products").select("expires_at").where("id", "=", productId).executeTakeFirstOrThrow()).expires_at;
}

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

describe("renew-product job", () => {
  it("B-4: 14 days before expiry the sweep and the job charge the saved card once; after the signed webhook the expiry is extended, an invoice issued, the attempt succeeded and a mail queued", async () => {
    const org = await autoRenewingProduct(TEST_CARDS.success);
    setClock(() => morning);
    const [attempt] = await sweepAndRenew(org.productId);
    expect(attempt).toMatchObject({ status: "charging", day: "2026-06-10" });

    // Nothing is paid before the gateway's signed confirmation.
    const sent = hooksOf(org.orgId);
    expect(sent).toHaveLength(1);
    const payments = await paymentsOf(org.orgId);
    expect(payments.map((p) => [p.method, p.status])).toEqual([["visa", "pending"]]);
    expect(payments[0].idempotency_key).toBe(`renewal-${attempt.id}`);
    expect(await expiryOf(org.productId)).toEqual(org.expiry);
    expect(await invoicesOf(org.orgId)).toEqual([]);

    const page = await postWebhook(sent[0]);
    expect(page.status).toBe(200);
    expect(JSON.parse(page.html)).toMatchObject({ outcome: "processed" });

    expect(await expiryOf(org.productId)).toEqual(addMonths(org.expiry, 12));
    const [invoice] = await invoicesOf(org.orgId);
    expect(invoice.order_id).toBe(attempt.order_id);
    expect(invoice.total_amount).toBe(payments[0].amount);
    expect((await attemptsOf(org.productId)).map((a) => a.status)).toEqual(["succeeded"]);
    expect((await paymentsOf(org.orgId)).map((p) => p.status)).toEqual(["succeeded"]);
    const mails = await mailsOf(org.orgId);
    expect(mails.map((m) => [m.kind, m.to_address])).toEqual([["auto_renewal_succeeded", org.email]]);
    expect(mails[0].body_text).toContain(invoice.number);
  });

  it("B-4: running the sweep and the job twice on the same day charges nobody twice", async () => {
    const org = await autoRenewingProduct(TEST_CARDS.success);
    setClock(() => morning);
    const first = await sweepAndRenew(org.productId);
    const second = await sweepAndRenew(org.productId);
    expect(second).toEqual(first);
    // The job itself run again for the same attempt does nothing.
    expect(await runJob(appDb(), "renew-product", { attemptId: first[0].id })).toEqual({ outcome: "nothing" });
    expect(hooksOf(org.orgId)).toHaveLength(1);
    expect(await paymentsOf(org.orgId)).toHaveLength(1);

    await postWebhook(hooksOf(org.orgId)[0]);
    // A replayed webhook and a later sweep the same day change nothing either.
    expect(JSON.parse((await postWebhook(hooksOf(org.orgId)[0])).html)).toMatchObject({ outcome: "duplicate" });
    await sweepAndRenew(org.productId);
    expect(await paymentsOf(org.orgId)).toHaveLength(1);
    expect(await invoicesOf(org.orgId)).toHaveLength(1);
    expect(await expiryOf(org.productId)).toEqual(addMonths(org.expiry, 12));
    expect((await mailsOf(org.orgId)).map((m) => m.kind)).toEqual(["auto_renewal_succeeded"]);
  });

  it("B-4, B-9: a declined saved card fails the attempt, gives the prepaid part back and mails that it will be retried; day 10 retries", async () => {
    const org = await autoRenewingProduct(TEST_CARDS.declined);
    await givePrepaid(org.orgId, 500);
    setClock(() => morning);
    const [attempt] = await sweepAndRenew(org.productId);
    expect(attempt.status).toBe("charging");
    // B-9: the prepaid balance paid first, the rest went to the card.
    expect(await prepaidBalance(org.orgId)).toBe(0);
    expect((await paymentsOf(org.orgId)).map((p) => [p.method, p.status])).toEqual(expect.arrayContaining([["prepaid", "succeeded"], ["visa", "pending"]]));

    const [declined] = hooksOf(org.orgId);
    expect(JSON.parse(declined.body)).toMatchObject({ type: "payment.failed", data: { failureReason: "card_declined" } });
    await postWebhook(declined);
    expect(await prepaidBalance(org.orgId)).toBe(500);
    expect((await attemptsOf(org.productId)).map((a) => [a.status, a.failure_reason])).toEqual([["failed", "card_declined"]]);
    const order = await testDb().selectFrom("orders").select("status").where("id", "=", attempt.order_id!).executeTakeFirstOrThrow();
    expect(order.status).toBe("cancelled");
    expect(await expiryOf(org.productId)).toEqual(org.expiry);
    expect(await invoicesOf(org.orgId)).toEqual([]);
    const [mail] = await mailsOf(org.orgId);
    expect(mail.kind).toBe("auto_renewal_failed_retry");
    expect(mail.body_text).toContain(formatDate("2026-06-14T12:00:00Z", "en"));

    // Nothing more the next days, then the retry 10 days before expiry.
    setClock(() => addMs(morning, DAY));
    expect(await sweepAndRenew(org.productId)).toHaveLength(1);
    setClock(() => addMs(morning, 4 * DAY));
    const retried = await sweepAndRenew(org.productId);
    expect(retried.map((a) => [a.day, a.status])).toEqual([
      ["2026-06-10", "failed"],
      ["2026-06-14", "charging"],
    ]);
    expect(await prepaidBalance(org.orgId)).toBe(0);
    const again = hooksOf(org.orgId);
    expect(again).toHaveLength(2);
    await postWebhook(again[1]);
    expect(await prepaidBalance(org.orgId)).toBe(500);
    expect((await attemptsOf(org.productId)).map((a) => a.status)).toEqual(["failed", "failed"]);
    const mails = await mailsOf(org.orgId);
    expect(mails.map((m) => m.kind)).toEqual(["auto_renewal_failed_retry", "auto_renewal_failed_retry"]);
    expect(mails[1].body_text).toContain(formatDate("2026-06-17T12:00:00Z", "en"));
  });

  it("B-4: after the last attempt (1 day before expiry) fails, the mail says the product stays due in the \"to pay\" list", async () => {
    const org = await autoRenewingProduct(TEST_CARDS.insufficientFunds, 1);
    setClock(() => morning);
    const [attempt] = await sweepAndRenew(org.productId);
    expect(attempt.day).toBe("2026-06-10");
    await postWebhook(hooksOf(org.orgId)[0]);
    expect((await attemptsOf(org.productId)).map((a) => [a.status, a.failure_reason])).toEqual([["failed", "insufficient_funds"]]);
    const mails = await mailsOf(org.orgId);
    expect(mails.map((m) => m.kind)).toEqual(["auto_renewal_failed_final"]);
    expect(mails[0].body_text).toContain("To pay");
    const product = await testDb().selectFrom("products").select(["auto_renew", "expires_at"]).where("id", "=", org.productId).executeTakeFirstOrThrow();
    expect(product).toEqual({ auto_renew: true, expires_at: org.expiry });
  });

  it("B-9: a prepaid balance covering the whole renewal pays it without the gateway", async () => {
    const org = await autoRenewingProduct(null);
    await givePrepaid(org.orgId, 100_000);
    setClock(() => morning);
    const [attempt] = await sweepAndRenew(org.productId);
    expect(attempt.status).toBe("succeeded");
    expect(hooksOf(org.orgId)).toEqual([]);
    const payments = await paymentsOf(org.orgId);
    expect(payments.map((p) => [p.method, p.status])).toEqual([["prepaid", "succeeded"]]);
    expect(await prepaidBalance(org.orgId)).toBe(100_000 - payments[0].amount);
    const [invoice] = await invoicesOf(org.orgId);
    expect(invoice.total_amount).toBe(payments[0].amount);
    expect(await expiryOf(org.productId)).toEqual(addMonths(org.expiry, 12));
    expect((await mailsOf(org.orgId)).map((m) => m.kind)).toEqual(["auto_renewal_succeeded"]);
  });

  it("B-4: without a saved method and without enough prepaid balance the attempt fails and says so by mail", async () => {
    const org = await autoRenewingProduct(null);
    await givePrepaid(org.orgId, 300);
    setClock(() => morning);
    const [attempt] = await sweepAndRenew(org.productId);
    expect([attempt.status, attempt.failure_reason]).toEqual(["failed", "no_saved_method"]);
    expect(await prepaidBalance(org.orgId)).toBe(300);
    expect(await invoicesOf(org.orgId)).toEqual([]);
    expect((await mailsOf(org.orgId)).map((m) => m.kind)).toEqual(["auto_renewal_failed_retry"]);
  });

  it("B-4: a product renewed by hand before its job runs is skipped and charged nothing", async () => {
    const org = await autoRenewingProduct(TEST_CARDS.success);
    setClock(() => morning);
    const attempt = await testDb()
      .insertInto("renewal_attempts")
      .values({ org_id: org.orgId, product_id: org.productId, period_expires_at: org.expiry, attempt_day: "2026-06-10" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await testDb().updateTable("products").set({ expires_at: addMonths(org.expiry, 12) }).where("id", "=", org.productId).execute();
    expect(await runJob(appDb(), "renew-product", { attemptId: attempt.id })).toEqual({ outcome: "skipped" });
    expect((await attemptsOf(org.productId)).map((a) => [a.status, a.failure_reason])).toEqual([["skipped", "already_renewed"]]);
    expect(await paymentsOf(org.orgId)).toEqual([]);
    expect(hooksOf(org.orgId)).toEqual([]);
  });
});
