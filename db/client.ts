import { Kysely, PostgresDialect, sql } from "kysely";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import pg from "pg";
import type { DB } from "./schema";

// bigint (int8) and count(*) come back as strings from pg: money in minor units and
// counts fit safely in a JS number, so parse them as numbers in one place.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export type Database = Kysely<DB>;

export interface CreateDbOptions {
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
  /**
   * The role every connection switches to (`SET ROLE`), e.g. `portal_app`, which owns no
   * table and is subject to row-level security. Without it, queries run as the connecting
   * (owner) role: migrations, seeds and tests' own assertions.
   */
  role?: string;
}

export const APP_ROLE = "portal_app";

// pg sends a query without parameters as one simple-protocol message, which may hold
// several statements (BEGIN and the transaction's settings in one round trip); PGlite's
// driver takes one statement per query. The set lives on globalThis: the Remix build bundles
// its own copy of this module, and the handle server.ts creates must be known to both copies
// (with a per-module set, every page transaction paid two extra round trips).
const multiStatement: WeakSet<object> = ((globalThis as { [key: symbol]: WeakSet<object> | undefined })[Symbol.for("partner-portal.multiStatementDbs")] ??= new WeakSet<object>());
export function acceptsMultiStatementText(db: object): boolean {
  return multiStatement.has(db);
}

/** A pg Pool for DATABASE_URL; without it, PGlite (embedded Postgres) in a local folder. */
/**
 * A pg client whose multi-statement text answers with its last statement's result (pg gives an
 * array of results, of which Kysely reads nothing): BEGIN, the settings and a look-up in one
 * round trip, the look-up's rows read by the caller.
 */
class LastResultClient extends pg.Client {
  override query(...args: any[]): any {
    const out: unknown = (super.query as (...a: unknown[]) => unknown).apply(this, args);
    return out instanceof Promise ? out.then((r: unknown) => (Array.isArray(r) ? r[r.length - 1] : r)) : out;
  }
}

export async function createDb(options: CreateDbOptions = {}): Promise<Database> {
  if (options.databaseUrl) {
    // JIT off: the portal's statements are short, but row-level security inflates their
    // estimated cost, and a large one (the client export) spent 5.5 s of 10 s compiling 1,115
    // JIT functions for its policies' expressions.
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, options: "-c jit=off", Client: LastResultClient });
    const role = options.role;
    // Queries on a client run in order, so the SET ROLE runs before any query of the pool's.
    if (role) pool.on("connect", (client) => void client.query(`set role ${pg.escapeIdentifier(role)}`));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    multiStatement.add(db);
    return db;
  }
  const { PGlite, types } = await import("@electric-sql/pglite");
  const { PGliteDialect } = await import("kysely-pglite-dialect");
  const dataDir = options.dataDir ?? "./.data/pglite";
  await mkdir(dirname(dataDir), { recursive: true });
  const client = await PGlite.create({
    dataDir,
    parsers: { [types.INT8]: (v: string) => Number(v), [types.NUMERIC]: (v: string) => Number(v) },
  });
  if (options.role) await client.exec(`set role ${pg.escapeIdentifier(options.role)}`);
  return new Kysely<DB>({ dialect: new PGliteDialect(client) });
}

/** PGlite is one connection: after migrating as the owner, the same connection switches role. */
export async function switchRole(db: Database, role: string): Promise<void> {
  await sql.raw(`set role ${pg.escapeIdentifier(role)}`).execute(db);
}

/** Kysely counts come back as string (pg) or number (PGlite). */
export function toCount(value: unknown): number {
  return Number(value ?? 0);
}

/**
 * A pg pool: several connections, so a long transaction (an export's server-side cursor) can
 * run beside short ones. PGlite is one connection whose transactions run one after another.
 */
export function hasConnectionPool(db: object): boolean {
  return multiStatement.has(db);
}
