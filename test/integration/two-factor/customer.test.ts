import { beforeEach, describe, expect, it } from "vitest";
import { generate } from "otplib";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";
import { auditEntries } from "../../support/backoffice";
import { currentStep, enrolThroughAccount, recoveryCodesOnPage, secretOnPage, totpAt } from "../../support/two-factor";
import { setClock } from "../../../app/lib/clock";

// The portal's clock is frozen per test and moved on by whole 30-second steps, so which code
// belongs to which window is exact.
let at: Date;
beforeEach(() => {
  at = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000);
  setClock(() => at);
});
function tick(seconds = 30) {
  at = new Date(at.getTime() + seconds * 1000);
}

async function sessionsOf(userId: string) {
  return testDb().selectFrom("sessions").select(["id", "two_factor_at"]).where("user_id", "=", userId).execute();
}

async function mailsTo(email: string) {
  return testDb().selectFrom("email_outbox").select(["subject", "body_text", "kind"]).where("to_address", "=", email).orderBy("created_at").execute();
}

/** A user with two-factor authentication on, enrolled through the account pages. */
async function userWithTwoFactor() {
  const user = await createUser();
  const client = await signedIn(user);
  const enrolment = await enrolThroughAccount(client);
  tick();
  return { user, client, ...enrolment };
}

/** The password step on a new browser: the client waits at the second-factor page. */
async function passwordStep(user: { email: string; password: string }, client = new Client()) {
  const page = await client.post("/login", { email: user.email, password: user.password, redirectTo: "/account" });
  expect(page.status).toBe(302);
  expect(page.location).toBe("/login/second-factor");
  return client;
}

describe("two-factor authentication for customer accounts", () => {
  it("S-3: enrolling shows a QR code and the secret; a wrong code leaves it off; the right code switches it on, mails the user and is audited", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    const elsewhere = await signedIn(user);
    expect(textOf((await client.get("/account")).html)).toContain("Two-factor authentication is off.");

    expect((await client.post("/account/two-factor", { intent: "start" })).location).toBe("/account/two-factor");
    const setup = await client.get("/account/two-factor");
    expect(setup.status).toBe(200);
    expect(setup.html).toMatch(/<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"[^>]*data-testid="totp-qr"/);
    const secret = secretOnPage(setup.html);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The QR code carries the otpauth address of that same secret.
    const svg = Buffer.from(setup.html.match(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/)![1], "base64").toString();
    expect(svg).toContain("<svg");

    // Stored encrypted, never in clear.
    const stored = await testDb().selectFrom("two_factor_credentials").select(["secret_encrypted", "confirmed_at"]).where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(stored.secret_encrypted).toMatch(/^v1\./);
    expect(stored.secret_encrypted).not.toContain(secret);
    expect(stored.confirmed_at).toBeNull();

    const wrongCode = String((Number(await totpAt(secret)) + 1) % 1_000_000).padStart(6, "0");
    const wrong = await client.post("/account/two-factor", { intent: "confirm", code: wrongCode });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain("This code is not valid");
    expect((await testDb().selectFrom("two_factor_credentials").select("confirmed_at").where("user_id", "=", user.userId).executeTakeFirstOrThrow()).confirmed_at).toBeNull();

    // An app computes the code from the secret the page shows.
    const confirmed = await client.post("/account/two-factor", { intent: "confirm", code: await generate({ secret, epoch: Math.floor(at.getTime() / 1000) }) });
    expect(confirmed.status).toBe(200);
    expect(textOf(confirmed.html)).toContain("Two-factor authentication is on.");
    const codes = recoveryCodesOnPage(confirmed.html);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    expect(await mailsTo(user.email)).toEqual([expect.objectContaining({ kind: "two_factor_enabled", subject: "Two-factor authentication is on" })]);
    const entries = await auditEntries({ action: "account.two_factor_enabled", actorUserId: user.userId });
    expect(entries).toHaveLength(1);
    // The session that enrolled passed two factors; the one signed in with the password alone ended.
    const sessions = await sessionsOf(user.userId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0].two_factor_at).not.toBeNull();
    expect((await elsewhere.get("/account")).location).toMatch(/^\/login/);
    expect((await client.get("/account")).status).toBe(200);
  });

  it("S-4: enrolling shows 10 emergency codes once, as a downloadable text file, stored only as hashes", async () => {
    const { user, client, recoveryCodes, confirmed } = await userWithTwoFactor();
    const link = confirmed.html.match(/<a href="(data:text\/plain;charset=utf-8,[^"]+)" download="([^"]+)"/);
    expect(link).not.toBeNull();
    expect(link![2]).toBe("partner-portal-emergency-codes.txt");
    const file = decodeURIComponent(link![1].replace(/&amp;/g, "&").slice("data:text/plain;charset=utf-8,".length));
    for (const code of recoveryCodes) expect(file).toContain(code);
    expect(file).toContain(user.email);

    const rows = await testDb()
      .selectFrom("two_factor_recovery_codes as c")
      .innerJoin("two_factor_credentials as t", "t.id", "c.credential_id")
      .select("c.code_hash")
      .where("t.user_id", "=", user.userId)
      .execute();
    expect(rows).toHaveLength(10);
    for (const code of recoveryCodes) expect(rows.map((r) => r.code_hash).join()).not.toContain(code.replace(/-/g, ""));

    // Shown once: the page afterwards tells how many are left, not the codes.
    const later = await client.get("/account/two-factor");
    expect(textOf(later.html)).toContain("Emergency codes left: 10 of 10.");
    for (const code of recoveryCodes) expect(later.html).not.toContain(code);
    expect(textOf((await client.get("/account")).html)).toContain("Emergency codes left: 10 of 10.");
  });

  it("S-3: after the password no session exists until the second factor; a wrong code is refused, the right one signs in", async () => {
    const { user, secret } = await userWithTwoFactor();
    const before = (await sessionsOf(user.userId)).length;
    const browser = new Client();
    const step1 = await browser.post("/login", { email: user.email, password: user.password, redirectTo: "/account" });
    expect(step1.status).toBe(302);
    expect(step1.location).toBe("/login/second-factor");
    expect(step1.response.headers.getSetCookie().join("\n")).not.toMatch(/pp_session=/);
    expect(await sessionsOf(user.userId)).toHaveLength(before);

    // The pending sign-in opens nothing.
    for (const path of ["/account", `/orgs/${user.orgId}`]) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(302);
      expect(page.location, path).toMatch(/^\/login/);
    }
    expect(textOf((await browser.get("/login/second-factor")).html)).toContain("Second step of the sign-in");

    const wrong = await browser.post("/login/second-factor", { intent: "code", code: "000000" === (await totpAt(secret)) ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain("This code is not valid");
    expect(await sessionsOf(user.userId)).toHaveLength(before);
    expect(await auditEntries({ action: "account.second_factor_failed", actorUserId: user.userId })).toHaveLength(1);

    const right = await browser.post("/login/second-factor", { intent: "code", code: await totpAt(secret) });
    expect(right.status).toBe(302);
    expect(right.location).toBe("/account");
    expect((await browser.get("/account")).status).toBe(200);
    const sessions = await sessionsOf(user.userId);
    expect(sessions).toHaveLength(before + 1);
    expect(sessions.every((s) => s.two_factor_at !== null)).toBe(true);
    const signedInEntries = await auditEntries({ action: "account.signed_in", actorUserId: user.userId });
    expect(signedInEntries.at(-1)!.data).toEqual({ secondFactor: "totp" });

    // The pending sign-in was used up with it.
    expect((await browser.get("/login/second-factor")).location).toBe("/");
  });

  it("S-3: a code cannot be replayed within its window, nor an older one after a newer was used", async () => {
    const { user, secret } = await userWithTwoFactor();
    const code = await totpAt(secret);
    const first = await passwordStep(user);
    expect((await first.post("/login/second-factor", { intent: "code", code })).status).toBe(302);

    // Same code, same 30-second window, another browser that knows the password.
    const thief = await passwordStep(user);
    const replay = await thief.post("/login/second-factor", { intent: "code", code });
    expect(replay.status).toBe(400);
    expect(textOf(replay.html)).toContain("This code is not valid");

    // The next step's code is new and works; the earlier one stays refused afterwards.
    tick();
    const next = await totpAt(secret);
    expect((await thief.post("/login/second-factor", { intent: "code", code: next })).status).toBe(302);
    const third = await passwordStep(user);
    expect((await third.post("/login/second-factor", { intent: "code", code })).status).toBe(400);
    const step = await testDb().selectFrom("two_factor_credentials").select("last_used_step").where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(Number(step.last_used_step)).toBe(currentStep(at));
  });

  it("S-3: a code of a long-gone window is refused", async () => {
    const { user, secret } = await userWithTwoFactor();
    const old = await totpAt(secret);
    tick(120);
    const browser = await passwordStep(user);
    expect((await browser.post("/login/second-factor", { intent: "code", code: old })).status).toBe(400);
  });

  it("S-3: second-factor attempts are limited per account, also across new password sign-ins", async () => {
    const { user, secret } = await userWithTwoFactor();
    const right = await totpAt(secret);
    const wrong = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) {
      const browser = await passwordStep(user, new Client(`10.77.0.${i + 1}`));
      expect((await browser.post("/login/second-factor", { intent: "code", code: wrong })).status).toBe(400);
    }
    const sixth = await passwordStep(user, new Client("10.77.0.9"));
    const blocked = await sixth.post("/login/second-factor", { intent: "code", code: right });
    expect(blocked.status).toBe(429);
    expect(textOf(blocked.html)).toMatch(/Too many attempts/);
    expect(blocked.response.headers.getSetCookie().join("\n")).not.toMatch(/pp_session=/);
  });

  it("S-4: each emergency code works once in place of the second factor", async () => {
    const { user, recoveryCodes } = await userWithTwoFactor();
    const browser = await passwordStep(user);
    // Typed in lower case and without dashes: the same code.
    const ok = await browser.post("/login/second-factor", { intent: "code", code: recoveryCodes[3].replace(/-/g, "").toLowerCase() });
    expect(ok.status).toBe(302);
    expect((await browser.get("/account")).status).toBe(200);
    expect((await auditEntries({ action: "account.signed_in", actorUserId: user.userId })).at(-1)!.data).toEqual({ secondFactor: "recovery_code" });
    expect(textOf((await browser.get("/account")).html)).toContain("Emergency codes left: 9 of 10.");

    const again = await passwordStep(user);
    const reused = await again.post("/login/second-factor", { intent: "code", code: recoveryCodes[3] });
    expect(reused.status).toBe(400);
    expect(textOf(reused.html)).toContain("This code is not valid");
    expect((await again.post("/login/second-factor", { intent: "code", code: recoveryCodes[4] })).status).toBe(302);
  });

  it("S-4: regenerating needs the password, shows 10 new codes, and the old ones stop working; the user is mailed", async () => {
    const { user, client, recoveryCodes } = await userWithTwoFactor();
    const refused = await client.post("/account/two-factor?do=regenerate", { intent: "regenerate", password: "not-my-password" });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain("The current password is wrong.");

    const page = await client.post("/account/two-factor?do=regenerate", { intent: "regenerate", password: user.password });
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("New emergency codes were created");
    const fresh = recoveryCodesOnPage(page.html);
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => recoveryCodes.includes(c))).toEqual([]);

    const oldTry = await passwordStep(user);
    expect((await oldTry.post("/login/second-factor", { intent: "code", code: recoveryCodes[0] })).status).toBe(400);
    expect((await oldTry.post("/login/second-factor", { intent: "code", code: fresh[0] })).status).toBe(302);

    expect((await mailsTo(user.email)).map((m) => m.kind)).toEqual(["two_factor_enabled", "recovery_codes_regenerated"]);
    expect(await auditEntries({ action: "account.recovery_codes_regenerated", actorUserId: user.userId })).toHaveLength(1);
  });

  it("S-3: switching off needs the password and a current second factor; then the password alone signs in again", async () => {
    const { user, client, secret } = await userWithTwoFactor();
    const form = await client.get("/account/two-factor?do=disable");
    expect(textOf(form.html)).toContain("Lost your device and your emergency codes? Ask for an identity check");
    expect(form.html).toContain('href="/identity-check?reason=two_factor_off"');

    const wrongPassword = await client.post("/account/two-factor?do=disable", { intent: "disable", password: "not-my-password", code: await totpAt(secret) });
    expect(wrongPassword.status).toBe(400);
    const wrongCode = await client.post("/account/two-factor?do=disable", { intent: "disable", password: user.password, code: "999999" === (await totpAt(secret)) ? "111111" : "999999" });
    expect(wrongCode.status).toBe(400);
    expect(textOf(wrongCode.html)).toContain("This code is not valid");
    const missingCode = await client.post("/account/two-factor?do=disable", { intent: "disable", password: user.password });
    expect(missingCode.status).toBe(400);
    expect(await testDb().selectFrom("two_factor_credentials").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(1);

    const off = await client.post("/account/two-factor?do=disable", { intent: "disable", password: user.password, code: await totpAt(secret) });
    expect(off.status).toBe(302);
    expect(off.location).toBe("/account?done=twoFactorOff");
    expect(textOf((await client.follow(off)).html)).toContain("Two-factor authentication is off.");
    expect(await testDb().selectFrom("two_factor_credentials").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(0);
    expect((await mailsTo(user.email)).map((m) => m.kind)).toEqual(["two_factor_enabled", "two_factor_disabled"]);
    expect(await auditEntries({ action: "account.two_factor_disabled", actorUserId: user.userId })).toHaveLength(1);

    const plain = await new Client().post("/login", { email: user.email, password: user.password });
    expect(plain.status).toBe(302);
    expect(plain.location).toBe("/");
    expect(plain.response.headers.getSetCookie().join("\n")).toMatch(/pp_session=/);
  });

  it("O-8: accounts without two-factor authentication sign in with the password alone, as before", async () => {
    const user = await createUser();
    const page = await new Client().post("/login", { email: user.email, password: user.password });
    expect(page.status).toBe(302);
    expect(page.location).toBe("/");
    const [session] = await sessionsOf(user.userId);
    expect(session.two_factor_at).toBeNull();
  });
});

describe("approval prompt on a trusted device", () => {
  /** The trusted session (it enrolled) and a new browser waiting at the second step, having asked for approval. */
  async function waitingForApproval() {
    const setup = await userWithTwoFactor();
    const browser = new Client("84.72.10.20");
    await browser.post(
      "/login",
      { email: setup.user.email, password: setup.user.password, redirectTo: "/account" },
      { "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0" },
    );
    const second = await browser.get("/login/second-factor");
    expect(textOf(second.html)).toContain("Ask my signed-in device");
    const asked = await browser.post("/login/second-factor", { intent: "askApproval" });
    expect(asked.status).toBe(302);
    expect(textOf((await browser.get("/login/second-factor")).html)).toContain("Waiting for your answer");
    return { ...setup, browser };
  }

  async function promptsOf(client: Client) {
    const res = await client.get("/account/approvals");
    return JSON.parse(res.html) as { trusted: boolean; approvals: Array<{ id: string; browser: string; system: string; place: { ip: string }; requestedAt: string }> };
  }

  it("S-3: the trusted session sees who signs in (browser, place, time) and says yes; the new browser is signed in, once", async () => {
    const { user, client, browser } = await waitingForApproval();
    const inbox = await promptsOf(client);
    expect(inbox.trusted).toBe(true);
    expect(inbox.approvals).toHaveLength(1);
    expect(inbox.approvals[0]).toMatchObject({ browser: "Firefox", system: "Windows", place: { ip: "84.72.10.20", country: "CH", local: false }, requestedAt: at.toISOString() });

    // Without JavaScript: the banner is on the next page the trusted session opens.
    const page = await client.get("/account");
    const text = textOf(page.html);
    expect(text).toContain("Is this you signing in?");
    expect(text).toContain("Firefox on Windows");
    expect(text).toContain("Switzerland (84.72.10.20)");

    const challengeCookie = browser.cookieHeader();
    const yes = await client.post("/account/approvals", { challengeId: inbox.approvals[0].id, decision: "approved", back: "/account" });
    expect(yes.status).toBe(302);
    expect(yes.location).toBe("/account?approval=approved");
    expect((await promptsOf(client)).approvals).toEqual([]);
    expect(textOf((await browser.get("/login/second-factor")).html)).toContain("Approved.");

    const signedInNow = await browser.post("/login/second-factor", { intent: "useApproval" });
    expect(signedInNow.status).toBe(302);
    expect(signedInNow.location).toBe("/account");
    expect((await browser.get("/account")).status).toBe(200);
    expect((await auditEntries({ action: "account.signed_in", actorUserId: user.userId })).at(-1)!.data).toEqual({ secondFactor: "approval" });
    expect(await auditEntries({ action: "account.sign_in_approved", actorUserId: user.userId })).toHaveLength(1);

    // Single use: the same pending sign-in cannot be turned into a second session.
    const replay = await new Client().request("/login/second-factor", {
      method: "POST",
      body: new URLSearchParams({ intent: "useApproval" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: challengeCookie },
    });
    expect(replay.status).toBe(302);
    expect(replay.location).toBe("/login");
    expect(replay.response.headers.getSetCookie().join("\n")).not.toMatch(/pp_session=/);
    expect(await sessionsOf(user.userId)).toHaveLength(2);
  });

  it("S-3: saying no stops the waiting sign-in; neither the approval nor a code completes it", async () => {
    const { user, client, browser, secret } = await waitingForApproval();
    const [prompt] = (await promptsOf(client)).approvals;
    const no = await client.post("/account/approvals", { challengeId: prompt.id, decision: "refused", back: "/account" });
    expect(no.status).toBe(302);
    expect(textOf((await client.follow(no)).html)).toContain("You refused the sign-in.");

    expect(textOf((await browser.get("/login/second-factor")).html)).toContain("This sign-in was refused on your signed-in device.");
    expect((await browser.post("/login/second-factor", { intent: "useApproval" })).status).toBe(409);
    expect((await browser.post("/login/second-factor", { intent: "code", code: await totpAt(secret) })).status).toBe(409);
    expect(await sessionsOf(user.userId)).toHaveLength(1);
    // A second answer does not count.
    const late = await client.post("/account/approvals", { challengeId: prompt.id, decision: "approved", back: "/account" });
    expect(late.location).toBe("/account?approval=gone");
    expect(textOf((await client.follow(late)).html)).toContain("This request is no longer open");
    expect((await testDb().selectFrom("two_factor_challenges").select("approval_decision").where("id", "=", prompt.id).executeTakeFirstOrThrow()).approval_decision).toBe("refused");
    expect(await auditEntries({ action: "account.sign_in_refused", actorUserId: user.userId })).toHaveLength(1);
  });

  it("S-3: an approval request expires after 3 minutes unanswered, and an approval expires if not used within 3 minutes; the code still works", async () => {
    const { user, client, browser, secret } = await waitingForApproval();
    const [prompt] = (await promptsOf(client)).approvals;
    tick(181);
    expect((await promptsOf(client)).approvals).toEqual([]);
    expect((await client.post("/account/approvals", { challengeId: prompt.id, decision: "approved" })).location).toBe("/account?approval=gone");
    expect(textOf((await browser.get("/login/second-factor")).html)).toContain("The approval request expired without an answer.");
    expect((await browser.post("/login/second-factor", { intent: "useApproval" })).status).toBe(409);

    // Asked again and approved, but used too late.
    expect((await browser.post("/login/second-factor", { intent: "askApproval" })).status).toBe(302);
    const [again] = (await promptsOf(client)).approvals;
    expect((await client.post("/account/approvals", { challengeId: again.id, decision: "approved" })).location).toBe("/account?approval=approved");
    tick(181);
    expect((await browser.post("/login/second-factor", { intent: "useApproval" })).status).toBe(409);
    expect(await sessionsOf(user.userId)).toHaveLength(1);

    // The code remains the fallback.
    expect((await browser.post("/login/second-factor", { intent: "code", code: await totpAt(secret) })).status).toBe(302);
    expect(await sessionsOf(user.userId)).toHaveLength(2);
  });

  it("S-3: only a session of the same account that passed two factors can answer; at most 3 prompts per sign-in", async () => {
    const { client, browser } = await waitingForApproval();
    const [prompt] = (await promptsOf(client)).approvals;
    // Another account's trusted session cannot answer for it.
    const other = await userWithTwoFactor();
    expect((await promptsOf(other.client)).approvals).toEqual([]);
    expect((await other.client.post("/account/approvals", { challengeId: prompt.id, decision: "approved" })).location).toBe("/account?approval=gone");
    // A session that signed in with the password only (before 2FA existed for it) is not trusted.
    const plainUser = await createUser();
    const plain = await signedIn(plainUser);
    expect(await promptsOf(plain)).toEqual({ trusted: false, approvals: [] });
    expect((await plain.post("/account/approvals", { challengeId: prompt.id, decision: "approved" })).location).toBe("/account?approval=gone");
    expect((await testDb().selectFrom("two_factor_challenges").select("approval_decision").where("id", "=", prompt.id).executeTakeFirstOrThrow()).approval_decision).toBeNull();
    expect(textOf((await browser.get("/login/second-factor")).html)).toContain("Waiting for your answer");

    // Prompt flooding is capped.
    expect((await browser.post("/login/second-factor", { intent: "askApproval" })).status).toBe(302);
    expect((await browser.post("/login/second-factor", { intent: "askApproval" })).status).toBe(302);
    expect((await browser.post("/login/second-factor", { intent: "askApproval" })).status).toBe(409);
  });
});
