import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../support/factories";
import { createRenewableProduct } from "../../support/billing";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { eventually } from "../../support/smtp";
import { appDb, testDb } from "../../support/setup";
import { loadUserActor } from "../../../app/auth/actor.server";
import { transaction, withActor } from "../../../app/domain/tx.server";
import { addMs, DAY, HOUR, setClock } from "../../../app/lib/clock";
import { runJob } from "../../../workers/handlers";
import { recordDueRenewals } from "../../../workers/jobs/renewal-sweep";

// The daily renewal sweep (B-4): which auto-renewals are due for a charge attempt today.
// 08:00 in Zurich (summer time) on 10 June 2026; products expire at noon, N days later.
const morning = new Date("2026-06-10T06:00:00Z");
const noon = new Date("2026-06-10T10:00:00Z");

let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;

beforeAll(async () => {
  workers = await startTestBullWorkers(appDb());
  // An every-scheduler runs its job at once: let that first (real-time) sweep finish before
  // the tests move the clock, so it cannot record attempts in the middle of one.
  const first = await eventually(async () => (await workers.sink.queue.getJobs(["completed", "failed"])).find((j) => j.name === "renewal-sweep"));
  expect(first?.finishedOn).toBeDefined();
});

afterAll(async () => {
  await workers?.close();
});

async function autoRenewing(orgId: string, expiresInDays: number) {
  return createRenewableProduct(orgId, { code: "domain-ch", from: noon, expiresInDays, autoRenew: "visa" });
}

async function attemptsOf(productIds: string[]) {
  const rows = await testDb()
    .selectFrom("renewal_attempts")
    .select(["product_id", "period_expires_at", "status", sql<string>`attempt_day::text`.as("day")])
    .where("product_id", "in", productIds)
    .orderBy("created_at")
    .execute();
  return rows;
}

describe("renewal sweep", () => {
  it("B-4: products with auto-renewal on expiring in 14, 10, 7, 3 and 1 days are due; 13, 15, 0 days and auto-renewal off are not", async () => {
    const { orgId } = await createUser();
    const due = new Map<number, string>();
    for (const days of [14, 10, 7, 3, 1]) due.set(days, await autoRenewing(orgId, days));
    const notDue = [
      await autoRenewing(orgId, 13),
      await autoRenewing(orgId, 15),
      await autoRenewing(orgId, 20),
      await autoRenewing(orgId, 0),
      await autoRenewing(orgId, -3),
      await createRenewableProduct(orgId, { code: "domain-ch", from: noon, expiresInDays: 14 }),
      await createRenewableProduct(orgId, { code: "mail-standard", from: noon, expiresInDays: 7 }),
    ];

    setClock(() => morning);
    const { day, attempts } = await recordDueRenewals(appDb());
    expect(day).toBe("2026-06-10");
    const mine = attempts.filter((a) => a.orgId === orgId);
    expect(new Map(mine.map((a) => [a.daysBeforeExpiry, a.productId]))).toEqual(due);
    for (const a of mine) {
      expect(a.attemptDay).toBe("2026-06-10");
      expect(a.periodExpiresAt).toEqual(addMs(noon, a.daysBeforeExpiry * DAY));
    }
    const recorded = await attemptsOf([...due.values(), ...notDue]);
    expect(recorded.map((r) => r.product_id).sort()).toEqual([...due.values()].sort());
    expect(recorded.every((r) => r.status === "queued" && r.day === "2026-06-10")).toBe(true);
  });

  it("B-4: days before expiry are counted in Zurich calendar days", async () => {
    const { orgId } = await createUser();
    // 23:30 and 00:30 in Zurich on the evening 14 days ahead and the night after it.
    const lateOn14th = await createRenewableProduct(orgId, { code: "domain-ch", from: new Date("2026-06-24T21:30:00Z"), expiresInDays: 0, autoRenew: "visa" });
    const earlyOn15th = await createRenewableProduct(orgId, { code: "domain-ch", from: new Date("2026-06-24T22:30:00Z"), expiresInDays: 0, autoRenew: "visa" });
    // 00:30 in Zurich on 10 June is still 9 June in UTC.
    setClock(() => new Date("2026-06-09T22:30:00Z"));
    const { day } = await recordDueRenewals(appDb());
    expect(day).toBe("2026-06-10");
    expect((await attemptsOf([lateOn14th, earlyOn15th])).map((r) => r.product_id)).toEqual([lateOn14th]);
  });

  it("B-4: running the sweep twice on the same day records each attempt once", async () => {
    const { orgId } = await createUser();
    const product = await autoRenewing(orgId, 14);
    setClock(() => morning);
    const first = await recordDueRenewals(appDb());
    expect(first.attempts.filter((a) => a.productId === product)).toHaveLength(1);
    const second = await recordDueRenewals(appDb());
    expect(second.attempts.filter((a) => a.orgId === orgId)).toEqual([]);
    // Later the same day, and two runs at once.
    setClock(() => addMs(morning, 14 * HOUR));
    const racing = await Promise.all([recordDueRenewals(appDb()), recordDueRenewals(appDb())]);
    expect(racing.flatMap((r) => r.attempts).filter((a) => a.orgId === orgId)).toEqual([]);
    expect(await attemptsOf([product])).toHaveLength(1);
  });

  it("B-4: moving the clock a day finds the next retry day; over the 14 days a product is tried on days 14, 10, 7, 3 and 1 only", async () => {
    const { orgId } = await createUser();
    const product = await autoRenewing(orgId, 14);
    const elevenDays = await autoRenewing(orgId, 11);
    setClock(() => morning);
    await recordDueRenewals(appDb());
    expect((await attemptsOf([product, elevenDays])).map((r) => r.product_id)).toEqual([product]);

    setClock(() => addMs(morning, DAY));
    const next = await recordDueRenewals(appDb());
    expect(next.attempts.filter((a) => a.orgId === orgId).map((a) => [a.productId, a.daysBeforeExpiry])).toEqual([[elevenDays, 10]]);

    for (let d = 2; d <= 16; d++) {
      setClock(() => addMs(morning, d * DAY));
      await recordDueRenewals(appDb());
    }
    const days = (await attemptsOf([product])).map((r) => r.day);
    expect(days).toEqual(["2026-06-10", "2026-06-14", "2026-06-17", "2026-06-21", "2026-06-23"]);
    const period = addMs(noon, 14 * DAY);
    expect((await attemptsOf([product])).every((r) => r.period_expires_at.getTime() === period.getTime())).toBe(true);
  });

  it("B-4: a period already renewed is not tried again; the next period is tried 14 days before its new expiry", async () => {
    const { orgId } = await createUser();
    const product = await autoRenewing(orgId, 10);
    const expiry = addMs(noon, 10 * DAY);
    await testDb()
      .insertInto("renewal_attempts")
      .values({ org_id: orgId, product_id: product, period_expires_at: expiry, attempt_day: "2026-06-06", status: "succeeded" })
      .execute();
    setClock(() => morning);
    await recordDueRenewals(appDb());
    expect((await attemptsOf([product])).map((r) => r.day)).toEqual(["2026-06-06"]);

    const renewedUntil = addMs(expiry, 365 * DAY);
    await testDb().updateTable("products").set({ expires_at: renewedUntil }).where("id", "=", product).execute();
    setClock(() => addMs(renewedUntil, -14 * DAY - 4 * HOUR));
    await recordDueRenewals(appDb());
    const periods = (await attemptsOf([product])).map((r) => [r.period_expires_at.toISOString(), r.status]);
    expect(periods).toEqual([
      [expiry.toISOString(), "succeeded"],
      [renewedUntil.toISOString(), "queued"],
    ]);
  });

  it("B-4: the job runs through runJob (in-process runner) and through the real BullMQ worker", async () => {
    const { orgId } = await createUser();
    const viaRunJob = await autoRenewing(orgId, 7);
    setClock(() => morning);
    const result = await runJob(appDb(), "renewal-sweep", {});
    expect(result).toMatchObject({ day: "2026-06-10" });
    expect((result as { recorded: number }).recorded).toBeGreaterThanOrEqual(1);
    expect(await attemptsOf([viaRunJob])).toHaveLength(1);

    const viaWorker = await autoRenewing(orgId, 3);
    await workers.sink.add("renewal-sweep", {}, "renewal-sweep-test");
    const job = await finishedJob(workers.sink.queue, "renewal-sweep-test");
    expect(job.state).toBe("completed");
    expect(job.returnvalue).toEqual({ day: "2026-06-10", recorded: 1 });
    expect((await attemptsOf([viaRunJob, viaWorker])).map((r) => r.product_id)).toEqual([viaRunJob, viaWorker]);
  });

  it("B-4: the sweep is scheduled daily with a BullMQ job scheduler", async () => {
    const schedulers = await workers.sink.queue.getJobSchedulers();
    const renewal = schedulers.find((s) => s.key === "schedule-renewal-sweep");
    expect(renewal).toMatchObject({ name: "renewal-sweep", every: 24 * 60 * 60 * 1000 });
  });

  it("B-4: an organization reads its own renewal attempts only; without the job setting the sweep's policy lets nothing through", async () => {
    const a = await createUser();
    const b = await createUser();
    await autoRenewing(a.orgId, 14);
    await autoRenewing(b.orgId, 14);
    setClock(() => morning);
    await recordDueRenewals(appDb());
    const actor = await loadUserActor(appDb(), { id: a.userId, email: a.email });
    const seen = await withActor(appDb(), actor, (trx) => trx.selectFrom("renewal_attempts").select("org_id").distinct().execute());
    expect(seen.map((r) => r.org_id)).toEqual([a.orgId]);
    const bare = await transaction(appDb(), (trx) => trx.selectFrom("renewal_attempts").select("id").execute());
    expect(bare).toEqual([]);
  });
});
