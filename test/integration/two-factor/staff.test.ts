import { beforeEach, describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { auditEntries, staffSignedIn } from "../../support/backoffice";
import { createStaff } from "../../support/factories";
import { testDb } from "../../support/setup";
import { recoveryCodesOnPage, secretOnPage, totpAt } from "../../support/two-factor";
import { createSession } from "../../../app/auth/session.server";
import { setClock } from "../../../app/lib/clock";

let at: Date;
beforeEach(() => {
  at = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000);
  setClock(() => at);
});
function tick(seconds = 30) {
  at = new Date(at.getTime() + seconds * 1000);
}

const staffSessions = (staffId: string) => testDb().selectFrom("sessions").select(["id", "two_factor_at"]).where("staff_id", "=", staffId).execute();

describe("two-factor authentication for staff accounts", () => {
  it("S-3: a staff member without a second factor enrols before reaching any back-office page; no session exists before", async () => {
    const staff = await createStaff("support_agent", undefined, { twoFactor: false });
    const client = new Client();
    const signIn = await client.post("/backoffice/login", { email: staff.email, password: staff.password, redirectTo: "/backoffice/audit" });
    expect(signIn.status).toBe(302);
    expect(signIn.location).toBe("/backoffice/two-factor-setup");
    expect(signIn.response.headers.getSetCookie().join("\n")).not.toMatch(/pp_staff=/);
    expect(await staffSessions(staff.staffId)).toHaveLength(0);

    for (const path of ["/backoffice", "/backoffice/staff", "/backoffice/audit", "/backoffice/security"]) {
      const page = await client.get(path);
      expect(page.status, path).toBe(302);
      expect(page.location, path).toMatch(/^\/backoffice\/login/);
    }

    const setup = await client.get("/backoffice/two-factor-setup");
    expect(setup.status).toBe(200);
    expect(textOf(setup.html)).toContain("Staff accounts must use two factors.");
    expect(setup.html).toContain('data-testid="totp-qr"');
    const secret = secretOnPage(setup.html);
    // Reloading shows the same secret (the enrolment is not restarted).
    expect(secretOnPage((await client.get("/backoffice/two-factor-setup")).html)).toBe(secret);

    const wrong = await client.post("/backoffice/two-factor-setup", { code: (await totpAt(secret)) === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    expect(await staffSessions(staff.staffId)).toHaveLength(0);

    const done = await client.post("/backoffice/two-factor-setup", { code: await totpAt(secret) });
    expect(done.status).toBe(200);
    expect(done.response.headers.getSetCookie().join("\n")).toMatch(/pp_staff=/);
    expect(recoveryCodesOnPage(done.html)).toHaveLength(10);
    expect(done.html).toContain('href="/backoffice/audit"');
    const sessions = await staffSessions(staff.staffId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0].two_factor_at).not.toBeNull();
    expect((await client.get("/backoffice/audit")).status).toBe(200);
    expect(await auditEntries({ action: "staff.two_factor_enabled", actorStaffId: staff.staffId })).toHaveLength(1);
    expect(await auditEntries({ action: "staff.signed_in", actorStaffId: staff.staffId })).toHaveLength(1);
    const mail = await testDb().selectFrom("email_outbox").select("kind").where("to_address", "=", staff.email).execute();
    expect(mail.map((m) => m.kind)).toEqual(["two_factor_enabled"]);

    // The next sign-in asks for the code.
    tick();
    const next = await new Client().post("/backoffice/login", { email: staff.email, password: staff.password });
    expect(next.location).toBe("/backoffice/second-factor");
  });

  it("S-3: the staff sign-in needs the code; a wrong or replayed code is refused, and no session exists before", async () => {
    const staff = await createStaff("billing_agent");
    const code = await totpAt(staff.totpSecret!);
    const client = new Client();
    expect((await client.post("/backoffice/login", { email: staff.email, password: staff.password })).location).toBe("/backoffice/second-factor");
    expect((await client.get("/backoffice")).location).toMatch(/^\/backoffice\/login/);
    // The customer side knows nothing of this pending staff sign-in.
    expect((await client.get("/login/second-factor")).location).toBe("/login");

    const wrong = await client.post("/backoffice/second-factor", { intent: "code", code: code === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    expect(await staffSessions(staff.staffId)).toHaveLength(0);
    const ok = await client.post("/backoffice/second-factor", { intent: "code", code });
    expect(ok.status).toBe(302);
    expect(ok.location).toBe("/backoffice");
    expect((await client.get("/backoffice")).status).toBe(200);

    const other = new Client();
    await other.post("/backoffice/login", { email: staff.email, password: staff.password });
    expect((await other.post("/backoffice/second-factor", { intent: "code", code })).status).toBe(400);
    expect(await staffSessions(staff.staffId)).toHaveLength(1);
  });

  it("S-3: a back-office session that did not pass a second factor gives no access", async () => {
    const staff = await createStaff("administrator");
    // A session row as the sign-in made them before two factors were required.
    const cookie = (await createSession(testDb(), "staff", staff.staffId, { ip: "10.0.0.1" })).split(";")[0];
    const page = await new Client().get("/backoffice", { Cookie: cookie });
    expect(page.status).toBe(302);
    expect(page.location).toMatch(/^\/backoffice\/login/);
  });

  it("S-4: staff see how many emergency codes are left, an emergency code signs in once, and a new set replaces the old", async () => {
    const staff = await createStaff("partner_manager");
    const client = new Client();
    await client.post("/backoffice/login", { email: staff.email, password: staff.password });
    expect((await client.post("/backoffice/second-factor", { intent: "code", code: staff.recoveryCodes[0] })).status).toBe(302);
    expect(textOf((await client.get("/backoffice/security")).html)).toContain("Emergency codes left: 9 of 10.");

    const again = new Client();
    await again.post("/backoffice/login", { email: staff.email, password: staff.password });
    expect((await again.post("/backoffice/second-factor", { intent: "code", code: staff.recoveryCodes[0] })).status).toBe(400);

    expect((await client.post("/backoffice/security", { password: "wrong-password" })).status).toBe(400);
    const regenerated = await client.post("/backoffice/security", { password: staff.password });
    expect(regenerated.status).toBe(200);
    const fresh = recoveryCodesOnPage(regenerated.html);
    expect(fresh).toHaveLength(10);
    expect((await again.post("/backoffice/second-factor", { intent: "code", code: staff.recoveryCodes[1] })).status).toBe(400);
    expect((await again.post("/backoffice/second-factor", { intent: "code", code: fresh[0] })).status).toBe(302);
    expect(await auditEntries({ action: "staff.recovery_codes_regenerated", actorStaffId: staff.staffId })).toHaveLength(1);
  });

  it("S-3: a staff member who enrolled during sign-in signs in again later with the code", async () => {
    const staff = await createStaff("support_agent", undefined, { twoFactor: false });
    const first = await staffSignedIn(staff);
    expect((await first.get("/backoffice")).status).toBe(200);
    const second = await staffSignedIn(staff);
    expect((await second.get("/backoffice")).status).toBe(200);
  });

  it("S-3: a staff administrator resets the second factor of a staff member who lost it; the member enrols again at the next sign-in", async () => {
    const admin = await createStaff("administrator");
    const agent = await createStaff("support_agent");
    const agentClient = await staffSignedIn(agent);
    const adminClient = await staffSignedIn(admin);

    // Not an administrator: refused.
    const other = await staffSignedIn(await createStaff("billing_agent"));
    expect((await other.post("/backoffice/staff", { intent: "resetTwoFactor", staffId: agent.staffId, confirm: "on" })).status).toBe(403);
    // Not one's own.
    const self = await adminClient.post("/backoffice/staff", { intent: "resetTwoFactor", staffId: admin.staffId, confirm: "on" });
    expect(self.status).toBe(409);

    const confirm = await adminClient.get(`/backoffice/staff?reset2fa=${agent.staffId}`);
    expect(textOf(confirm.html)).toContain(`Reset the two-factor authentication of Staff support_agent?`);
    expect((await adminClient.post("/backoffice/staff", { intent: "resetTwoFactor", staffId: agent.staffId })).status).toBe(400);
    const reset = await adminClient.post("/backoffice/staff", { intent: "resetTwoFactor", staffId: agent.staffId, confirm: "on" });
    expect(reset.status).toBe(302);
    expect(textOf((await adminClient.follow(reset)).html)).toContain("The two-factor authentication was reset.");

    expect((await agentClient.get("/backoffice")).location).toMatch(/^\/backoffice\/login/);
    expect(await testDb().selectFrom("two_factor_credentials").select("id").where("staff_id", "=", agent.staffId).execute()).toHaveLength(0);
    const again = await new Client().post("/backoffice/login", { email: agent.email, password: agent.password });
    expect(again.location).toBe("/backoffice/two-factor-setup");
    expect(await auditEntries({ action: "staff.two_factor_reset", actorStaffId: admin.staffId })).toHaveLength(1);
    const mail = await testDb().selectFrom("email_outbox").select("kind").where("to_address", "=", agent.email).execute();
    expect(mail.map((m) => m.kind)).toEqual(["two_factor_reset"]);
  });
});
