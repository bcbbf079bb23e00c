import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import type { Database } from "../../db/client";
import { startBullWorkers } from "../../workers/bullmq";
import { eventually } from "./smtp";

/**
 * The real BullMQ workers against the test's Redis, under a key prefix of their own; closing
 * them also deletes their queue (jobs and schedulers), so nothing is left in Redis.
 */
export async function startTestBullWorkers(db: Database) {
  const prefix = `test-${process.env.VITEST_POOL_ID ?? "0"}-${randomBytes(4).toString("hex")}`;
  const workers = await startBullWorkers(db, { redisUrl: process.env.REDIS_URL!, prefix, concurrency: 5 });
  return {
    ...workers,
    prefix,
    async close() {
      await workers.worker.close();
      await workers.sink.queue.obliterate({ force: true });
      await workers.close();
    },
  };
}

/** Waits (bounded) until a job has finished and returns its final state and result. */
export async function finishedJob(queue: Queue, jobId: string, timeoutMs = 15_000) {
  const result = await eventually(async () => {
    const state = await queue.getJobState(jobId);
    if (state !== "completed" && state !== "failed") return undefined;
    // Read after the state: a job read earlier may not carry its result yet.
    const job = await queue.getJob(jobId);
    return { state, returnvalue: job?.returnvalue as unknown, failedReason: job?.failedReason };
  }, timeoutMs);
  if (!result) throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms`);
  return result;
}
