import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE, createDb, type Database } from "../../../db/client";
import { loadUserActor } from "../../../app/auth/actor.server";
import type { UserActor } from "../../../app/auth/actor";
import { actAs, transaction, withActor } from "../../../app/domain/tx.server";
import { appDb, testDb } from "../../support/setup";
import { populatedOrganization, tenantTables } from "../../support/tenant";

// Tenant isolation in the database itself (issue 4): whatever a query forgets, portal_app
// sees and changes only rows of the organizations its transaction acts for.
type Raw = Kysely<any>;

let a: Awaited<ReturnType<typeof populatedOrganization>>;
let b: Awaited<ReturnType<typeof populatedOrganization>>;
let actorA: UserActor;
let tables: string[];

const keyOf = (table: string) => (table === "organizations" ? "id" : "org_id");

beforeAll(async () => {
  a = await populatedOrganization();
  b = await populatedOrganization();
  actorA = await loadUserActor(appDb(), { id: a.rep.userId, email: a.rep.email });
  tables = [...(await tenantTables()), "organizations"];
});

/** Runs `fn` as portal_app acting for organization A, then rolls everything back. */
async function asA<T>(fn: (trx: Raw) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await transaction(appDb(), async (trx) => {
    await actAs(trx, actorA);
    result = await fn(trx);
    throw new Rollback();
  }).catch((err) => {
    if (!(err instanceof Rollback)) throw err;
  });
  return result as T;
}
class Rollback extends Error {}

async function count(db: Raw, table: string, orgId: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(keyOf(table))} = ${orgId}`.execute(db);
  return r.rows[0].n;
}

describe("row-level security", () => {
  it("every table with an org_id has row-level security enabled, forced, and a policy; portal_app owns nothing and cannot bypass it", async () => {
    const { rows } = await sql<{ table: string; enabled: boolean; forced: boolean; policies: number; owner: string }>`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
             (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies,
             pg_get_userbyid(c.relowner) as owner
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relname = any(${tables})`.execute(testDb());
    expect(rows.map((r) => r.table).sort()).toEqual([...tables].sort());
    expect(tables.length).toBeGreaterThanOrEqual(12);
    for (const r of rows) {
      expect({ table: r.table, enabled: r.enabled, forced: r.forced, hasPolicy: r.policies > 0 }).toEqual({
        table: r.table,
        enabled: true,
        forced: true,
        hasPolicy: true,
      });
      expect(r.owner).not.toBe(APP_ROLE);
    }
    const role = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
      select rolsuper, rolbypassrls from pg_roles where rolname = ${APP_ROLE}`.execute(testDb());
    expect(role.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    const who = await transaction(appDb(), (trx) => sql<{ u: string }>`select current_user as u`.execute(trx));
    expect(who.rows[0].u).toBe(APP_ROLE);
  });

  it("the fixture has rows of both organizations in every tenant table", async () => {
    for (const table of tables) {
      expect({ table, a: (await count(testDb(), table, a.orgId)) > 0, b: (await count(testDb(), table, b.orgId)) > 0 }).toEqual({
        table,
        a: true,
        b: true,
      });
    }
  });

  it("acting for organization A, raw SQL sees none of organization B's rows, in every tenant table", async () => {
    for (const table of tables) {
      const seen = await asA(async (trx) => ({ own: await count(trx, table, a.orgId), other: await count(trx, table, b.orgId) }));
      expect({ table, ...seen, own: seen.own > 0 }).toEqual({ table, own: true, other: 0 });
    }
  });

  it("acting for organization A, raw SQL updates and deletes none of organization B's rows", async () => {
    for (const table of tables) {
      const key = sql.ref(keyOf(table));
      const changed = await asA(async (trx) => {
        const attempt = async (query: ReturnType<typeof sql>) => {
          try {
            await sql`savepoint s`.execute(trx);
            const r = await query.execute(trx);
            await sql`release savepoint s`.execute(trx);
            return Number(r.numAffectedRows ?? 0);
          } catch {
            await sql`rollback to savepoint s`.execute(trx); // the audit log refuses outright
            return 0;
          }
        };
        return {
          updated: await attempt(sql`update ${sql.table(table)} set ${key} = ${key} where ${key} = ${b.orgId}`),
          deleted: await attempt(sql`delete from ${sql.table(table)} where ${key} = ${b.orgId}`),
        };
      });
      expect({ table, ...changed }).toEqual({ table, updated: 0, deleted: 0 });
      expect(await count(testDb(), table, b.orgId)).toBeGreaterThan(0);
    }
  });

  it("acting for organization A, raw SQL cannot insert a row for organization B", async () => {
    for (const table of tables) {
      const row = await sql<{ r: unknown }>`select to_jsonb(t) as r from ${sql.table(table)} t where ${sql.ref(keyOf(table))} = ${b.orgId} limit 1`.execute(testDb());
      const error = await asA(async (trx) => {
        try {
          // Generated columns (e.g. a search vector) take no value: copy the others.
          const cols = await sql<{ name: string }>`
            select attname as name from pg_attribute
            where attrelid = ${table}::regclass and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`.execute(trx);
          const list = sql.join(cols.rows.map((c) => sql.ref(c.name)));
          await sql`insert into ${sql.table(table)} (${list}) select ${list} from jsonb_populate_record(null::${sql.table(table)}, ${JSON.stringify(row.rows[0].r)}::jsonb)`.execute(trx);
          return "inserted";
        } catch (err) {
          return String((err as Error).message);
        }
      });
      expect({ table, refused: /row-level security|permission denied/.test(error) }).toEqual({ table, refused: true });
    }
  });

  it("a transaction that does not say for whom it acts sees no tenant row at all (default deny)", async () => {
    for (const table of tables) {
      const r = await transaction(appDb(), (trx) =>
        sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(trx),
      );
      expect({ table, n: r.rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  describe("on a pooled connection", () => {
    let single: Database;
    beforeAll(async () => {
      single = await createDb({ databaseUrl: process.env.DATABASE_URL, poolSize: 1, role: APP_ROLE });
    });
    afterAll(async () => {
      await single.destroy();
    });

    it("the setting does not survive its transaction", async () => {
      const inside = await withActor(single, actorA, (trx) =>
        sql<{ n: number }>`select count(*)::int as n from memberships`.execute(trx),
      );
      expect(inside.rows[0].n).toBeGreaterThan(0);
      const setting = await sql<{ v: string | null }>`select current_setting('app.org_ids', true) as v`.execute(single);
      expect(setting.rows[0].v ?? "").toBe("");
      const after = await sql<{ n: number }>`select count(*)::int as n from memberships`.execute(single);
      expect(after.rows[0].n).toBe(0);
    });
  });
});
