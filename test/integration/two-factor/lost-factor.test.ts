import { beforeEach, describe, expect, it } from "vitest";
import { addMs, DAY, setClock } from "../../../app/lib/clock";
import { IDENTITY_CHECK_PATH } from "../../../app/domain/two-factor/schemas";
import { Client, textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createStaff, createUser, signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";
import { auditOf, identityChecksOf, identityPathIn, jpeg, onlyTheseAgents, pdf, postMultipart, requestsOf } from "../../support/support";
import { enrolThroughAccount, unusedTotp } from "../../support/two-factor";

// S-3, S-5: switching two-factor authentication off when the second factor is lost, through
// the real pages: the second-factor step (or the account) → the identity-check request → the
// mailed one-time link → the staff decision → signing in.
let at: Date;
beforeEach(() => {
  at = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000);
  setClock(() => at);
});
function tick(seconds = 30) {
  at = new Date(at.getTime() + seconds * 1000);
}

async function mailsTo(email: string) {
  return testDb().selectFrom("email_outbox").select(["subject", "body_text", "kind"]).where("to_address", "=", email).orderBy("created_at").execute();
}
async function credentialsOf(userId: string) {
  return testDb().selectFrom("two_factor_credentials").select("id").where("user_id", "=", userId).execute();
}
async function sessionsOf(userId: string) {
  return testDb().selectFrom("sessions").select("id").where("user_id", "=", userId).execute();
}

async function userWithTwoFactor() {
  const user = await createUser();
  const client = await signedIn(user);
  const enrolment = await enrolThroughAccount(client);
  tick();
  return { user, client, ...enrolment };
}

/** The password step on a new browser: it waits at the second-factor page. */
async function passwordStep(user: { email: string; password: string }, client = new Client()) {
  const page = await client.post("/login", { email: user.email, password: user.password, redirectTo: "/account" });
  expect(page.location).toBe("/login/second-factor");
  return client;
}

/** Asks for the check on that client's page and returns the upload link of the mail. */
async function requestCheck(client: Client, email: string) {
  const asked = await client.post(IDENTITY_CHECK_PATH, { confirm: "yes" });
  expect(asked.status).toBe(302);
  expect(asked.location).toBe(IDENTITY_CHECK_PATH);
  const mail = (await mailsTo(email)).filter((m) => m.kind === "identity_check_requested").at(-1)!;
  expect(mail.subject).toBe("Please confirm your identity");
  expect(mail.body_text).toContain("switching off two-factor authentication");
  return identityPathIn(mail.body_text);
}

async function upload(link: string) {
  const sent = await postMultipart(new Client(), link, {}, { document: [{ name: "passport.pdf", data: pdf("passport") }], photo: [{ name: "me.jpg", data: jpeg("selfie") }] });
  expect(sent.status).toBe(200);
}

async function staffDecides(checkId: string, decision: "approve" | "reject", rejectionReason?: string) {
  const staff = await staffSignedIn(await createStaff("support_agent"));
  const page = await staff.get(`/backoffice/identity-checks/${checkId}`);
  expect(textOf(page.html)).toContain("Approving switches off two-factor authentication of this account");
  const decided = await staff.post(`/backoffice/identity-checks/${checkId}`, { decision, confirm: "yes", ...(rejectionReason ? { rejectionReason } : {}) });
  expect(decided.status).toBe(302);
}

describe("switching 2FA off after an identity check (lost second factor)", () => {
  it("S-3, S-5: lost device → request at the second-factor step → upload through the mailed link → staff approve → 2FA is off, sessions end, the user is mailed and signs in with the password alone", async () => {
    const { user, client: oldDevice } = await userWithTwoFactor();
    const browser = await passwordStep(user);
    expect((await browser.get("/login/second-factor")).html).toContain(`href="${IDENTITY_CHECK_PATH.replace("&", "&amp;")}"`);

    const page = await browser.get(IDENTITY_CHECK_PATH);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(`We send a one-time link to ${user.email}`);
    // Without the confirmation nothing is asked.
    const unconfirmed = await browser.post(IDENTITY_CHECK_PATH, {});
    expect(unconfirmed.status).toBe(400);
    expect(textOf(unconfirmed.html)).toContain("Confirm that you lost your second factor.");
    expect(await identityChecksOf(user.userId)).toHaveLength(0);

    const link = await requestCheck(browser, user.email);
    const [check] = await identityChecksOf(user.userId);
    expect(check).toMatchObject({ reason: "disable_2fa", status: "requested", requested_by_staff_id: null });
    expect(textOf((await browser.get(IDENTITY_CHECK_PATH)).html)).toContain(`We sent a one-time upload link to ${user.email}`);
    expect(await auditOf("identity_check.requested", check.id)).toMatchObject([{ actor_user_id: user.userId }]);

    await upload(link);
    expect(textOf((await browser.get(IDENTITY_CHECK_PATH)).html)).toContain("Your identity documents were sent and are being checked");
    // Until staff decide, the factor is still required.
    const [credential] = await credentialsOf(user.userId);
    expect(credential).toBeDefined();

    await staffDecides(check.id, "approve");
    expect((await identityChecksOf(user.userId))[0]).toMatchObject({ status: "approved" });
    expect(await credentialsOf(user.userId)).toHaveLength(0);
    expect(await testDb().selectFrom("two_factor_recovery_codes as c").select("c.id").where("c.credential_id", "=", credential.id).execute()).toHaveLength(0);
    expect(await sessionsOf(user.userId)).toHaveLength(0);
    expect(await testDb().selectFrom("two_factor_challenges").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(0);
    const subjects = (await mailsTo(user.email)).map((m) => m.subject);
    expect(subjects).toContain("Your identity check was approved");
    expect(subjects.filter((s) => s === "Two-factor authentication was switched off")).toHaveLength(1);
    const [disabled] = await auditOf("account.two_factor_disabled", user.userId);
    expect(disabled).toMatchObject({ actor_user_id: null });
    expect(disabled.actor_staff_id).toBeTruthy();
    expect(disabled.data).toMatchObject({ method: "identity_check", identityCheckId: check.id, endedSessions: 1 });

    // The old device's session ended; the password alone signs in now.
    expect((await oldDevice.get("/account")).status).toBe(302);
    const fresh = new Client();
    const signIn = await fresh.post("/login", { email: user.email, password: user.password, redirectTo: "/account" });
    expect(signIn.location).toBe("/account");
    expect((await fresh.get("/account")).status).toBe(200);
    expect(textOf((await fresh.get(IDENTITY_CHECK_PATH)).html)).toContain("Two-factor authentication is off for this account");
  });

  it("S-5: a rejected check keeps 2FA on and the sessions alive; the rejection is mailed (asked from the signed-in account)", async () => {
    const { user, client, secret } = await userWithTwoFactor();
    expect((await client.get("/account/two-factor")).html).toContain(IDENTITY_CHECK_PATH.replace("&", "&amp;"));
    const link = await requestCheck(client, user.email);
    await upload(link);
    const [check] = await identityChecksOf(user.userId);
    await staffDecides(check.id, "reject", "The photo does not show the document.");
    expect((await identityChecksOf(user.userId))[0]).toMatchObject({ status: "rejected" });
    expect(await credentialsOf(user.userId)).toHaveLength(1);
    expect(await sessionsOf(user.userId)).toHaveLength(1);
    expect((await client.get("/account")).status).toBe(200);
    const mails = await mailsTo(user.email);
    expect(mails.map((m) => m.subject)).toContain("Your identity check was not approved");
    expect(mails.find((m) => m.subject === "Your identity check was not approved")!.body_text).toContain("The photo does not show the document.");
    expect(mails.map((m) => m.subject)).not.toContain("Two-factor authentication was switched off");
    expect(await auditOf("account.two_factor_disabled", user.userId)).toHaveLength(0);
    // Signing in still needs the second factor, and it still works.
    const browser = await passwordStep(user);
    const code = await unusedTotp(secret, { userId: user.userId });
    expect((await browser.post("/login/second-factor", { intent: "code", code: code! })).location).toBe("/account");
    // After a rejection a new check may be asked for.
    expect((await client.post(IDENTITY_CHECK_PATH, { confirm: "yes" })).status).toBe(302);
  });

  it("S-5: the path cannot switch off someone else's 2FA: the account comes from the sign-in, never from the form; without one nothing is asked", async () => {
    const victim = await userWithTwoFactor();
    const attacker = await userWithTwoFactor();
    // Without a password step or a session: back to sign-in, nothing asked.
    const stranger = new Client();
    expect((await stranger.get(IDENTITY_CHECK_PATH)).location).toBe("/login");
    const posted = await stranger.post(IDENTITY_CHECK_PATH, { confirm: "yes", userId: victim.user.userId, email: victim.user.email });
    expect(posted.status).toBe(302);
    expect(posted.location).toBe("/login");
    // A wrong password opens no second-factor step, so the page stays closed too.
    const guessing = new Client();
    expect((await guessing.post("/login", { email: victim.user.email, password: "not-the-password" })).status).toBe(400);
    expect((await guessing.post(IDENTITY_CHECK_PATH, { confirm: "yes" })).location).toBe("/login");
    expect(await identityChecksOf(victim.user.userId)).toHaveLength(0);

    // The attacker's own pending sign-in, naming the victim in the form, asks for the attacker.
    const browser = await passwordStep(attacker.user);
    const link = await requestCheck(browser, attacker.user.email);
    await browser.post(IDENTITY_CHECK_PATH, { confirm: "yes", userId: victim.user.userId, email: victim.user.email });
    expect(await identityChecksOf(victim.user.userId)).toHaveLength(0);
    expect((await mailsTo(victim.user.email)).filter((m) => m.kind === "identity_check_requested")).toHaveLength(0);
    await upload(link);
    const [check] = await identityChecksOf(attacker.user.userId);
    await staffDecides(check.id, "approve");
    expect(await credentialsOf(attacker.user.userId)).toHaveLength(0);
    expect(await credentialsOf(victim.user.userId)).toHaveLength(1);
    expect(await sessionsOf(victim.user.userId)).toHaveLength(1);
    expect((await new Client().post("/login", { email: victim.user.email, password: victim.user.password })).location).toBe("/login/second-factor");
  });

  it("S-5: a second request while one is open is refused (link sent, then documents under review); requests are rate-limited; an unused expired link is renewed for the same check", async () => {
    const { user, client } = await userWithTwoFactor();
    const link = await requestCheck(client, user.email);
    const again = await client.post(IDENTITY_CHECK_PATH, { confirm: "yes" });
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain("An upload link was already sent for this account");
    await upload(link);
    const underReview = await client.post(IDENTITY_CHECK_PATH, { confirm: "yes" });
    expect(underReview.status).toBe(409);
    expect(textOf(underReview.html)).toContain("An identity check for this account is already being handled.");
    expect(await identityChecksOf(user.userId)).toHaveLength(1);
    expect((await mailsTo(user.email)).filter((m) => m.kind === "identity_check_requested")).toHaveLength(1);
    // The 4th request within the hour is throttled.
    expect((await client.post(IDENTITY_CHECK_PATH, { confirm: "yes" })).status).toBe(429);

    // A link never used within its 14 days: asking again renews it for the same check.
    const other = await userWithTwoFactor();
    const firstLink = await requestCheck(other.client, other.user.email);
    at = addMs(at, 15 * DAY);
    const pending = await passwordStep(other.user);
    expect(textOf((await pending.get(IDENTITY_CHECK_PATH)).html)).toContain("Send me the upload link");
    const secondLink = await requestCheck(pending, other.user.email);
    expect(secondLink).not.toBe(firstLink);
    const checks = await identityChecksOf(other.user.userId);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ status: "requested" });
    expect(textOf((await new Client().get(firstLink)).html)).toContain("This link cannot be used");
    await upload(secondLink);
    expect((await identityChecksOf(other.user.userId))[0]).toMatchObject({ status: "submitted" });
    expect(await auditOf("identity_check.link_renewed", checks[0].id)).toHaveLength(1);
  });

  it("S-5: while the user's own check is open, support asking for another one for the same reason is refused, not doubled", async () => {
    const { user, client } = await userWithTwoFactor();
    await requestCheck(client, user.email);
    const agentAccount = await createStaff("support_agent");
    await onlyTheseAgents([agentAccount.staffId]);
    await postMultipart(client, "/support", { subject: "Lost phone", body: "I lost my authenticator." });
    const [request] = await requestsOf(user.userId);
    const agent = await staffSignedIn(agentAccount);
    const asked = await agent.post(`/backoffice/support/${request.id}`, { intent: "identity", reason: "disable_2fa" });
    expect(asked.status).toBe(409);
    expect(textOf(asked.html)).toContain("This user already has an open identity check for this reason.");
    expect(await identityChecksOf(user.userId)).toHaveLength(1);
    // Another reason is still possible.
    expect((await agent.post(`/backoffice/support/${request.id}`, { intent: "identity", reason: "forgotten_email" })).status).toBe(302);
    expect(await identityChecksOf(user.userId)).toHaveLength(2);
  });
});
