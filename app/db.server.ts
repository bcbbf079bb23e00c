import { createDb, type Database } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { config } from "./config.server";

// One Kysely instance per process (PGlite is a single connection). Kept on globalThis so
// the built server and test code share it.
const g = globalThis as { __portalDb?: Database; __portalDbReady?: Promise<Database> };

export function getDb(): Database {
  if (!g.__portalDb) throw new Error("database not initialised: call initDb() at start-up");
  return g.__portalDb;
}

export function setDb(db: Database | undefined): void {
  g.__portalDb = db;
}

/** Opens the database (pg or PGlite) and migrates it to the latest version. */
export function initDb(): Promise<Database> {
  g.__portalDbReady ??= (async () => {
    const db = await createDb({ databaseUrl: config.databaseUrl });
    await migrateToLatest(db);
    g.__portalDb = db;
    return db;
  })();
  return g.__portalDbReady;
}
