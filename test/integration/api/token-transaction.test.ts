import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { withTokenTransaction } from "../../../app/domain/api/tokens.server";
import { withActor } from "../../../app/domain/tx.server";
import { apiToken } from "../../support/api";
import { addMember, createProduct, createUser } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";

// a read with a token looks the token up in the round trip that opens the request's
// transaction, acting with the settings this process guessed from the token's last request;
// the looked-up actor's settings replace a wrong guess before the request reads anything.
async function readAs(token: string) {
  return withTokenTransaction(appDb(), token, "127.0.0.1", async (found, trx) => {
    if (!found) return null;
    const setting = await sql<{ user_id: string; org_ids: string }>`select current_setting('app.user_id') as user_id, current_setting('app.org_ids') as org_ids`.execute(trx);
    // The handler joins the transaction as the actor: the same settings, the same rows.
    const products = await withActor(trx, found.actor, (inner) => inner.selectFrom("products").select("org_id").distinct().execute());
    return {
      userId: setting.rows[0].user_id,
      orgIds: setting.rows[0].org_ids.split(",").filter(Boolean).sort(),
      productOrgs: products.map((p) => p.org_id).sort(),
    };
  });
}

describe("A-1: the token look-up opens a read's transaction", () => {
  it("A-1: a lost membership, a narrowed scope, a revocation and an expiry apply on the very next request", async () => {
    const user = await createUser({ name: "Reader" });
    const other = await createUser({ name: "Other Owner" });
    await addMember(other.orgId, user.userId, "admin");
    await createProduct(user.orgId, "hosting", "own.ch");
    await createProduct(other.orgId, "hosting", "other.ch");
    const token = await apiToken(user, { access: "read" });

    const both = [user.orgId, other.orgId].sort();
    const first = await readAs(token);
    expect(first).toEqual({ userId: user.userId, orgIds: both, productOrgs: both });
    // The last use is recorded by the look-up, committed with the request.
    const used = await testDb().selectFrom("api_tokens").select("last_used_at").where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();

    // The membership in the other organization ends: the guess (both) is replaced at once.
    await testDb().deleteFrom("memberships").where("org_id", "=", other.orgId).where("user_id", "=", user.userId).execute();
    expect(await readAs(token)).toEqual({ userId: user.userId, orgIds: [user.orgId], productOrgs: [user.orgId] });

    // Back as a member, then the token is narrowed to that organization.
    await addMember(other.orgId, user.userId, "admin");
    expect((await readAs(token))?.orgIds).toEqual(both);
    await testDb().updateTable("api_tokens").set({ scope_org_id: other.orgId }).where("user_id", "=", user.userId).execute();
    expect(await readAs(token)).toEqual({ userId: user.userId, orgIds: [other.orgId], productOrgs: [other.orgId] });

    // Revoked: refused on the next request.
    await testDb().updateTable("api_tokens").set({ revoked_at: new Date() }).where("user_id", "=", user.userId).execute();
    expect(await readAs(token)).toBeNull();

    // Expired: refused from its expiry on.
    const expiring = await apiToken(user, { access: "read", expiry: "30" });
    expect(await readAs(expiring)).not.toBeNull();
    await testDb().updateTable("api_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("revoked_at", "is", null).where("user_id", "=", user.userId).execute();
    expect(await readAs(expiring)).toBeNull();
  });
});
