import { randomUUID } from "node:crypto";
import pg from "pg";
import { hash } from "@node-rs/argon2";
import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";

export const BENCH_PASSWORD = "bench-password-2026";
const ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export function benchDatabaseUrl(name = "portal_bench"): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database with one organization of `members` members; returns its id and the rep's login. */
export async function seedMembersOrg(members = 1000, name = "portal_bench") {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();

  const db = await createDb({ databaseUrl: benchDatabaseUrl(name) });
  await migrateToLatest(db);
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
