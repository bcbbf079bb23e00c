import { performance } from "node:perf_hooks";
import { APP_ROLE, createDb } from "../db/client";
import { loadUserActor } from "../app/auth/actor.server";
import { createApiToken } from "../app/domain/api/tokens.server";
import { API_PER_USER, take } from "../app/lib/rate-limit.server";
import { load, row, startProcess, type LoadResult } from "./lib";
import { seedMembersOrg, seedToPayOrg } from "./setup-db";

interface ListCase {
  title: string;
  seeded: { orgId: string; email: string; databaseUrl: string };
  path: (orgId: string) => string;
  bareScript: string;
  barePath: string;
  check: (body: { data?: Array<{ name?: string }> }) => boolean;
}

/**
 * A-1/A-3/A-4: API lists with a bearer token under 20 concurrent connections, each beside a
 * bare node:http server answering the same query as JSON: GET /api/1/organizations/{id}/products
 * (page 2 of 5,000 products, 50 a page) and …/users (page 2 of 1,000 users); and what the
 * rate-limit check costs per request (memory and Redis).
 */
export async function benchApiList(): Promise<void> {
  await benchList({
    title: "API list, GET /api/1/organizations/{id}/products, 5,000 products, page 2, 20 connections",
    seeded: await seedToPayOrg(5000, "portal_bench_api_products"),
    path: (orgId) => `/api/1/organizations/${orgId}/products?page=2`,
    bareScript: "bench/bare-products-server.ts",
    barePath: "/?page=2",
    check: (body) => (body.data?.length ?? 0) === 50,
  });
  await benchList({
    title: "API list, GET /api/1/organizations/{id}/users, 1,000 users, page 2, 20 connections",
    seeded: await seedMembersOrg(1000, "portal_bench_api"),
    path: (orgId) => `/api/1/organizations/${orgId}/users?page=2`,
    bareScript: "bench/bare-members-server.ts",
    barePath: "/?page=2",
    check: (body) => body.data?.[0]?.name === "Member 0050",
  });
  await benchRateLimitCheck();
}

async function benchList(c: ListCase): Promise<void> {
  const seeded = c.seeded;
  const env = { DATABASE_URL: seeded.databaseUrl, NODE_ENV: "production", SESSION_SECRET: "bench-secret", REDIS_URL: undefined, PORT: "0" };

  const db = await createDb({ databaseUrl: seeded.databaseUrl, role: APP_ROLE });
  const rep = await db.selectFrom("users").select(["id", "email"]).where("email", "=", seeded.email).executeTakeFirstOrThrow();
  const { token } = await createApiToken(db, await loadUserActor(db, rep), { name: "bench", access: "read", orgId: seeded.orgId, expiry: "never" });
  await db.destroy();

  const path = c.path(seeded.orgId);
  const measureApi = async () => {
    // The limit is counted as always (its cost is in the figure) but not enforced: one token drives the load.
    const portal = await startProcess("server.ts", { ...env, BENCH_API_IGNORE_RATE_LIMIT: "1" });
    try {
      const check = await fetch(`${portal.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      const body = await check.json();
      if (check.status !== 200 || !c.check(body)) throw new Error(`API answered ${check.status}`);
      return await load(`${portal.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    } finally {
      await portal.stop();
    }
  };
  const measureBare = async () => {
    const bare = await startProcess(c.bareScript, { ...env, ORG_ID: seeded.orgId, USER_EMAIL: seeded.email });
    try {
      return await load(`${bare.url}${c.barePath}`);
    } finally {
      await bare.stop();
    }
  };
  // Alternating, the better run of each counts (the 2-core machine drifts).
  const api: LoadResult[] = [];
  const bare: LoadResult[] = [];
  for (let round = 0; round < 2; round++) {
    bare.push(await measureBare());
    api.push(await measureApi());
  }
  const best = (runs: LoadResult[]) => runs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  const baseline = best(bare);
  const viaApi = best(api);
  console.log(`\n${c.title}`);
  console.log(row("bare node:http, same query as JSON", baseline));
  console.log(row("portal API, bearer token", viaApi));
  console.log(`ratio API/bare:             ${(viaApi.requestsPerSec / baseline.requestsPerSec).toFixed(2)} (target ≥ 0.70)`);
}

async function benchRateLimitCheck(): Promise<void> {
  const limitCost = async (redisUrl: string | undefined) => {
    const saved = { redis: process.env.REDIS_URL, prefix: process.env.RATE_LIMIT_PREFIX };
    if (redisUrl) process.env.REDIS_URL = redisUrl;
    else delete process.env.REDIS_URL;
    process.env.RATE_LIMIT_PREFIX = `bench-${redisUrl ? "redis" : "memory"}-${Date.now()}`;
    try {
      const n = 5000;
      for (let i = 0; i < 200; i++) await take(API_PER_USER, `warm-${i}`);
      const start = performance.now();
      for (let i = 0; i < n; i++) await take(API_PER_USER, `user-${i % 500}`);
      return ((performance.now() - start) * 1000) / n;
    } finally {
      if (saved.redis === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved.redis;
      process.env.RATE_LIMIT_PREFIX = saved.prefix;
    }
  };
  const memoryUs = await limitCost(undefined);
  let redisUs: number | null = null;
  try {
    redisUs = await limitCost(process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379");
  } catch {
    redisUs = null;
  }

  console.log(`rate-limit check per request: memory ${memoryUs.toFixed(1)} µs, Redis ${redisUs === null ? "unavailable" : `${redisUs.toFixed(1)} µs`} (sequential, one round trip)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchApiList();
  process.exit(0);
}
