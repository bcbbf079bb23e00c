import { hashPassword } from "../../app/auth/password.server";
import { PASSWORD, uniqueEmail } from "./factories";
import { testDb } from "./setup";

// Helpers for the organization-administration tests (settings, teams, hand-over, leaving).

export async function createTeamRow(orgId: string, name: string): Promise<string> {
  const row = await testDb().insertInto("teams").values({ org_id: orgId, name }).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

export async function addToTeam(orgId: string, teamId: string, userId: string): Promise<void> {
  await testDb().insertInto("team_members").values({ org_id: orgId, team_id: teamId, user_id: userId }).execute();
}

export async function organization(orgId: string) {
  return testDb().selectFrom("organizations").selectAll().where("id", "=", orgId).executeTakeFirstOrThrow();
}

export async function membership(orgId: string, userId: string) {
  return testDb().selectFrom("memberships").selectAll().where("org_id", "=", orgId).where("user_id", "=", userId).executeTakeFirst();
}

export async function auditEntries(orgId: string, action: string) {
  return testDb().selectFrom("audit_log").selectAll().where("org_id", "=", orgId).where("action", "=", action).orderBy("id").execute();
}

export async function mailsTo(address: string) {
  return testDb().selectFrom("email_outbox").selectAll().where("to_address", "=", address).orderBy("created_at").execute();
}

export async function transfers(orgId: string) {
  return testDb().selectFrom("legal_rep_transfers").selectAll().where("org_id", "=", orgId).orderBy("created_at").execute();
}

export async function teamMembers(teamId: string) {
  return testDb().selectFrom("team_members").select("user_id").where("team_id", "=", teamId).execute();
}

export async function teamGrants(teamId: string) {
  return testDb().selectFrom("product_permissions").select(["product_id", "level"]).where("team_id", "=", teamId).execute();
}

export async function userGrants(orgId: string, userId: string) {
  return testDb()
    .selectFrom("product_permissions")
    .select(["product_id", "level"])
    .where("org_id", "=", orgId)
    .where("user_id", "=", userId)
    .execute();
}

/** An account whose only organization is `orgId` (as someone who joined by invitation without an account of their own). */
export async function createAccountOnlyIn(orgId: string, role: "admin" | "restricted" = "restricted") {
  const email = uniqueEmail("joined");
  const user = await testDb()
    .insertInto("users")
    .values({ email, name: "Joined Person", password_hash: await hashPassword(PASSWORD), locale: "en" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await testDb().insertInto("memberships").values({ org_id: orgId, user_id: user.id, role }).execute();
  return { userId: user.id, email, password: PASSWORD };
}
