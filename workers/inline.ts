import type { Database } from "../db/client";
import { setJobSink, type JobSink } from "../app/jobs.server";
import { runJob } from "./handlers";
import { schedules } from "./queues";

/**
 * Without Redis the web process runs the same handlers itself: jobs right after they are
 * enqueued (deduplicated by job id while pending), schedules on timers.
 */
export function startInlineWorkers(db: Database): () => void {
  const pending = new Set<string>();
  const add: JobSink["add"] = async (name, payload, jobId) => {
    if (pending.has(jobId)) return;
    pending.add(jobId);
    setImmediate(() => {
      runJob(db, name, payload)
        .catch((err) => console.warn(`job ${jobId} failed:`, err))
        .finally(() => pending.delete(jobId));
    });
  };
  setJobSink({
    add,
    async addBulk(name, jobs) {
      for (const j of jobs) await add(name, j.payload, j.jobId);
    },
  });
  const timers = schedules.map((s) =>
    setInterval(() => {
      runJob(db, s.name, {}).catch((err) => console.warn(`scheduled ${s.name} failed:`, err));
    }, s.everyMs).unref(),
  );
  return () => {
    timers.forEach(clearInterval);
    setJobSink(undefined);
  };
}
