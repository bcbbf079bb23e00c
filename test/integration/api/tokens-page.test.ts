import { describe, expect, it } from "vitest";
import { loadUserActor } from "../../../app/auth/actor.server";
import { listApiTokens, MAX_ACTIVE_TOKENS } from "../../../app/domain/api/tokens.server";
import { withActor } from "../../../app/domain/tx.server";
import { Client, textOf } from "../../support/app";
import { apiToken } from "../../support/api";
import { createUser, signedIn } from "../../support/factories";
import { orgWithStaff } from "../../support/members";
import { appDb, testDb } from "../../support/setup";

// users create, name, scope, list and revoke their API tokens on their account page.
async function profileWith(client: Client, token: string) {
  const page = await client.request("/api/1/profile", { headers: { Authorization: `Bearer ${token}` } });
  return { status: page.status, body: JSON.parse(page.html) };
}

function tokenIn(html: string): string {
  const m = /<code>(ppat_[A-Za-z0-9_-]{43})<\/code>/.exec(html);
  if (!m) throw new Error("no token on the page");
  return m[1];
}

describe("API tokens on the account page", () => {
  it("A-1: a token is created with its name, access, organization and expiry, shown once, listed by its prefix, and works", async () => {
    const org = await orgWithStaff("Tokens");
    const client = await signedIn(org.rep);
    const empty = await client.get("/account/api-tokens");
    expect(empty.status).toBe(200);
    expect(textOf(empty.html)).toContain("You have no API tokens yet.");
    expect((await client.get("/account")).html).toContain('href="/account/api-tokens"');

    const created = await client.post("/account/api-tokens", { intent: "create", name: "Accounting export", access: "read", orgId: org.orgId, expiry: "90" });
    expect(created.status).toBe(200);
    expect(textOf(created.html)).toContain("it is shown only this once");
    const token = tokenIn(created.html);

    const row = await testDb().selectFrom("api_tokens").selectAll().where("user_id", "=", org.rep.userId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "Accounting export", access: "read", scope_org_id: org.orgId, revoked_at: null, last_used_at: null });
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(Math.round((row.expires_at!.getTime() - row.created_at.getTime()) / 86_400_000)).toBe(90);

    // Listed afterwards by name and prefix, never in full.
    const list = await client.get("/account/api-tokens");
    expect(list.html).not.toContain(token);
    expect(textOf(list.html)).toContain("Accounting export");
    expect(textOf(list.html)).toContain(`${token.slice(0, 11)}…`);
    expect(textOf(list.html)).toContain("Read only");
    expect(textOf(list.html)).toContain("Tokens AG");

    const answer = await profileWith(new Client(), token);
    expect(answer).toEqual({
      status: 200,
      body: { result: "success", data: { id: org.rep.userId, name: org.rep.name, email: org.rep.email, locale: "en", token: { id: row.id, access: "read", organization_id: org.orgId } } },
    });
    const used = await testDb().selectFrom("api_tokens").select("last_used_at").where("id", "=", row.id).executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
    expect(textOf((await client.get("/account/api-tokens")).html)).not.toMatch(/Last used.*Never.*Active/);

    const audit = await testDb().selectFrom("audit_log").select("action").where("target_id", "=", row.id).execute();
    expect(audit.map((a) => a.action)).toEqual(["api_token.created"]);
  });

  it("A-1: invalid choices are refused with field messages; a scope outside the user's organizations is refused", async () => {
    const user = await createUser();
    const other = await createUser();
    const client = await signedIn(user);
    const bad = await client.post("/account/api-tokens", { intent: "create", name: "", access: "admin", orgId: other.orgId, expiry: "7" });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain("This field is required.");
    const foreign = await client.post("/account/api-tokens", { intent: "create", name: "Sneaky", access: "write", orgId: other.orgId, expiry: "30" });
    expect(foreign.status).toBe(400);
    expect(await testDb().selectFrom("api_tokens").select("id").where("user_id", "=", user.userId).execute()).toEqual([]);
  });

  it("A-1: revoking asks for confirmation, then the token stops working at once; another user's token cannot be revoked", async () => {
    const user = await createUser();
    const token = await apiToken(user, { name: "Old script" });
    const id = (await testDb().selectFrom("api_tokens").select("id").where("user_id", "=", user.userId).executeTakeFirstOrThrow()).id;
    const client = await signedIn(user);

    const intruder = await signedIn(await createUser());
    expect((await intruder.post("/account/api-tokens", { intent: "revoke", tokenId: id, confirm: "yes" })).status).toBe(404);
    expect((await profileWith(new Client(), token)).status).toBe(200);

    const confirm = await client.post("/account/api-tokens", { intent: "revoke", tokenId: id });
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain("Revoke the token “Old script”?");
    expect((await profileWith(new Client(), token)).status).toBe(200);

    const done = await client.post("/account/api-tokens", { intent: "revoke", tokenId: id, confirm: "yes" });
    expect(done.status).toBe(302);
    const page = await client.follow(done);
    expect(textOf(page.html)).toContain("The token was revoked.");
    expect(textOf(page.html)).toContain("Revoked");
    const refused = await profileWith(new Client(), token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("invalid_token");
  });

  it("A-1: row-level security shows a user only their own tokens; at most 50 active tokens per user", async () => {
    const a = await createUser();
    const b = await createUser();
    await apiToken(a, { name: "A's" });
    await apiToken(b, { name: "B's" });
    const actorA = await loadUserActor(appDb(), { id: a.userId, email: a.email });
    const everything = await withActor(appDb(), actorA, (trx) => trx.selectFrom("api_tokens").select("name").execute());
    expect(everything.map((t) => t.name)).toEqual(["A's"]);
    expect((await listApiTokens(appDb(), actorA)).tokens.map((t) => t.name)).toEqual(["A's"]);

    for (let i = 1; i < MAX_ACTIVE_TOKENS; i++) await apiToken(a, { name: `t${i}` });
    const client = await signedIn(a);
    const full = await client.post("/account/api-tokens", { intent: "create", name: "One too many", access: "read", orgId: "", expiry: "never" });
    expect(full.status).toBe(409);
    expect(textOf(full.html)).toContain("You have 50 active tokens.");
  });
});
