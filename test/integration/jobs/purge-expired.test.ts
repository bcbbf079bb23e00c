import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../support/app";
import { createUser, signedIn } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { addMs, DAY, HOUR, setClock } from "../../../app/lib/clock";

let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;

beforeAll(async () => {
  workers = await startTestBullWorkers(appDb());
});

afterAll(async () => {
  await workers?.close();
});

describe("purge of expired sessions and reset links", () => {
  it("O-8: the purge job deletes expired sessions and reset links and keeps valid ones", async () => {
    const db = testDb();
    const start = new Date();
    const old = await createUser();
    const recent = await createUser();
    const used = await createUser();

    setClock(() => start);
    const oldSession = await signedIn(old);
    await new Client().post("/forgot-password", { email: old.email });
    await new Client().post("/forgot-password", { email: used.email });
    await db.updateTable("password_reset_tokens").set({ used_at: start }).where("user_id", "=", used.userId).execute();

    // Ten days later: a fresh session and a fresh link.
    setClock(() => addMs(start, 10 * DAY));
    const recentSession = await signedIn(recent);
    await new Client().post("/forgot-password", { email: recent.email });

    // Fifteen days after the start, the first session (14 days) and the first links (1 hour) are over.
    setClock(() => addMs(start, 15 * DAY));
    await workers.sink.add("purge-expired", {}, "purge-test");
    const job = await finishedJob(workers.sink.queue, "purge-test");
    expect(job.state).toBe("completed");

    const sessions = await db.selectFrom("sessions").select("user_id").where("user_id", "in", [old.userId, recent.userId]).execute();
    expect(sessions.map((s) => s.user_id)).toEqual([recent.userId]);
    const tokens = await db.selectFrom("password_reset_tokens").select("user_id").where("user_id", "in", [old.userId, used.userId, recent.userId]).execute();
    expect(tokens).toEqual([]);
    expect((await oldSession.get("/account")).status).toBe(302);
    expect((await recentSession.get("/account")).status).toBe(200);

    // A link younger than an hour is kept.
    await new Client().post("/forgot-password", { email: recent.email });
    setClock(() => addMs(start, 15 * DAY + HOUR / 2));
    await workers.sink.add("purge-expired", {}, "purge-test-2");
    await finishedJob(workers.sink.queue, "purge-test-2");
    expect(await db.selectFrom("password_reset_tokens").select("id").where("user_id", "=", recent.userId).execute()).toHaveLength(1);
  });
});
