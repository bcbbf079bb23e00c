import { randomBytes } from "node:crypto";
import type { MemberRole } from "../../db/schema";
import { ownLevels } from "../../app/domain/orgs/members.server";
import { createMember, createUser } from "./factories";
import { testDb } from "./setup";

export async function createTeam(orgId: string, name = `Team ${randomBytes(3).toString("hex")}`) {
  const row = await testDb().insertInto("teams").values({ org_id: orgId, name }).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

export async function addToTeam(orgId: string, teamId: string, userId: string) {
  await testDb().insertInto("team_members").values({ org_id: orgId, team_id: teamId, user_id: userId }).execute();
}

/**
 * Many members at once, for pagination: accounts inserted directly (no password hashing),
 * named `${prefix} 001`, `${prefix} 002`, … so their order is known.
 */
export async function bulkMembers(orgId: string, count: number, prefix: string, role: MemberRole = "restricted") {
  const tag = randomBytes(3).toString("hex");
  const users = await testDb()
    .insertInto("users")
    .values(
      Array.from({ length: count }, (_, i) => ({
        email: `${prefix.toLowerCase().replace(/\W/g, "")}.${tag}.${i}@example.ch`,
        name: `${prefix} ${String(i + 1).padStart(3, "0")}`,
        password_hash: "not-a-usable-hash",
        locale: "en" as const,
      })),
    )
    .returning("id")
    .execute();
  await testDb()
    .insertInto("memberships")
    .values(users.map((u) => ({ org_id: orgId, user_id: u.id, role })))
    .execute();
  return users.map((u) => u.id);
}

/** An organization with its legal representative, one administrator and one restricted user. */
export async function orgWithStaff(name = "Acme") {
  const rep = await createUser({ name: `${name} Rep`, organizationName: `${name} AG` });
  const admin = await createMember(rep.orgId, "admin", { name: `${name} Admin` });
  const restricted = await createMember(rep.orgId, "restricted", { name: `${name} Restricted` });
  return { orgId: rep.orgId, rep, admin, restricted };
}

/** The invitation link of the latest mail queued to `email`, as a path (`/invitations/…`). */
export async function latestInvitationPath(email: string): Promise<string> {
  const mail = await testDb()
    .selectFrom("email_outbox")
    .select("body_text")
    .where("to_address", "=", email)
    .where("kind", "=", "invitation")
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const match = mail.body_text.match(/https?:\/\/\S+?(\/invitations\/[A-Za-z0-9_-]+)/);
  if (!match) throw new Error(`no invitation link in: ${mail.body_text}`);
  return match[1];
}

export async function invitationMails(email: string) {
  return testDb()
    .selectFrom("email_outbox")
    .selectAll()
    .where("to_address", "=", email)
    .where("kind", "=", "invitation")
    .orderBy("created_at")
    .execute();
}

export async function membershipOf(orgId: string, userId: string) {
  return testDb().selectFrom("memberships").selectAll().where("org_id", "=", orgId).where("user_id", "=", userId).executeTakeFirst();
}

/** Read as the table's owner, past row-level security. */
export async function ownPermissions(orgId: string, userId: string): Promise<Record<string, string>> {
  return ownLevels(testDb(), orgId, userId);
}

export async function auditEntries(orgId: string, action: string) {
  return testDb()
    .selectFrom("audit_log")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("action", "=", action)
    .orderBy("id")
    .execute();
}

/** A snapshot of everything the member pages may change in an organization, to prove "nothing changed". */
export async function orgSnapshot(orgId: string) {
  const db = testDb();
  const [memberships, permissions, teamMembers, invitations, audit] = await Promise.all([
    db.selectFrom("memberships").select(["user_id", "role"]).where("org_id", "=", orgId).orderBy("user_id").execute(),
    db
      .selectFrom("product_permissions")
      .select(["product_id", "user_id", "team_id", "level"])
      .where("org_id", "=", orgId)
      .orderBy("product_id")
      .orderBy("user_id")
      .execute(),
    db.selectFrom("team_members").select(["team_id", "user_id"]).where("org_id", "=", orgId).orderBy("team_id").orderBy("user_id").execute(),
    db
      .selectFrom("invitations")
      .select(["id", "email", "token_hash", "expires_at", "accepted_at", "revoked_at"])
      .where("org_id", "=", orgId)
      .orderBy("id")
      .execute(),
    db.selectFrom("audit_log").select("id").where("org_id", "=", orgId).orderBy("id").execute(),
  ]);
  return { memberships, permissions, teamMembers, invitations, audit };
}
