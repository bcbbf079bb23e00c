import { APP_ROLE, createDb, switchRole, type Database } from "../db/client";
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

export interface InitDbOptions {
  /** Runs as the owner after migrating, before the portal's role takes over (demo seed). */
  prepare?: (owner: Database) => Promise<unknown>;
}

/**
 * Opens the database (pg or PGlite), migrates it as the owner, then serves the portal's
 * queries as `portal_app`, which row-level security applies to.
 */
export function initDb(options: InitDbOptions = {}): Promise<Database> {
  g.__portalDbReady ??= (async () => {
    const owner = await createDb({ databaseUrl: config.databaseUrl, dataDir: config.pgliteDir });
    await migrateToLatest(owner);
    await options.prepare?.(owner);
    const role = config.bypassRowLevelSecurity ? undefined : APP_ROLE;
    let db = owner;
    if (config.databaseUrl) {
      if (role) {
        await owner.destroy();
        db = await createDb({ databaseUrl: config.databaseUrl, role, poolSize: config.poolSize });
      }
    } else if (role) {
      await switchRole(owner, role);
    }
    g.__portalDb = db;
    return db;
  })();
  return g.__portalDbReady;
}
