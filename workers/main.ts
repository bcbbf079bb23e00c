import { initDb } from "../app/db.server";
import { setJobSink } from "../app/jobs.server";
import { startBullWorkers } from "./bullmq";

// `npm run workers`: BullMQ workers and job schedulers against REDIS_URL.
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  console.error("REDIS_URL is not set: without Redis the web server runs the jobs itself.");
  process.exit(1);
}
// Migrates as the owner, then runs the jobs as portal_app under row-level security.
const db = await initDb();
const workers = await startBullWorkers(db, { redisUrl });
setJobSink(workers.sink);
console.log("workers running");

async function shutdown(signal: string) {
  console.log(`${signal}: closing workers`);
  await workers.close();
  await db.destroy();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
