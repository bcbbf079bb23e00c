import { existsSync } from "node:fs";
import pg from "pg";
import { createDb } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { databaseUrl, PG_ADMIN_URL } from "./env";

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
  }
}

// Once per run: a freshly migrated template database, named for this run so that runs on
// one machine never touch each other's; each test file clones it.
export default async function globalSetup(project: TestProject) {
  const TEMPLATE_DB = `portal_tpl_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  project.provide("templateDb", TEMPLATE_DB);
  if (!existsSync("build/index.js")) throw new Error("run `remix build` before the tests (npm test does)");
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${TEMPLATE_DB}`);
  const db = await createDb({ databaseUrl: databaseUrl(TEMPLATE_DB), poolSize: 1 });
  await migrateToLatest(db);
  await db.destroy();
  // Leftovers of interrupted runs: names carry their creation time; only those older than
  // two hours go, so a run going on in parallel on this machine keeps its databases.
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like 'portal\\_t\\_%' or datname like 'portal\\_tpl\\_%'`,
  );
  const cutoff = Date.now() / 1000 - 2 * 3600;
  for (const { datname } of rows) {
    const created = Number(datname.split("_")[2]);
    if (Number.isFinite(created) && created < cutoff) {
      await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
    }
  }
  await admin.end();
  return async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    await c.query(`drop database if exists ${TEMPLATE_DB}`).catch(() => undefined);
    await c.end();
  };
}
