import { describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";
import { verifyPassword } from "../../../app/auth/password.server";

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1";

async function signInWith(user: { email: string; password: string }, ip: string, userAgent: string): Promise<Client> {
  const client = new Client(ip);
  const page = await client.post("/login", { email: user.email, password: user.password }, { "User-Agent": userAgent });
  expect(page.status).toBe(302);
  return client;
}

function sessionsOf(userId: string) {
  return testDb().selectFrom("sessions").selectAll().where("user_id", "=", userId).execute();
}

function auditOf(userId: string, action: string) {
  return testDb().selectFrom("audit_log").selectAll().where("actor_user_id", "=", userId).where("action", "=", action).execute();
}

describe("my account", () => {
  it("O-8: the account page shows the login e-mail and needs a signed-in user", async () => {
    const anonymous = await new Client().get("/account");
    expect(anonymous.status).toBe(302);
    expect(anonymous.location).toBe("/login?redirectTo=%2Faccount");

    const user = await createUser({ name: "Anna Keller" });
    const client = await signedIn(user);
    const page = await client.get("/account");
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain("My account");
    expect(text).toContain(user.email);
    expect(text).toContain("It is unrelated to any mailbox your organizations host.");
    // No page ever shows a password or its hash.
    expect(page.html).not.toContain("argon2");
  });

  it("the profile saves the name and language, and the portal switches to that language", async () => {
    const user = await createUser({ name: "Anna Keller" });
    const client = await signedIn(user);
    const saved = await client.post("/account", { intent: "profile", name: "Anna Keller-Rossi", locale: "de" });
    expect(saved.status).toBe(302);
    const page = await client.follow(saved);
    const text = textOf(page.html);
    expect(text).toContain("Mein Konto");
    expect(text).toContain("Ihr Profil wurde gespeichert.");
    expect(page.html).toContain('<html lang="de"');

    const row = await testDb().selectFrom("users").select(["name", "locale"]).where("id", "=", user.userId).executeTakeFirstOrThrow();
    expect(row).toEqual({ name: "Anna Keller-Rossi", locale: "de" });
    const audit = await auditOf(user.userId, "account.profile_updated");
    expect(audit).toHaveLength(1);
    expect(audit[0].org_id).toBeNull();
    expect(audit[0].data).toEqual({ changed: ["name", "locale"] });

    await client.post("/account", { intent: "profile", name: "Anna Keller-Rossi", locale: "fr" });
    expect(textOf((await client.get("/account")).html)).toContain("Mon compte");
  });

  it("an invalid profile is refused with field messages and changes nothing", async () => {
    const user = await createUser({ name: "Anna Keller" });
    const client = await signedIn(user);
    const page = await client.post("/account", { intent: "profile", name: " ", locale: "xx" });
    expect(page.status).toBe(400);
    const text = textOf(page.html);
    expect(text).toContain("This field is required.");
    expect(text).toContain("This value is not valid.");
    const row = await testDb().selectFrom("users").select(["name", "locale"]).where("id", "=", user.userId).executeTakeFirstOrThrow();
    expect(row).toEqual({ name: "Anna Keller", locale: "en" });
    expect(await auditOf(user.userId, "account.profile_updated")).toHaveLength(0);
  });

  it("O-8: changing the password needs the current one; a wrong one changes nothing", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    const other = await signedIn(user);
    const before = (await testDb().selectFrom("users").select("password_hash").where("id", "=", user.userId).executeTakeFirstOrThrow()).password_hash;

    const wrong = await client.post("/account", {
      intent: "password",
      currentPassword: "not-my-password",
      newPassword: "a-new-long-password",
      confirm: "a-new-long-password",
    });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain("The current password is wrong.");
    const short = await client.post("/account", { intent: "password", currentPassword: user.password, newPassword: "short", confirm: "short" });
    expect(short.status).toBe(400);
    expect(textOf(short.html)).toContain("Use at least 10 characters.");
    const mismatch = await client.post("/account", {
      intent: "password",
      currentPassword: user.password,
      newPassword: "a-new-long-password",
      confirm: "another-long-password",
    });
    expect(mismatch.status).toBe(400);
    expect(textOf(mismatch.html)).toContain("The passwords do not match.");

    const after = (await testDb().selectFrom("users").select("password_hash").where("id", "=", user.userId).executeTakeFirstOrThrow()).password_hash;
    expect(after).toBe(before);
    expect(await sessionsOf(user.userId)).toHaveLength(2);
    expect((await other.get("/account")).status).toBe(200);
    expect(await auditOf(user.userId, "account.password_changed")).toHaveLength(0);
  });

  it("O-8: a password change ends every other session of the user and keeps the current one", async () => {
    const user = await createUser();
    const stranger = await createUser();
    const strangerClient = await signedIn(stranger);
    const laptop = await signInWith(user, "10.9.0.1", FIREFOX);
    const phone = await signInWith(user, "10.9.0.2", SAFARI);
    const tablet = await signedIn(user);
    expect(await sessionsOf(user.userId)).toHaveLength(3);

    const newPassword = "a-new-long-password";
    const changed = await laptop.post("/account", {
      intent: "password",
      currentPassword: user.password,
      newPassword,
      confirm: newPassword,
    });
    expect(changed.status).toBe(302);
    const page = await laptop.follow(changed);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Your password was changed. Your other sessions were signed out.");
    expect(page.html).not.toContain(newPassword);

    const remaining = await sessionsOf(user.userId);
    expect(remaining).toHaveLength(1);
    expect(remaining[0].user_agent).toBe(FIREFOX);
    for (const ended of [phone, tablet]) {
      const again = await ended.get("/account");
      expect(again.status).toBe(302);
      expect(again.location).toMatch(/^\/login/);
    }
    // Another user's session is untouched.
    expect((await strangerClient.get("/account")).status).toBe(200);

    const row = await testDb().selectFrom("users").select(["password_hash", "password_changed_at", "created_at"]).where("id", "=", user.userId).executeTakeFirstOrThrow();
    expect(await verifyPassword(row.password_hash, newPassword)).toBe(true);
    expect(row.password_changed_at.getTime()).toBeGreaterThan(row.created_at.getTime());
    const audit = await auditOf(user.userId, "account.password_changed");
    expect(audit).toHaveLength(1);
    expect(audit[0].org_id).toBeNull();
    expect(audit[0].data).toEqual({ endedSessions: 2 });

    expect((await new Client().post("/login", { email: user.email, password: user.password })).status).toBe(400);
    await signedIn({ email: user.email, password: newPassword });
  });

  it("O-8: the session list shows each device, address and sign-in time, and 'sign out everywhere else' keeps only this one", async () => {
    const user = await createUser();
    const laptop = await signInWith(user, "10.9.1.1", FIREFOX);
    const phone = await signInWith(user, "10.9.1.2", SAFARI);

    const page = await laptop.get("/account");
    const text = textOf(page.html);
    expect(text).toContain("Active sessions");
    expect(text).toContain(FIREFOX);
    expect(text).toContain(SAFARI);
    expect(text).toContain("10.9.1.1");
    expect(text).toContain("10.9.1.2");
    expect(text).toContain("This session");
    expect(page.html.match(/data-testid="session"/g)).toHaveLength(2);
    // The current session is listed first.
    expect(text.indexOf(FIREFOX)).toBeLessThan(text.indexOf(SAFARI));
    expect(text).toContain("Sign out everywhere else");

    const ended = await laptop.post("/account", { intent: "endOtherSessions" });
    expect(ended.status).toBe(302);
    const after = await laptop.follow(ended);
    expect(textOf(after.html)).toContain("Signed out of 1 other session(s).");
    expect(textOf(after.html)).toContain("You are signed in on this device only.");
    expect((await phone.get("/account")).status).toBe(302);
    const remaining = await sessionsOf(user.userId);
    expect(remaining.map((s) => s.ip)).toEqual(["10.9.1.1"]);
    const audit = await auditOf(user.userId, "account.sessions_ended");
    expect(audit.map((a) => [a.org_id, a.data])).toEqual([[null, { endedSessions: 1 }]]);
  });

  it("the session list is paged", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    for (let i = 0; i < 21; i++) await signedIn(user);
    const first = await client.get("/account");
    expect(first.html.match(/data-testid="session"/g)).toHaveLength(20);
    expect(textOf(first.html)).toContain("Page 1 of 2");
    const second = await client.get("/account?page=2");
    expect(second.html.match(/data-testid="session"/g)).toHaveLength(2);
    expect(textOf(second.html)).toContain("Page 2 of 2");
  });

  it("an unknown intent is refused and changes nothing", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    const page = await client.post("/account", { intent: "deleteEverything" });
    expect(page.status).toBe(400);
    expect(await sessionsOf(user.userId)).toHaveLength(1);
  });
});
