import { randomUUID } from "node:crypto";
import pg from "pg";
import { hash } from "@node-rs/argon2";
import { sql } from "kysely";
import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";

export const BENCH_PASSWORD = "bench-password-2026";
const ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export function benchDatabaseUrl(name = "portal_bench"): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops and recreates database `name`, migrated; returns an owner handle on it. */
export async function freshDatabase(name: string) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const db = await createDb({ databaseUrl: benchDatabaseUrl(name) });
  await migrateToLatest(db);
  return db;
}

/** A fresh database with one organization of `members` members; returns its id and the rep's login. */
export async function seedMembersOrg(members = 1000, name = "portal_bench") {
  const db = await freshDatabase(name);
  const passwordHash = await hash(BENCH_PASSWORD);
  const orgId = randomUUID();
  const users = Array.from({ length: members }, (_, i) => ({
    id: randomUUID(),
    email: `member${String(i).padStart(4, "0")}@bench.example`,
    name: `Member ${String(i).padStart(4, "0")}`,
    password_hash: passwordHash,
  }));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < users.length; i += 500) await trx.insertInto("users").values(users.slice(i, i + 500)).execute();
    await trx.insertInto("organizations").values({ id: orgId, name: "Bench AG", legal_rep_user_id: users[0].id }).execute();
    const rows = users.map((u, i) => ({ org_id: orgId, user_id: u.id, role: i < 5 ? ("admin" as const) : ("restricted" as const) }));
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto("memberships").values(rows.slice(i, i + 500)).execute();
    const teamId = (await trx.insertInto("teams").values({ org_id: orgId, name: "Support" }).returning("id").executeTakeFirstOrThrow()).id;
    await trx
      .insertInto("team_members")
      .values(users.slice(0, 200).map((u) => ({ org_id: orgId, team_id: teamId, user_id: u.id })))
      .execute();
  });
  await db.destroy();
  return { orgId, email: users[0].email, password: BENCH_PASSWORD, databaseUrl: benchDatabaseUrl(name) };
}

// Products of the four common kinds, by the row number `g`: expiries spread over a year
// (a month overdue to 11 months ahead, all hours of the day), auto-renewal on for 30%.
const productColumns = "org_id, type, name, product_type_code, expires_at, auto_renew, auto_renew_method";
const productValues = (orgId: string, at: string) => `
  ${orgId},
  (array['domain', 'hosting', 'mail', 'storage'])[g % 4 + 1],
  'bench-' || g || '.ch',
  (array['domain-ch', 'hosting-starter', 'mail-standard', 'storage-drive'])[g % 4 + 1],
  '${at}'::timestamptz + ((g::bigint * 7919) % 365 - 30) * interval '1 day' + (g % 24) * interval '1 hour',
  g % 10 < 3,
  case when g % 10 < 3 then 'visa' end`;

/**
 * The renewal sweep's database: `orgs` organizations (each with its representative) sharing
 * `products` products, generated in SQL. Returns the URL and how many products have
 * auto-renewal on.
 */
export async function seedRenewalsDb(products = 1_000_000, orgs = 1000, name = "portal_bench_renewals") {
  const db = await freshDatabase(name);
  const at = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await sql.raw(`
      insert into users (email, name, password_hash)
        select 'rep' || n || '@bench.example', 'Rep ' || n, 'not-a-login' from generate_series(1, ${orgs}) n`).execute(trx);
    await sql.raw(`insert into organizations (name, legal_rep_user_id) select 'Org ' || name, id from users`).execute(trx);
    await sql.raw(`insert into memberships (org_id, user_id, role) select id, legal_rep_user_id, 'admin' from organizations`).execute(trx);
    await sql.raw(`
      with o as (select id, row_number() over (order by id) - 1 as n from organizations)
      insert into products (${productColumns})
        select ${productValues("o.id", at)}
        from generate_series(0, ${products - 1}) g join o on o.n = g % ${orgs}`).execute(trx);
  });
  await sql`analyze`.execute(db);
  const { n } = await db.selectFrom("products").select((eb) => eb.fn.countAll<number>().as("n")).where("auto_renew", "=", true).executeTakeFirstOrThrow();
  await db.destroy();
  return { databaseUrl: benchDatabaseUrl(name), autoRenewing: Number(n) };
}

/** One organization with `products` products, its representative signed in by password. */
export async function seedToPayOrg(products = 5000, name = "portal_bench_to_pay") {
  const db = await freshDatabase(name);
  const orgId = randomUUID();
  const rep = { id: randomUUID(), email: "rep@bench.example", name: "Bench Rep", password_hash: await hash(BENCH_PASSWORD) };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("users").values(rep).execute();
    await trx.insertInto("organizations").values({ id: orgId, name: "Bench AG", legal_rep_user_id: rep.id }).execute();
    await trx.insertInto("memberships").values({ org_id: orgId, user_id: rep.id, role: "admin" }).execute();
    await sql.raw(`insert into products (${productColumns}) select ${productValues(`'${orgId}'::uuid`, new Date().toISOString())} from generate_series(0, ${products - 1}) g`).execute(trx);
  });
  await sql`analyze`.execute(db);
  await db.destroy();
  return { orgId, email: rep.email, password: BENCH_PASSWORD, databaseUrl: benchDatabaseUrl(name) };
}
