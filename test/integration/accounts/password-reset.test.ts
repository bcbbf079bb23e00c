import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn, uniqueEmail } from "../../support/factories";
import { testDb } from "../../support/setup";
import { outboxTo, resetTokenIn } from "../../support/smtp";
import { addMs, HOUR, setClock } from "../../../app/lib/clock";
import { verifyPassword } from "../../../app/auth/password.server";

const NEUTRAL = "If an account exists for this e-mail, a link to choose a new password is on its way.";
const UNUSABLE = "This link cannot be used: it has expired, was already used, or is incomplete.";

async function passwordHashOf(userId: string) {
  return (await testDb().selectFrom("users").select("password_hash").where("id", "=", userId).executeTakeFirstOrThrow()).password_hash;
}

async function requestReset(email: string): Promise<string> {
  const page = await new Client().post("/forgot-password", { email });
  expect(page.status).toBe(200);
  const [mail] = await outboxTo(email.toLowerCase());
  return resetTokenIn(mail.body_text);
}

describe("password reset", () => {
  it("O-8: the forgot-password page answers the same for an existing and an unknown e-mail, and mails a link only to the account", async () => {
    const user = await createUser();
    const unknown = uniqueEmail("nobody");

    const known = await new Client().post("/forgot-password", { email: user.email.toUpperCase() });
    const missing = await new Client().post("/forgot-password", { email: unknown });
    expect(known.status).toBe(200);
    expect(missing.status).toBe(200);
    expect(textOf(known.html)).toContain(NEUTRAL);
    expect(textOf(missing.html)).toContain(NEUTRAL);
    // Nothing on the page depends on whether the account exists.
    expect(textOf(known.html)).toBe(textOf(missing.html));

    expect(await outboxTo(unknown)).toHaveLength(0);
    const mails = await outboxTo(user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].kind).toBe("password_reset");
    expect(mails[0].subject).toBe("Choose a new password for the Partner Portal");
    expect(mails[0].body_text).toMatch(/http:\/\/localhost:\d+\/reset-password\/[A-Za-z0-9_-]{40,}\n/);

    // Only the token's hash is stored, and it expires one hour after the request.
    const token = resetTokenIn(mails[0].body_text);
    const rows = await testDb().selectFrom("password_reset_tokens").selectAll().where("user_id", "=", user.userId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(rows[0].token_hash).not.toContain(token);
    expect(rows[0].used_at).toBeNull();
    const lifetime = rows[0].expires_at.getTime() - rows[0].created_at.getTime();
    expect(Math.abs(lifetime - HOUR)).toBeLessThan(60_000);

    const audit = await testDb().selectFrom("audit_log").selectAll().where("action", "=", "account.password_reset_requested").execute();
    expect(audit.map((a) => [a.target_id, a.org_id])).toEqual([[user.userId, null]]);
  });

  it("O-8: the mailed single-use link sets a new password, ends every session and leads to sign-in", async () => {
    const user = await createUser();
    const elsewhere = await signedIn(user);
    const token = await requestReset(user.email);

    const browser = new Client();
    const form = await browser.get(`/reset-password/${token}`);
    expect(form.status).toBe(200);
    expect(form.response.headers.get("Cache-Control")).toBe("no-store");
    expect(textOf(form.html)).toContain("Choose a new password");

    const newPassword = "a-brand-new-passphrase";
    const done = await browser.post(`/reset-password/${token}`, { password: newPassword, confirm: newPassword });
    expect(done.status).toBe(302);
    expect(done.location).toBe("/login?reset=done");
    const login = await browser.follow(done);
    expect(textOf(login.html)).toContain("Your password was changed and all sessions were signed out.");
    // The password is never shown back.
    expect(login.html).not.toContain(newPassword);

    const db = testDb();
    const row = await db.selectFrom("users").select(["password_hash", "password_changed_at", "created_at"]).where("id", "=", user.userId).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.password_hash, newPassword)).toBe(true);
    expect(row.password_changed_at.getTime()).toBeGreaterThan(row.created_at.getTime());
    expect(await db.selectFrom("sessions").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(0);
    const tokenRow = await db.selectFrom("password_reset_tokens").select("used_at").where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(tokenRow.used_at).not.toBeNull();
    const audit = await db.selectFrom("audit_log").selectAll().where("action", "=", "account.password_reset").where("target_id", "=", user.userId).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].org_id).toBeNull();
    expect(audit[0].data).toEqual({ endedSessions: 1 });

    // The session opened before the reset is gone; the old password no longer works.
    const stale = await elsewhere.get("/account");
    expect(stale.status).toBe(302);
    expect(stale.location).toMatch(/^\/login/);
    const old = await new Client().post("/login", { email: user.email, password: user.password });
    expect(old.status).toBe(400);
    await signedIn({ email: user.email, password: newPassword });

    // Single use: the same link is refused and changes nothing.
    const hashAfter = await passwordHashOf(user.userId);
    const again = await new Client().get(`/reset-password/${token}`);
    expect(textOf(again.html)).toContain(UNUSABLE);
    const replay = await new Client().post(`/reset-password/${token}`, { password: "yet-another-password", confirm: "yet-another-password" });
    expect(replay.status).toBe(409);
    expect(textOf(replay.html)).toContain(UNUSABLE);
    expect(await passwordHashOf(user.userId)).toBe(hashAfter);
  });

  it("O-8: an expired link (over one hour old) is refused and changes nothing", async () => {
    const user = await createUser();
    const session = await signedIn(user);
    const token = await requestReset(user.email);
    const before = await passwordHashOf(user.userId);

    const later = addMs(new Date(), HOUR + 60_000);
    setClock(() => later);
    const page = await new Client().get(`/reset-password/${token}`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(UNUSABLE);
    expect(page.html).not.toContain('name="password"');
    const post = await new Client().post(`/reset-password/${token}`, { password: "too-late-password", confirm: "too-late-password" });
    expect(post.status).toBe(409);
    expect(textOf(post.html)).toContain(UNUSABLE);
    setClock(undefined);

    expect(await passwordHashOf(user.userId)).toBe(before);
    expect(await testDb().selectFrom("sessions").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(1);
    expect((await session.get("/account")).status).toBe(200);
  });

  it("O-8: an unknown or truncated link is refused", async () => {
    const user = await createUser();
    const token = await requestReset(user.email);
    for (const bad of ["not-a-token", token.slice(0, -1)]) {
      const page = await new Client().get(`/reset-password/${bad}`);
      expect(textOf(page.html)).toContain(UNUSABLE);
      const post = await new Client().post(`/reset-password/${bad}`, { password: "whatever-password", confirm: "whatever-password" });
      expect(post.status).toBe(409);
    }
    const row = await testDb().selectFrom("password_reset_tokens").select("used_at").where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
  });

  it("O-8: a new password shorter than 10 characters or not repeated identically is refused and the link stays usable", async () => {
    const user = await createUser();
    const token = await requestReset(user.email);
    const before = await passwordHashOf(user.userId);

    const short = await new Client().post(`/reset-password/${token}`, { password: "short", confirm: "short" });
    expect(short.status).toBe(400);
    expect(textOf(short.html)).toContain("Use at least 10 characters.");
    const mismatch = await new Client().post(`/reset-password/${token}`, { password: "long-enough-password", confirm: "long-enough-passw0rd" });
    expect(mismatch.status).toBe(400);
    expect(textOf(mismatch.html)).toContain("The passwords do not match.");

    expect(await passwordHashOf(user.userId)).toBe(before);
    const ok = await new Client().post(`/reset-password/${token}`, { password: "long-enough-password", confirm: "long-enough-password" });
    expect(ok.status).toBe(302);
  });

  it("O-8: the reset mail carries a link but never a password, in the account's language", async () => {
    const user = await createUser();
    await testDb().updateTable("users").set({ locale: "fr" }).where("id", "=", user.userId).execute();
    await new Client().post("/forgot-password", { email: user.email });
    const [mail] = await outboxTo(user.email);
    expect(mail.subject).toBe("Choisir un nouveau mot de passe pour le Portail partenaires");
    expect(mail.body_text).not.toContain(user.password);
    expect(mail.body_text).toContain(user.email);
  });

  it("O-8: reset requests are limited per IP address with a clear message", async () => {
    const client = new Client("10.77.1.1");
    for (let i = 0; i < 10; i++) {
      const page = await client.post("/forgot-password", { email: uniqueEmail("flood") });
      expect(page.status).toBe(200);
    }
    const user = await createUser();
    const limited = await client.post("/forgot-password", { email: user.email });
    expect(limited.status).toBe(429);
    expect(limited.response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(textOf(limited.html)).toMatch(/Too many attempts\. Try again in \d+ minutes\./);
    expect(await outboxTo(user.email)).toHaveLength(0);
    // Another address is not affected.
    const other = await new Client("10.77.1.2").post("/forgot-password", { email: user.email });
    expect(other.status).toBe(200);
    expect(await outboxTo(user.email)).toHaveLength(1);
  });

  it("O-8: at most three open links per account are mailed, whatever the number of requests", async () => {
    const user = await createUser();
    for (let i = 0; i < 5; i++) {
      const page = await new Client().post("/forgot-password", { email: user.email });
      expect(textOf(page.html)).toContain(NEUTRAL);
    }
    expect(await outboxTo(user.email)).toHaveLength(3);
  });

  it("O-8: an invalid e-mail is answered with a field message and mails nothing", async () => {
    const page = await new Client().post("/forgot-password", { email: "not-an-email" });
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain("Enter a valid e-mail address.");
  });
});
