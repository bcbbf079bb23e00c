import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Database } from "../db/client";
import type { JobSink } from "../app/jobs.server";
import { runJob } from "./handlers";
import { QUEUE, schedules, type JobName } from "./queues";

export interface BullOptions {
  redisUrl: string;
  /** Key prefix, so test workers do not share queues. */
  prefix?: string;
}

const jobDefaults = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function connect(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

/** The producer side: enqueue with the business id as the job id. */
export function createBullSink(opts: BullOptions): JobSink & { queue: Queue; close(): Promise<void> } {
  const connection = connect(opts.redisUrl);
  const queue = new Queue(QUEUE, { connection, prefix: opts.prefix ?? "portal", defaultJobOptions: jobDefaults });
  queue.on("error", (err) => console.warn("queue error:", err.message));
  return {
    queue,
    async add(name, payload, jobId) {
      await queue.add(name, payload, { jobId });
    },
    async addBulk(name, jobs) {
      await queue.addBulk(jobs.map((j) => ({ name, data: j.payload, opts: { jobId: j.jobId } })));
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** The consumer side: a worker running every job handler, and the job schedulers. */
export async function startBullWorkers(db: Database, opts: BullOptions & { concurrency?: number }) {
  const sink = createBullSink(opts);
  for (const s of schedules) {
    await sink.queue.upsertJobScheduler(`schedule-${s.name}`, { every: s.everyMs }, { name: s.name, data: {} });
  }
  const connection = connect(opts.redisUrl);
  const worker = new Worker(QUEUE, (job) => runJob(db, job.name as JobName, job.data, { updateProgress: (p) => job.updateProgress(p) }), {
    connection,
    prefix: opts.prefix ?? "portal",
    concurrency: opts.concurrency ?? 10,
  });
  worker.on("error", (err) => console.warn("worker error:", err.message));
  // A failed attempt is retried with backoff (jobDefaults); say which one failed and why.
  worker.on("failed", (job, err) => console.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}):`, err.message));
  return {
    sink,
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
      await sink.close();
    },
  };
}
