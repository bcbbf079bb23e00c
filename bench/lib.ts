import { spawn, type ChildProcess } from "node:child_process";
// @ts-ignore -- autocannon ships no types
import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Drives `url` with `connections` concurrent connections for `seconds`, after a warm-up. */
export async function load(url: string, opts: { connections?: number; seconds?: number; headers?: Record<string, string> } = {}): Promise<LoadResult> {
  const run = (duration: number) =>
    new Promise<any>((resolve, reject) => {
      autocannon(
        { url, connections: opts.connections ?? 20, duration, headers: opts.headers ?? {} },
        (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)),
      );
    });
  await run(2);
  const r = await run(opts.seconds ?? 8);
  return {
    requestsPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

export interface Child {
  url: string;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point in its own process and waits for "listening on URL". */
export async function startProcess(script: string, env: Record<string, string | undefined>): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = output.match(/listening on (http:\/\/localhost:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export function row(label: string, r: LoadResult): string {
  return `${label.padEnd(44)} ${r.requestsPerSec.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms${r.errors || r.non2xx ? `   (errors ${r.errors}, non-2xx ${r.non2xx})` : ""}`;
}
