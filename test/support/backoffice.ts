import { sql } from "kysely";
import { Client, textOf } from "./app";
import { testDb } from "./setup";
import { recoveryCodesOnPage, secretOnPage, totpAt, unusedTotp } from "./two-factor";

// Second factors of staff accounts enrolled through the pages during these tests, by e-mail.
const enrolled = new Map<string, { totpSecret: string; recoveryCodes: string[] }>();

/**
 * A client signed in to the back office through the real staff sign-in: the password, then the
 * second factor (S-3: staff must use two factors). A staff member without one enrols on the
 * way, as in the browser. When this 30-second window's codes were already used, one of the
 * account's emergency codes stands in.
 */
export async function staffSignedIn(staff: { email: string; password: string; totpSecret?: string; recoveryCodes?: string[] }): Promise<Client> {
  const client = new Client();
  const page = await client.post("/backoffice/login", { email: staff.email, password: staff.password });
  if (page.status !== 302) throw new Error(`staff sign-in failed for ${staff.email}: ${page.status}`);
  const staffRow = await testDb().selectFrom("staff_accounts").select("id").where("email", "=", staff.email.toLowerCase()).executeTakeFirstOrThrow();
  if (page.location === "/backoffice/two-factor-setup") {
    const setup = await client.get("/backoffice/two-factor-setup");
    const totpSecret = secretOnPage(setup.html);
    const done = await client.post("/backoffice/two-factor-setup", { code: await totpAt(totpSecret) });
    if (done.status !== 200) throw new Error(`staff enrolment failed for ${staff.email}: ${done.status} ${textOf(done.html).slice(0, 200)}`);
    enrolled.set(staff.email.toLowerCase(), { totpSecret, recoveryCodes: recoveryCodesOnPage(done.html) });
    return client;
  }
  const factor = staff.totpSecret ? { totpSecret: staff.totpSecret, recoveryCodes: staff.recoveryCodes ?? [] } : enrolled.get(staff.email.toLowerCase());
  if (!factor) throw new Error(`no second factor known for ${staff.email}`);
  const code = (await unusedTotp(factor.totpSecret, { staffId: staffRow.id })) ?? factor.recoveryCodes.shift();
  if (!code) throw new Error(`no unused second factor left for ${staff.email}`);
  const verified = await client.post("/backoffice/second-factor", { intent: "code", code });
  if (verified.status !== 302) throw new Error(`staff second factor failed for ${staff.email}: ${verified.status} ${textOf(verified.html).slice(0, 200)}`);
  return client;
}

/** Audit entries written directly (the log is append-only: INSERT is allowed), oldest first. */
export async function insertAuditEntries(
  count: number,
  entry: { orgId?: string | null; action: string; actorUserId?: string; actorStaffId?: string; createdAt?: Date },
): Promise<number[]> {
  const rows = await testDb()
    .insertInto("audit_log")
    .values(
      Array.from({ length: count }, (_, i) => ({
        org_id: entry.orgId ?? null,
        action: entry.action,
        actor_user_id: entry.actorUserId ?? null,
        actor_staff_id: entry.actorStaffId ?? null,
        target_type: "test",
        target_id: `n${i + 1}`,
        data: JSON.stringify({ n: i + 1 }),
        ...(entry.createdAt ? { created_at: entry.createdAt } : {}),
      })),
    )
    .returning("id")
    .execute();
  return rows.map((r) => Number(r.id));
}

export async function auditEntries(filter: { action?: string; orgId?: string; actorStaffId?: string; actorUserId?: string }) {
  return testDb()
    .selectFrom("audit_log")
    .selectAll()
    .select(sql<string>`xmin::text`.as("txid"))
    .$if(!!filter.action, (q) => q.where("action", "=", filter.action!))
    .$if(!!filter.orgId, (q) => q.where("org_id", "=", filter.orgId!))
    .$if(!!filter.actorStaffId, (q) => q.where("actor_staff_id", "=", filter.actorStaffId!))
    .$if(!!filter.actorUserId, (q) => q.where("actor_user_id", "=", filter.actorUserId!))
    .orderBy("id")
    .execute();
}
