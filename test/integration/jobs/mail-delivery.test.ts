import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";
import { startSmtpServer, resetTokenIn, outboxTo, type TestSmtpServer } from "../../support/smtp";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { setJobSink } from "../../../app/jobs.server";
import { runJob } from "../../../workers/handlers";
import { deliverEmail } from "../../../workers/jobs/deliver-email";

let smtp: TestSmtpServer;
let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  workers = await startTestBullWorkers(appDb());
  setJobSink(workers.sink);
});

afterAll(async () => {
  setJobSink(undefined);
  await workers?.close();
  await smtp?.close();
  delete process.env.SMTP_URL;
});

async function queueTestMail(to: string, subject: string): Promise<string> {
  const row = await testDb()
    .insertInto("email_outbox")
    .values({ to_address: to, subject, body_text: "Grüezi – a test mail.", kind: "test" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("mail delivery through the outbox and BullMQ", () => {
  it("O-8: a reset request is mailed over SMTP by the BullMQ worker, and its link resets the password", async () => {
    const user = await createUser({ name: "Lea Zürcher" });
    const session = await signedIn(user);
    const page = await new Client().post("/forgot-password", { email: user.email });
    expect(page.status).toBe(200);

    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(user.email));
    expect(mail.to).toBe(user.email);
    expect(mail.subject).toBe("Choose a new password for the Partner Portal");
    expect(mail.headers["x-portal-mail-kind"]).toBe("password_reset");
    expect(mail.text).toContain("Hello Lea Zürcher");
    expect(mail.text).not.toContain(user.password);
    const [queued] = await outboxTo(user.email);
    expect(mail.headers["message-id"]).toBe(`<${queued.id}@portal.mail>`);
    expect(await finishedJob(workers.sink.queue, `email-${queued.id}`)).toMatchObject({ state: "completed", returnvalue: "sent" });
    const [row] = await outboxTo(user.email);
    expect(row.sent_at).not.toBeNull();
    expect(row.attempts).toBe(1);

    const token = resetTokenIn(mail.text);
    const link = mail.text.match(/https?:\/\/\S+\/reset-password\/\S+/)![0];
    const browser = new Client();
    expect(textOf((await browser.get(new URL(link).pathname)).html)).toContain("Choose a new password");
    const newPassword = "mailed-link-password";
    const done = await browser.post(`/reset-password/${token}`, { password: newPassword, confirm: newPassword });
    expect(done.status).toBe(302);
    expect((await session.get("/account")).status).toBe(302);
    const fresh = await signedIn({ email: user.email, password: newPassword });
    expect((await fresh.get("/account")).status).toBe(200);
  });

  it("O-8: running the same delivery job twice sends one mail", async () => {
    const to = `twice.${randomUUID().slice(0, 8)}@example.ch`;
    const id = await queueTestMail(to, "Only once");
    await workers.sink.add("deliver-email", { outboxId: id }, `email-${id}`);
    expect(await finishedJob(workers.sink.queue, `email-${id}`)).toMatchObject({ state: "completed", returnvalue: "sent" });
    await smtp.waitForMail((m) => m.envelopeTo.includes(to));

    // A retry of the job, a second worker or the outbox sweep: the mail is already sent.
    expect(await runJob(appDb(), "deliver-email", { outboxId: id })).toBe("skipped");
    await workers.sink.add("deliver-email", { outboxId: id }, `email-${id}-again`);
    expect(await finishedJob(workers.sink.queue, `email-${id}-again`)).toMatchObject({ state: "completed", returnvalue: "skipped" });
    expect(smtp.received.filter((m) => m.envelopeTo.includes(to))).toHaveLength(1);
    const row = await testDb().selectFrom("email_outbox").select(["attempts", "sent_at"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.attempts).toBe(1);
  });

  it("O-8: two deliveries of one mail at the same moment send it once", async () => {
    const to = `race.${randomUUID().slice(0, 8)}@example.ch`;
    const id = await queueTestMail(to, "Raced");
    const results = await Promise.all([deliverEmail(appDb(), { outboxId: id }), deliverEmail(appDb(), { outboxId: id })]);
    expect(results.sort()).toEqual(["sent", "skipped"]);
    await smtp.waitForMail((m) => m.envelopeTo.includes(to));
    // Give a duplicate the time to arrive, if there were one.
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.received.filter((m) => m.envelopeTo.includes(to))).toHaveLength(1);
  });

  it("a delivery job for an unknown outbox id does nothing", async () => {
    const before = smtp.received.length;
    const unknown = randomUUID();
    await workers.sink.add("deliver-email", { outboxId: unknown }, `email-${unknown}`);
    expect(await finishedJob(workers.sink.queue, `email-${unknown}`)).toMatchObject({ state: "completed", returnvalue: "skipped" });
    expect(smtp.received.length).toBe(before);
    expect(await testDb().selectFrom("email_outbox").select("id").where("id", "=", unknown).execute()).toHaveLength(0);
  });

  it("a failed delivery is recorded on the outbox row and retried until it is sent", async () => {
    const to = `retry.${randomUUID().slice(0, 8)}@example.ch`;
    const id = await queueTestMail(to, "Retried");
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    await expect(deliverEmail(appDb(), { outboxId: id })).rejects.toThrow();
    const failed = await testDb().selectFrom("email_outbox").select(["attempts", "sent_at", "last_error"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ attempts: 1, sent_at: null });
    expect(failed.last_error).toMatch(/ECONNREFUSED/);

    process.env.SMTP_URL = smtp.url;
    expect(await deliverEmail(appDb(), { outboxId: id })).toBe("sent");
    await smtp.waitForMail((m) => m.envelopeTo.includes(to));
    const sent = await testDb().selectFrom("email_outbox").select(["attempts", "last_error"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(sent).toEqual({ attempts: 2, last_error: null });
  });

  it("the subject and text arrive intact, accents included", async () => {
    const to = `accents.${randomUUID().slice(0, 8)}@example.ch`;
    await queueTestMail(to, "Réinitialisation – Passwort zurücksetzen");
    const [row] = await outboxTo(to);
    await workers.sink.add("deliver-email", { outboxId: row.id }, `email-${row.id}`);
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(to));
    expect(mail.subject).toBe("Réinitialisation – Passwort zurücksetzen");
    expect(mail.text.trim()).toBe("Grüezi – a test mail.");
  });
});
