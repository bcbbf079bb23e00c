import { afterEach, describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { createUser } from "../../support/factories";
import { testDb } from "../../support/setup";

async function queue(to: string, subject: string, text: string) {
  await testDb().insertInto("email_outbox").values({ to_address: to, subject, body_text: text, kind: "test" }).execute();
}

const savedEnv = { NODE_ENV: process.env.NODE_ENV, DEMO: process.env.DEMO, SMTP_URL: process.env.SMTP_URL };
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe("local mail page", () => {
  it("O-8: without SMTP the local mailbox lists the mails newest first with clickable links", async () => {
    const user = await createUser();
    await queue("first@example.ch", "Older mail", "Nothing to click.");
    await new Client().post("/forgot-password", { email: user.email });

    const page = await new Client().get("/dev/mail");
    expect(page.status).toBe(200);
    expect(page.response.headers.get("Cache-Control")).toBe("no-store");
    const text = textOf(page.html);
    expect(text).toContain("Local mailbox");
    expect(text.indexOf("Choose a new password for the Partner Portal")).toBeLessThan(text.indexOf("Older mail"));
    expect(text).toContain(user.email);
    const link = page.html.match(/<a href="(http:\/\/localhost:\d+\/reset-password\/[A-Za-z0-9_-]+)"/);
    expect(link).not.toBeNull();

    // The link works: it opens the reset form.
    const reset = await new Client().get(new URL(link![1]).pathname);
    expect(textOf(reset.html)).toContain("Save the new password");
  });

  it("the local mailbox is paged, 20 mails a page", async () => {
    for (let i = 0; i < 23; i++) await queue(`bulk${i}@example.ch`, `Bulk ${i}`, "Body");
    const first = await new Client().get("/dev/mail");
    expect(first.html.match(/data-testid="mail"/g)).toHaveLength(20);
    expect(textOf(first.html)).toMatch(/Page 1 of \d+/);
    const last = await new Client().get("/dev/mail?page=99");
    expect(last.status).toBe(200);
    expect(textOf(last.html)).toMatch(/Page (\d+) of \1/);
  });

  it("the header links the local mailbox only where it exists", async () => {
    expect((await new Client().get("/login")).html).toContain('href="/dev/mail"');
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    expect((await new Client().get("/login")).html).not.toContain('href="/dev/mail"');
  });

  it("O-8: with SMTP_URL set, or in production outside the demo, the local mailbox does not exist", async () => {
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    expect((await new Client().get("/dev/mail")).status).toBe(404);
    delete process.env.SMTP_URL;

    process.env.NODE_ENV = "production";
    delete process.env.DEMO;
    expect((await new Client().get("/dev/mail")).status).toBe(404);
    process.env.DEMO = "1";
    expect((await new Client().get("/dev/mail")).status).toBe(200);
  });
});
