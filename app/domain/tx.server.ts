import { sql, type Transaction } from "kysely";
import type { DB } from "../../db/schema";
import type { Database } from "../../db/client";
import type { Actor } from "../auth/actor";

/** A transaction that can run work after it commits (enqueue jobs, wake the mailer). */
export type Tx = Transaction<DB> & { onCommit(fn: () => unknown): void };
export type Handle = Database | Tx;

export async function transaction<T>(db: Handle, fn: (trx: Tx) => Promise<T>): Promise<T> {
  if (isTx(db)) return fn(db); // already inside one: join it
  const after: Array<() => unknown> = [];
  const result = await db.transaction().execute(async (raw) => {
    const trx = Object.assign(raw, { onCommit: (f: () => unknown) => void after.push(f) }) as Tx;
    return fn(trx);
  });
  for (const f of after) {
    try {
      await f();
    } catch (err) {
      // The data is committed; a failed wake-up is retried by the outbox sweep.
      console.warn("after-commit hook failed:", err);
    }
  }
  return result;
}

function isTx(db: Handle): db is Tx {
  return typeof (db as Partial<Tx>).onCommit === "function";
}

/**
 * The per-request entry point to tenant data: one transaction that knows the actor and
 * says which organizations it acts for (`app.org_ids`, transaction-scoped).
 */
export async function withActor<T>(
  db: Handle,
  actor: Actor,
  fn: (trx: Tx) => Promise<T>,
  extra: { orgIds?: string[] } = {},
): Promise<T> {
  return transaction(db, async (trx) => {
    await actAs(trx, actor, extra.orgIds);
    return fn(trx);
  });
}

/**
 * Sets, for the rest of this transaction only, whom it acts for: the user and their
 * organizations, or the staff role. Row-level security policies read these settings.
 */
export async function actAs(trx: Tx, actor: Actor, extraOrgIds: string[] = []): Promise<void> {
  const orgIds = [...(actor.kind === "user" ? actor.memberships.map((m) => m.orgId) : []), ...extraOrgIds];
  await sql`select
      set_config('app.org_ids', ${orgIds.join(",")}, true),
      set_config('app.user_id', ${actor.kind === "user" ? actor.userId : ""}, true),
      set_config('app.staff_role', ${actor.kind === "staff" ? actor.role : ""}, true)`.execute(trx);
}
