import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";

const db = await createDb({ databaseUrl: process.env.DATABASE_URL });
await migrateToLatest(db);
await db.destroy();
console.log("database migrated");
