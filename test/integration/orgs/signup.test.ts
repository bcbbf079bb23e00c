import { describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn, uniqueEmail } from "../../support/factories";
import { testDb } from "../../support/setup";

describe("sign-up", () => {
  it("O-1: signing up without an invitation creates an organization in the user's name with them as legal representative", async () => {
    const client = new Client();
    const email = uniqueEmail("Sign.Up");
    const page = await client.post("/signup", { name: "Ursula Brunner", email: email.toUpperCase(), password: "a-long-password" });
    expect(page.status).toBe(302);
    const orgId = page.location!.split("/orgs/")[1];

    const db = testDb();
    const user = await db.selectFrom("users").selectAll().where("email", "=", email.toLowerCase()).executeTakeFirstOrThrow();
    const org = await db.selectFrom("organizations").selectAll().where("id", "=", orgId).executeTakeFirstOrThrow();
    expect(org.name).toBe("Ursula Brunner");
    expect(org.legal_rep_user_id).toBe(user.id);
    const memberships = await db.selectFrom("memberships").selectAll().where("user_id", "=", user.id).execute();
    expect(memberships).toHaveLength(1);
    expect(user.password_hash).toMatch(/^\$argon2id\$/);

    const home = await client.follow(page);
    expect(home.status).toBe(200);
    expect(textOf(home.html)).toContain("Ursula Brunner");
    expect(textOf(home.html)).toContain("Legal representative");
  });

  it("O-1: invalid sign-up answers with field messages and creates nothing", async () => {
    const client = new Client();
    const existing = await createUser();
    const countUsers = async () =>
      Number((await testDb().selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const before = await countUsers();
    const page = await client.post("/signup", { name: "", email: existing.email, password: "short" });
    expect(page.status).toBe(400);
    const text = textOf(page.html);
    expect(text).toContain("This field is required.");
    expect(text).toContain("Use at least 10 characters.");
    expect(await countUsers()).toBe(before);
  });

  it("O-8: the login e-mail is case-insensitive and a wrong password is refused without saying which part is wrong", async () => {
    const user = await createUser();
    const client = new Client();
    const bad = await client.post("/login", { email: user.email, password: "wrong-password-1" });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain("E-mail or password is wrong.");
    const unknown = await client.post("/login", { email: uniqueEmail(), password: "wrong-password-1" });
    expect(textOf(unknown.html)).toContain("E-mail or password is wrong.");
    const ok = await signedIn({ email: user.email.toUpperCase(), password: user.password });
    const home = await ok.follow(await ok.get("/"));
    expect(home.status).toBe(200);
  });
});
