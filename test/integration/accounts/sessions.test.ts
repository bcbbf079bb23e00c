import { describe, expect, it } from "vitest";
import { Client } from "../../support/app";
import { createUser, signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";
import { addMs, DAY, setClock } from "../../../app/lib/clock";

describe("sessions", () => {
  it("O-8: signing out deletes the session in the database; the old cookie no longer works", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    const oldCookie = client.cookieHeader();
    expect((await client.get("/account")).status).toBe(200);
    expect(await testDb().selectFrom("sessions").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(1);

    const out = await client.post("/logout", {});
    expect(out.status).toBe(302);
    expect(out.location).toBe("/login");
    expect(client.cookieHeader()).toBe("");
    expect(await testDb().selectFrom("sessions").select("id").where("user_id", "=", user.userId).execute()).toHaveLength(0);

    // Replaying the cookie captured before signing out is refused.
    const replay = await new Client().get("/account", { Cookie: oldCookie });
    expect(replay.status).toBe(302);
    expect(replay.location).toBe("/login?redirectTo=%2Faccount");
  });

  it("O-8: a session ends 14 days after sign-in and then leads to the sign-in page", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    const signedInAt = new Date();

    setClock(() => addMs(signedInAt, 13 * DAY));
    expect((await client.get("/account")).status).toBe(200);

    setClock(() => addMs(signedInAt, 14 * DAY + 60_000));
    const expired = await client.get("/account");
    expect(expired.status).toBe(302);
    expect(expired.location).toBe("/login?redirectTo=%2Faccount");
    // The sign-in page is shown, not a redirect loop back into the portal.
    const login = await client.get("/login");
    expect(login.status).toBe(200);
  });

  it("O-8: a forged or unknown session cookie gives no access", async () => {
    const page = await new Client().get("/account", { Cookie: "pp_session=forged-value" });
    expect(page.status).toBe(302);
    expect(page.location).toMatch(/^\/login/);
  });
});
