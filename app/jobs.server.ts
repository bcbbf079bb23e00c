import type { JobName, JobPayload } from "../workers/queues";

/** Where jobs go: BullMQ when REDIS_URL is set, else the in-process runner. */
export interface JobSink {
  add<N extends JobName>(name: N, payload: JobPayload<N>, jobId: string): Promise<void>;
  /** Many jobs of one kind in one round trip (each with its deterministic id). */
  addBulk<N extends JobName>(name: N, jobs: Array<{ payload: JobPayload<N>; jobId: string }>): Promise<void>;
}

const g = globalThis as { __portalJobs?: JobSink };

export function setJobSink(sink: JobSink | undefined): void {
  g.__portalJobs = sink;
}

/** Enqueues a job with a deterministic id (no ':' in it, BullMQ reserves it). */
export async function enqueue<N extends JobName>(name: N, payload: JobPayload<N>, jobId: string): Promise<void> {
  if (jobId.includes(":")) throw new Error(`job id must not contain ':' (${jobId})`);
  if (!g.__portalJobs) return; // no runner in this process: the periodic sweeps pick the work up
  await g.__portalJobs.add(name, payload, jobId);
}

/** Enqueues many jobs of one kind at once, each with a deterministic id (no ':'). */
export async function enqueueBulk<N extends JobName>(name: N, jobs: Array<{ payload: JobPayload<N>; jobId: string }>): Promise<void> {
  const bad = jobs.find((j) => j.jobId.includes(":"));
  if (bad) throw new Error(`job id must not contain ':' (${bad.jobId})`);
  if (!g.__portalJobs || jobs.length === 0) return;
  await g.__portalJobs.addBulk(name, jobs);
}
