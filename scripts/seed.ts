import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { seedDemoData as seedDemo } from "../app/domain/demo/seed.server";

const db = await createDb({ databaseUrl: process.env.DATABASE_URL });
await migrateToLatest(db);
console.log((await seedDemo(db)) ? "demo data seeded" : "demo data already present");
await db.destroy();
