import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { Redis } from "ioredis";
import { config } from "../config.server";

// Rate limits shared by all server processes through Redis; in memory without Redis.
// Kept on globalThis so the built server and test code use the same limiters.
const g = globalThis as { __portalLimiters?: Map<string, RateLimiterAbstract>; __portalRedis?: Redis; __portalRlPrefix?: string };

function redis(): Redis | undefined {
  if (!config.redisUrl) return undefined;
  g.__portalRedis ??= new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
  return g.__portalRedis;
}

export interface LimitSpec {
  name: string;
  points: number;
  durationSec: number;
  blockSec?: number;
}

function limiter(spec: LimitSpec): RateLimiterAbstract {
  g.__portalLimiters ??= new Map();
  const prefix = `${process.env.RATE_LIMIT_PREFIX ?? "rl"}:${spec.name}`;
  let l = g.__portalLimiters.get(prefix);
  if (!l) {
    const client = redis();
    const opts = { keyPrefix: prefix, points: spec.points, duration: spec.durationSec, blockDuration: spec.blockSec ?? 0 };
    l = client ? new RateLimiterRedis({ ...opts, storeClient: client, useRedisPackage: false }) : new RateLimiterMemory(opts);
    g.__portalLimiters.set(prefix, l);
  }
  return l;
}

export class RateLimited extends Error {
  constructor(public readonly retryAfterSec: number) {
    super("rate_limited");
  }
}

/** Takes one point from each key's bucket; throws RateLimited if any bucket is empty. */
export async function consume(spec: LimitSpec, key: string): Promise<void> {
  try {
    await limiter(spec).consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw new RateLimited(Math.ceil(err.msBeforeNext / 1000));
    throw err;
  }
}

/** Gives back a point taken by `consume`, for attempts that turned out to be legitimate. */
export async function refund(spec: LimitSpec, key: string): Promise<void> {
  await limiter(spec).reward(key, 1);
}

export async function reset(spec: LimitSpec, key: string): Promise<void> {
  await limiter(spec).delete(key);
}

export const LOGIN_PER_ACCOUNT: LimitSpec = { name: "login-account", points: 5, durationSec: 15 * 60 };
export const LOGIN_PER_IP: LimitSpec = { name: "login-ip", points: 30, durationSec: 15 * 60 };
export const RESET_PER_IP: LimitSpec = { name: "reset-ip", points: 10, durationSec: 60 * 60 };

/** Where a key's bucket stands after a request: for the RateLimit-* headers of the API. */
export interface LimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSec: number;
}

/** Takes one point like `consume`, but reports the bucket's state instead of throwing. */
export async function take(spec: LimitSpec, key: string): Promise<LimitState> {
  const state = (res: RateLimiterRes, allowed: boolean): LimitState => ({
    allowed,
    limit: spec.points,
    remaining: Math.max(0, res.remainingPoints),
    resetSec: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  });
  try {
    return state(await limiter(spec).consume(key), true);
  } catch (err) {
    if (err instanceof RateLimiterRes) return state(err, false);
    throw err;
  }
}

// 60 API requests a minute per user, across all their tokens and all server processes.
// Not configurable per user (the rule says the limit cannot be raised).
export const API_PER_USER: LimitSpec = { name: "api-user", points: 60, durationSec: 60 };
// Requests without a valid token count per address, so guessing tokens is limited too.
export const API_PER_IP: LimitSpec = { name: "api-ip", points: 60, durationSec: 60 };
// S-3: second-factor attempts per account; a right password does not reset it.
export const TWO_FACTOR_PER_ACCOUNT: LimitSpec = { name: "2fa-account", points: 5, durationSec: 15 * 60 };
