import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../../app/auth/password.server";
import { Client, textOf } from "../../support/app";
import { auditEntries, staffSignedIn } from "../../support/backoffice";
import { createStaff, createUser, signedIn, uniqueEmail } from "../../support/factories";
import { testDb } from "../../support/setup";
import { totpAt } from "../../support/two-factor";

const staffCount = async () =>
  Number((await testDb().selectFrom("staff_accounts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

describe("back office: staff accounts and sign-in", () => {
  it("K-1: a staff member signs in to the back office with their own account, and the sign-in is audited with their staff id", async () => {
    const staff = await createStaff("partner_manager");
    const client = new Client();
    const signIn = await client.post("/backoffice/login", { email: staff.email.toUpperCase(), password: staff.password });
    expect(signIn.status).toBe(302);
    // S-3: staff must use two factors; the session comes with the code.
    expect(signIn.location).toBe("/backoffice/second-factor");
    expect(signIn.response.headers.get("Set-Cookie")).not.toMatch(/pp_staff=/);
    const verified = await client.post("/backoffice/second-factor", { intent: "code", code: await totpAt(staff.totpSecret!) });
    expect(verified.status).toBe(302);
    expect(verified.location).toBe("/backoffice");
    expect(verified.response.headers.getSetCookie().join("\n")).toMatch(/^pp_staff=.*Path=\/;/im);

    const home = await client.get("/backoffice");
    expect(home.status).toBe(200);
    const text = textOf(home.html);
    expect(text).toContain("Staff partner_manager");
    expect(text).toContain("Partner manager");
    expect(text).toContain(staff.email);

    const entries = await auditEntries({ action: "staff.signed_in", actorStaffId: staff.staffId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_user_id: null, org_id: null, target_type: "staff", target_id: staff.staffId, ip: client.ip });
  });

  it("K-1: a staff account cannot sign in on the customer side, nor a customer account in the back office", async () => {
    const staff = await createStaff("administrator");
    const customer = await createUser();
    const sessionsBefore = await testDb().selectFrom("sessions").select("id").execute();

    const staffOnCustomerSide = await new Client().post("/login", { email: staff.email, password: staff.password });
    expect(staffOnCustomerSide.status).toBe(400);
    expect(textOf(staffOnCustomerSide.html)).toContain("E-mail or password is wrong.");

    const customerInBackoffice = await new Client().post("/backoffice/login", { email: customer.email, password: customer.password });
    expect(customerInBackoffice.status).toBe(400);
    expect(textOf(customerInBackoffice.html)).toContain("E-mail or password is wrong.");

    const sessionsAfter = await testDb().selectFrom("sessions").select("id").execute();
    expect(sessionsAfter).toHaveLength(sessionsBefore.length);
  });

  it("K-1: a customer session gives no access to the back office and a staff session none to an organization", async () => {
    const customer = await createUser();
    const staff = await createStaff("administrator");

    const customerClient = await signedIn(customer);
    for (const path of ["/backoffice", "/backoffice/staff", "/backoffice/audit"]) {
      const page = await customerClient.get(path);
      expect(page.status, path).toBe(302);
      expect(page.location, path).toMatch(/^\/backoffice\/login/);
    }
    const customerPost = await customerClient.post("/backoffice/staff", {
      intent: "create",
      name: "Intruder",
      email: uniqueEmail("intruder"),
      role: "administrator",
      password: "a-very-long-password",
    });
    expect(customerPost.status).toBe(302);
    expect(customerPost.location).toMatch(/^\/backoffice\/login/);

    const staffClient = await staffSignedIn(staff);
    for (const path of [`/orgs/${customer.orgId}`, `/orgs/${customer.orgId}/audit`, `/orgs/${customer.orgId}/products`, "/account"]) {
      const page = await staffClient.get(path);
      expect(page.status, path).toBe(302);
      expect(page.location, path).toMatch(/^\/login/);
    }
    expect(await testDb().selectFrom("staff_accounts").select("id").where("name", "=", "Intruder").execute()).toHaveLength(0);
  });

  it("K-1: the back-office sign-in is rate-limited per staff account, apart from a customer login with the same e-mail", async () => {
    const email = uniqueEmail("same.person");
    const customer = await createUser({ email });
    const staff = await createStaff("support_agent");
    await testDb().updateTable("staff_accounts").set({ email }).where("id", "=", staff.staffId).execute();

    for (let i = 0; i < 5; i++) {
      const wrong = await new Client().post("/backoffice/login", { email, password: `wrong-password-${i}` });
      expect(wrong.status).toBe(400);
    }
    const blocked = await new Client().post("/backoffice/login", { email, password: staff.password });
    expect(blocked.status).toBe(429);
    expect(textOf(blocked.html)).toContain("Too many attempts");

    // The customer account with the same address has its own bucket.
    const customerSignIn = await new Client().post("/login", { email, password: customer.password });
    expect(customerSignIn.status).toBe(302);
  });

  it("K-1: a staff administrator creates a staff account; it is audited with the administrator's id and the new account can sign in", async () => {
    const admin = await createStaff("administrator");
    const client = await staffSignedIn(admin);
    const page = await client.get("/backoffice/staff");
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("New staff account");

    const email = uniqueEmail("new.staff");
    const created = await client.post("/backoffice/staff", {
      intent: "create",
      name: "Nora Billing",
      email: email.toUpperCase(),
      role: "billing_agent",
      password: "twelve-chars-ok",
    });
    expect(created.status).toBe(302);
    const after = await client.follow(created);
    expect(textOf(after.html)).toContain("The staff account was created.");
    expect(textOf(after.html)).toContain("Nora Billing");

    const row = await testDb().selectFrom("staff_accounts").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "Nora Billing", role: "billing_agent", disabled_at: null });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.password_hash, "twelve-chars-ok")).toBe(true);
    // A staff account is not a customer account.
    expect(await testDb().selectFrom("users").select("id").where("email", "=", email).execute()).toHaveLength(0);

    const entries = await auditEntries({ action: "staff.created", actorStaffId: admin.staffId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_staff_id: admin.staffId, actor_user_id: null, target_id: row.id });
    expect(entries[0].data).toMatchObject({ email, role: "billing_agent" });

    const newcomer = await staffSignedIn({ email, password: "twelve-chars-ok" });
    expect(textOf((await newcomer.get("/backoffice")).html)).toContain("Billing agent");
  });

  it("K-1: a staff account needs a password of at least 12 characters and a unique e-mail", async () => {
    const admin = await createStaff("administrator");
    const client = await staffSignedIn(admin);
    const before = await staffCount();

    const short = await client.post("/backoffice/staff", { intent: "create", name: "Short", email: uniqueEmail(), role: "support_agent", password: "eleven-char" });
    expect(short.status).toBe(400);
    expect(textOf(short.html)).toContain("Use at least 12 characters.");

    const taken = await client.post("/backoffice/staff", { intent: "create", name: "Dup", email: admin.email, role: "support_agent", password: "a-long-password!" });
    expect(taken.status).toBe(400);
    expect(textOf(taken.html)).toContain("A staff account with this e-mail already exists.");

    const badRole = await client.post("/backoffice/staff", { intent: "create", name: "Role", email: uniqueEmail(), role: "root", password: "a-long-password!" });
    expect(badRole.status).toBe(400);
    expect(await staffCount()).toBe(before);
    expect(await auditEntries({ action: "staff.created", actorStaffId: admin.staffId })).toHaveLength(0);
  });

  it("K-1: disabling a staff account needs confirmation, ends its sessions at once and is audited", async () => {
    const admin = await createStaff("administrator");
    const agent = await createStaff("support_agent");
    const adminClient = await staffSignedIn(admin);
    const agentClient = await staffSignedIn(agent);
    expect((await agentClient.get("/backoffice")).status).toBe(200);

    const confirm = await adminClient.get(`/backoffice/staff?disable=${agent.staffId}`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain("Disable Staff support_agent?");
    expect(confirm.html).toMatch(/<input type="checkbox" name="confirm" required/);

    const unconfirmed = await adminClient.post(`/backoffice/staff?disable=${agent.staffId}`, { intent: "disable", staffId: agent.staffId });
    expect(unconfirmed.status).toBe(400);
    expect(textOf(unconfirmed.html)).toContain("Tick the box to confirm.");
    expect((await testDb().selectFrom("staff_accounts").select("disabled_at").where("id", "=", agent.staffId).executeTakeFirstOrThrow()).disabled_at).toBeNull();

    const disabled = await adminClient.post(`/backoffice/staff?disable=${agent.staffId}`, { intent: "disable", staffId: agent.staffId, confirm: "on" });
    expect(disabled.status).toBe(302);
    expect(textOf((await adminClient.follow(disabled)).html)).toContain("The staff account was disabled.");
    expect((await testDb().selectFrom("staff_accounts").select("disabled_at").where("id", "=", agent.staffId).executeTakeFirstOrThrow()).disabled_at).not.toBeNull();
    expect(await testDb().selectFrom("sessions").select("id").where("staff_id", "=", agent.staffId).execute()).toHaveLength(0);

    const locked = await agentClient.get("/backoffice");
    expect(locked.status).toBe(302);
    expect(locked.location).toMatch(/^\/backoffice\/login/);
    const again = await new Client().post("/backoffice/login", { email: agent.email, password: agent.password });
    expect(again.status).toBe(400);

    const entries = await auditEntries({ action: "staff.disabled", actorStaffId: admin.staffId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_staff_id: admin.staffId, target_id: agent.staffId });
  });

  it("K-1: an administrator cannot disable their own account", async () => {
    const admin = await createStaff("administrator");
    const client = await staffSignedIn(admin);
    const page = await client.post(`/backoffice/staff?disable=${admin.staffId}`, { intent: "disable", staffId: admin.staffId, confirm: "on" });
    expect(page.status).toBe(409);
    expect(textOf(page.html)).toContain("You cannot disable your own account.");
    expect((await testDb().selectFrom("staff_accounts").select("disabled_at").where("id", "=", admin.staffId).executeTakeFirstOrThrow()).disabled_at).toBeNull();
  });

  it("K-1: staff who are not administrators see the staff list without forms and get 403 when posting", async () => {
    const admin = await createStaff("administrator");
    const createdBefore = (await auditEntries({ action: "staff.created" })).length;
    const disabledBefore = (await auditEntries({ action: "staff.disabled" })).length;
    for (const role of ["support_agent", "billing_agent", "partner_manager"] as const) {
      const staff = await createStaff(role);
      const client = await staffSignedIn(staff);
      const page = await client.get("/backoffice/staff");
      expect(page.status, role).toBe(200);
      const text = textOf(page.html);
      expect(text).toContain(admin.email);
      expect(text).toContain("Only back-office administrators can create or disable staff accounts.");
      expect(text).not.toContain("New staff account");
      expect(page.html).not.toContain('name="password"');
      expect(page.html).not.toContain("?disable=");

      const before = await staffCount();
      const create = await client.post("/backoffice/staff", {
        intent: "create",
        name: "Sneaky",
        email: uniqueEmail("sneaky"),
        role: "administrator",
        password: "a-long-password!",
      });
      expect(create.status, role).toBe(403);
      expect(await staffCount()).toBe(before);

      const disable = await client.post("/backoffice/staff", { intent: "disable", staffId: admin.staffId, confirm: "on" });
      expect(disable.status, role).toBe(403);
      expect((await testDb().selectFrom("staff_accounts").select("disabled_at").where("id", "=", admin.staffId).executeTakeFirstOrThrow()).disabled_at).toBeNull();
    }
    expect(await auditEntries({ action: "staff.created" })).toHaveLength(createdBefore);
    expect(await auditEntries({ action: "staff.disabled" })).toHaveLength(disabledBefore);
  });

  it("K-1: signing out of the back office ends the staff session and is audited", async () => {
    const staff = await createStaff("billing_agent");
    const client = await staffSignedIn(staff);
    const out = await client.post("/backoffice/logout", {});
    expect(out.status).toBe(302);
    expect(out.location).toBe("/backoffice/login");
    expect(await testDb().selectFrom("sessions").select("id").where("staff_id", "=", staff.staffId).execute()).toHaveLength(0);
    expect((await client.get("/backoffice")).status).toBe(302);
    expect(await auditEntries({ action: "staff.signed_out", actorStaffId: staff.staffId })).toHaveLength(1);
  });
});
