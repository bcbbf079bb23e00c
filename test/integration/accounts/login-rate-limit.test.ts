import { describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn, uniqueEmail } from "../../support/factories";
import { testDb } from "../../support/setup";

const TOO_MANY = /Too many attempts\. Try again in \d+ minutes\./;

async function signInCount(userId: string) {
  return (await testDb().selectFrom("sessions").select("id").where("user_id", "=", userId).execute()).length;
}

describe("sign-in rate limits", () => {
  it("O-8: after 5 failed attempts for one account, the 6th is refused with 429 even with the right password", async () => {
    const user = await createUser();
    for (let i = 0; i < 5; i++) {
      // Each attempt from another address: the limit follows the account, not the address.
      const page = await new Client(`10.51.0.${i + 1}`).post("/login", { email: user.email, password: `wrong-password-${i}` });
      expect(page.status).toBe(400);
      expect(textOf(page.html)).toContain("E-mail or password is wrong.");
    }
    const sixth = await new Client("10.51.0.9").post("/login", { email: user.email.toUpperCase(), password: user.password });
    expect(sixth.status).toBe(429);
    expect(sixth.response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(textOf(sixth.html)).toMatch(TOO_MANY);
    expect(sixth.response.headers.getSetCookie()).toEqual([]);
    expect(await signInCount(user.userId)).toBe(0);

    // Another account is not affected.
    const other = await createUser();
    await signedIn(other);
  });

  it("O-8: a successful sign-in clears the account's failed attempts", async () => {
    const user = await createUser();
    const client = new Client("10.52.0.1");
    for (let i = 0; i < 4; i++) expect((await client.post("/login", { email: user.email, password: "wrong-password" })).status).toBe(400);
    expect((await client.post("/login", { email: user.email, password: user.password })).status).toBe(302);
    for (let i = 0; i < 4; i++) {
      expect((await new Client("10.52.0.2").post("/login", { email: user.email, password: "wrong-password" })).status).toBe(400);
    }
    await signedIn(user);
  });

  it("O-8: after 30 failed attempts from one address across many accounts, that address is refused with 429", async () => {
    const user = await createUser();
    const attacker = new Client("10.53.0.1");
    for (let i = 0; i < 30; i++) {
      const page = await attacker.post("/login", { email: uniqueEmail("victim"), password: "guess-password" });
      expect(page.status).toBe(400);
    }
    const blocked = await attacker.post("/login", { email: user.email, password: user.password });
    expect(blocked.status).toBe(429);
    expect(textOf(blocked.html)).toMatch(TOO_MANY);
    expect(await signInCount(user.userId)).toBe(0);

    // The account itself is not locked: from another address it signs in.
    await signedIn(user);
  });

  it("O-8: successful sign-ins from one shared address do not count against it", async () => {
    const office = "10.54.0.1";
    const user = await createUser();
    for (let i = 0; i < 32; i++) {
      const page = await new Client(office).post("/login", { email: user.email, password: user.password });
      expect(page.status).toBe(302);
    }
  });
});
