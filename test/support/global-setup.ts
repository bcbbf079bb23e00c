import { existsSync } from "node:fs";
import pg from "pg";
import { createDb } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { databaseUrl, PG_ADMIN_URL, TEMPLATE_DB } from "./env";

// Once per run: a freshly migrated template database; each test file clones it.
export default async function globalSetup() {
  if (!existsSync("build/index.js")) throw new Error("run `remix build` before the tests (npm test does)");
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  const db = await createDb({ databaseUrl: databaseUrl(TEMPLATE_DB), poolSize: 1 });
  await migrateToLatest(db);
  await db.destroy();
  // Leftovers of an interrupted run. Not forced: a database still in use belongs to a run
  // going on in parallel (several people test on one machine) and is left alone.
  const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'portal\\_t\\_%'`);
  for (const r of rows) await admin.query(`drop database if exists "${r.datname}"`).catch(() => undefined);
  await admin.end();
}
