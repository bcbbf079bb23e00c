import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { APP_ROLE, createDb, type Database } from "../../db/client";
import { setDb } from "../../app/db.server";
import { setClock } from "../../app/lib/clock";
import { setJobSink } from "../../app/jobs.server";
import { databaseUrl, PG_ADMIN_URL, REDIS_URL } from "./env";

// Each test file gets its own database cloned from the migrated template, its own rate
// limit keys in Redis, and a real clock unless a test freezes it.
const name = `portal_t_${Math.floor(Date.now() / 1000)}_${process.env.VITEST_POOL_ID ?? "0"}_${randomBytes(4).toString("hex")}`;
process.env.DATABASE_URL = databaseUrl(name);
process.env.REDIS_URL = REDIS_URL;
process.env.RATE_LIMIT_PREFIX = `rl-${name}`;
process.env.SESSION_SECRET = "test-session-secret";
process.env.PAYMENT_WEBHOOK_SECRET = "test-payment-webhook-secret";
process.env.TWO_FACTOR_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
delete process.env.SMTP_URL;

// Two handles on the file's database: `testDb()` connects as the owner, to arrange data and
// assert on it; `appDb()` runs as portal_app under row-level security, as the portal does.
let db: Database | undefined;
let app: Database | undefined;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(async (c) => {
    // Cloning needs the template to be idle; another file may be cloning it right now.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`create database "${name}" template ${inject("templateDb")}`);
        break;
      } catch (err) {
        if (attempt > 50 || !String(err).includes("being accessed by other users")) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  db = await createDb({ databaseUrl: process.env.DATABASE_URL, poolSize: 5 });
  app = await createDb({ databaseUrl: process.env.DATABASE_URL, poolSize: 5, role: APP_ROLE });
  setDb(app);
});

afterAll(async () => {
  setDb(undefined);
  setJobSink(undefined);
  await db?.destroy();
  await app?.destroy();
  await admin(async (c) => {
    // pg's pool.end() resolves before its connections have closed. Terminating them (force)
    // makes them raise an uncaught error in this process, so wait for them to go first.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await c.query(`drop database if exists "${name}"`);
        return;
      } catch (err) {
        if (!String(err).includes("being accessed by other users")) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await c.query(`drop database if exists "${name}" with (force)`);
  });
});

// A test that logs console.error fails: errors are asserted, not printed.
const originalError = console.error;
let logged: unknown[][] = [];
beforeEach(() => {
  logged = [];
  console.error = (...args: unknown[]) => {
    logged.push(args);
    originalError(...args);
  };
});
afterEach(() => {
  console.error = originalError;
  setClock(undefined);
  if (logged.length > 0) {
    throw new Error(`console.error was called ${logged.length} time(s): ${String(logged[0][0]).slice(0, 500)}`);
  }
});

export function testDb(): Database {
  if (!db) throw new Error("test database not ready");
  return db;
}

export function appDb(): Database {
  if (!app) throw new Error("test database not ready");
  return app;
}
