import { randomBytes } from "node:crypto";
import type { MemberRole, PermissionLevel, ProductType, StaffRole } from "../../db/schema";
import { signUp } from "../../app/domain/accounts/signup.server";
import { hashPassword } from "../../app/auth/password.server";
import { Client } from "./app";
import { testDb } from "./setup";
import { enrolStaffDirectly } from "./two-factor";

export const PASSWORD = "correct-horse-battery";

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}.${randomBytes(5).toString("hex")}@example.ch`;
}

/** A person who signed up (O-1): their account and the organization in their name. */
export async function createUser(opts: { name?: string; email?: string; password?: string; organizationName?: string } = {}) {
  const email = (opts.email ?? uniqueEmail()).toLowerCase();
  const name = opts.name ?? "Test Person";
  const password = opts.password ?? PASSWORD;
  const { userId, orgId } = await signUp(testDb(), {
    name,
    email,
    password,
    organizationName: opts.organizationName ?? `${name} Org`,
    locale: "en",
  });
  return { userId, orgId, email, password, name };
}

export async function addMember(orgId: string, userId: string, role: MemberRole = "restricted") {
  await testDb().insertInto("memberships").values({ org_id: orgId, user_id: userId, role }).execute();
}

/** A user who is a member of `orgId` with `role`, besides their own organization. */
export async function createMember(orgId: string, role: MemberRole = "restricted", opts: { name?: string } = {}) {
  const user = await createUser({ name: opts.name ?? `${role} member` });
  await addMember(orgId, user.userId, role);
  return user;
}

export async function createProduct(orgId: string, type: ProductType = "hosting", name?: string) {
  const row = await testDb()
    .insertInto("products")
    .values({ org_id: orgId, type, name: name ?? `${type}-${randomBytes(3).toString("hex")}.ch` })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function grantProduct(orgId: string, productId: string, level: PermissionLevel, who: { userId?: string; teamId?: string }) {
  await testDb()
    .insertInto("product_permissions")
    .values({ org_id: orgId, product_id: productId, level, user_id: who.userId ?? null, team_id: who.teamId ?? null })
    .execute();
}

/**
 * A staff account. Staff must use two factors (S-3): it comes with an authenticator secret and
 * emergency codes already set up, unless `twoFactor: false` (to test the forced enrolment).
 */
export async function createStaff(role: StaffRole = "support_agent", password = PASSWORD, opts: { twoFactor?: boolean } = {}) {
  const email = uniqueEmail("staff");
  const row = await testDb()
    .insertInto("staff_accounts")
    .values({ email, name: `Staff ${role}`, role, password_hash: await hashPassword(password) })
    .returning("id")
    .executeTakeFirstOrThrow();
  const twoFactor = opts.twoFactor === false ? { totpSecret: undefined, recoveryCodes: [] as string[] } : await enrolStaffDirectly(row.id);
  return { staffId: row.id, email, password, ...twoFactor };
}

/** A client signed in through the real sign-in form. */
export async function signedIn(user: { email: string; password: string }): Promise<Client> {
  const client = new Client();
  const page = await client.post("/login", { email: user.email, password: user.password });
  if (page.status !== 302) throw new Error(`sign-in failed for ${user.email}: ${page.status}`);
  return client;
}
