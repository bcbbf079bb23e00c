import { sql } from "kysely";
import { Client } from "./app";
import { testDb } from "./setup";

/** A client signed in to the back office through the real staff sign-in form. */
export async function staffSignedIn(staff: { email: string; password: string }): Promise<Client> {
  const client = new Client();
  const page = await client.post("/backoffice/login", { email: staff.email, password: staff.password });
  if (page.status !== 302) throw new Error(`staff sign-in failed for ${staff.email}: ${page.status}`);
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
