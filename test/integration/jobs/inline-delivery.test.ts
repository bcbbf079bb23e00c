import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../support/app";
import { createUser, signedIn } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";
import { eventually, outboxTo, resetTokenIn, startSmtpServer, type TestSmtpServer } from "../../support/smtp";
import { startInlineWorkers } from "../../../workers/inline";

let smtp: TestSmtpServer;
let stopWorkers: () => void;

beforeAll(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  stopWorkers = startInlineWorkers(appDb());
});

afterAll(async () => {
  stopWorkers?.();
  await smtp?.close();
  delete process.env.SMTP_URL;
});

describe("in-process jobs (no Redis)", () => {
  it("O-8: without Redis the web process itself mails the reset link over SMTP", async () => {
    const user = await createUser();
    await new Client().post("/forgot-password", { email: user.email });
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(user.email));
    expect(mail.subject).toBe("Choose a new password for the Partner Portal");
    // Marked sent when the delivery's transaction commits, right after the SMTP exchange.
    const sent = await eventually(async () => (await outboxTo(user.email))[0].sent_at ?? undefined);
    expect(sent).toBeInstanceOf(Date);

    const token = resetTokenIn(mail.text);
    const browser = new Client();
    const done = await browser.post(`/reset-password/${token}`, { password: "inline-new-password", confirm: "inline-new-password" });
    expect(done.status).toBe(302);
    await signedIn({ email: user.email, password: "inline-new-password" });
  });
});
