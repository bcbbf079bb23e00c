import { config } from "../../config.server";
import { getDb } from "../../db.server";
import { defineAbilityFor } from "../../auth/ability";
import { readOnlyAbility } from "../../auth/read-only-ability";
import { API_PER_IP, API_PER_USER, take, type LimitState } from "../../lib/rate-limit.server";
import type { ApiCaller, Endpoint, Method } from "./endpoint";
import { ApiError, apiErrorOf, errorReply, successReply, toResponse, zodFieldErrors, type JsonReply } from "./reply.server";
import { loadTokenActor, tokenShaped, withTokenTransaction, type TokenActor } from "./tokens.server";
import type { Handle } from "../tx.server";
import { LATEST_VERSION, versions } from "./versions.server";

// A-1…A-4: one entry point for every API request (the /api/* resource route calls it).
// Order: the token → the rate limit (every reply carries its headers) → the endpoint → the
// token's access and scope → the input → the handler, whose domain errors are mapped in one place.

interface Compiled {
  endpoint: Endpoint;
  pattern: RegExp;
  names: string[];
}

const compiled = new Map<string, Compiled[]>();
function routesOf(version: string): Compiled[] {
  let routes = compiled.get(version);
  if (!routes) {
    routes = versions[version].map((endpoint) => {
      const names: string[] = [];
      const source = endpoint.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return "([^/]+)";
      });
      return { endpoint, names, pattern: new RegExp(`^${source}/?$`) };
    });
    compiled.set(version, routes);
  }
  return routes;
}

/**
 * What the router reads of a request: a fetch Request (the Remix route), or server.ts's light
 * view of the Node request (no Request built per call); the body is read only by endpoints with one.
 */
export interface ApiRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null;
}

function bearerToken(request: ApiRequest): string | null | undefined {
  const header = request.headers.get("Authorization");
  if (header === null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

function rateLimitHeaders(state: LimitState): Record<string, string> {
  return {
    "RateLimit-Limit": String(state.limit),
    "RateLimit-Remaining": String(state.remaining),
    "RateLimit-Reset": String(state.resetSec),
  };
}

/** Answers one API request; `path` is what follows `/api/` (with or without a version). */
export async function handleApiRequest(request: Request, path: string, ip: string | undefined): Promise<Response> {
  return toResponse(await answerApiRequest(request, path, ip));
}

/** handleApiRequest's answer as it is: JSON as text with its status and headers, or a handler's Response (a PDF). */
export async function answerApiRequest(request: ApiRequest, path: string, ip: string | undefined): Promise<JsonReply | Response> {
  let limit: LimitState | undefined;
  let response: JsonReply | Response;
  try {
    const { version, rest } = splitVersion(path);
    const token = bearerToken(request);
    const method = (request.method === "HEAD" ? "GET" : request.method) as Method;
    const answer = async (found: TokenActor | null, db: Handle) => {
      limit = found ? await take(API_PER_USER, found.user.id) : await take(API_PER_IP, ip ?? "unknown");
      return answerAs(found, db, { request, token, method, version, rest, limit, ip });
    };
    // A read with a token runs in one transaction whose first round trip also looks the token up
    // (every request, so revocation, expiry, scope and delegations apply on the very next one).
    // A change keeps its own transactions, as its domain functions open them.
    response =
      token && method === "GET" && tokenShaped(token)
        ? await withTokenTransaction(getDb(), token, ip, answer)
        : await answer(token ? await loadTokenActor(getDb(), token, ip) : null, getDb());
  } catch (err) {
    const known = apiErrorOf(err);
    if (!known) console.error("API request failed:", err);
    response = errorReply(known ?? new ApiError(500, "internal_error", "Something went wrong on our side."));
  }
  if (limit) {
    const headers = rateLimitHeaders(limit);
    if (response instanceof Response) for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    else Object.assign(response.headers, headers);
  }
  return response;
}

interface Asked {
  request: ApiRequest;
  token: string | null | undefined;
  method: Method;
  version: string;
  rest: string;
  limit: LimitState;
  ip: string | undefined;
}

async function answerAs(found: TokenActor | null, db: Handle, { request, token, method, version, rest, limit, ip }: Asked): Promise<JsonReply | Response> {
  if (!limit.allowed && !config.benchIgnoreApiRateLimit) {
    throw new ApiError(429, "rate_limited", `At most ${limit.limit} requests a minute; try again in ${limit.resetSec} s.`, [], {
      "Retry-After": String(limit.resetSec),
    });
  }
  if (token !== undefined && !found) {
    throw new ApiError(401, "invalid_token", "The bearer token is unknown, revoked or expired.", [], {
      "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"',
    });
  }
  const { endpoint, params } = match(version, rest, method);
  const caller: ApiCaller | null = found
    ? {
        actor: found.actor,
        ability: found.access === "read" ? readOnlyAbility(defineAbilityFor(found.actor)) : defineAbilityFor(found.actor),
        token: { id: found.tokenId, access: found.access, scopeOrgId: found.scopeOrgId },
        user: found.user,
        db,
      }
    : null;
  if (!caller && !endpoint.public) {
    throw new ApiError(401, "missing_token", "Send an API token as `Authorization: Bearer <token>`.", [], {
      "WWW-Authenticate": 'Bearer realm="api"',
    });
  }
  if (caller && method !== "GET" && caller.token.access === "read") {
    throw new ApiError(403, "read_only_token", "This token can only read; create a read-write token to change data.");
  }
  return run(endpoint, caller, params, request, ip);
}

function splitVersion(path: string): { version: string; rest: string } {
  const clean = `/${path.replace(/^\/+/, "")}`;
  const m = /^\/(\d+)(\/.*)?$/.exec(clean);
  if (!m) return { version: LATEST_VERSION, rest: clean };
  if (!versions[m[1]]) throw new ApiError(404, "unknown_version", `There is no API version ${m[1]}; the latest is ${LATEST_VERSION}.`);
  return { version: m[1], rest: m[2] ?? "/" };
}

function match(version: string, path: string, method: Method): { endpoint: Endpoint; params: Record<string, string> } {
  const allowed: Method[] = [];
  for (const route of routesOf(version)) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.endpoint.method !== method) {
      allowed.push(route.endpoint.method);
      continue;
    }
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
    return { endpoint: route.endpoint, params };
  }
  if (allowed.length > 0) {
    throw new ApiError(405, "method_not_allowed", `This path answers ${allowed.join(", ")}.`, [], { Allow: allowed.join(", ") });
  }
  throw new ApiError(404, "unknown_endpoint", `No endpoint ${method} ${path} in version ${version}.`);
}

/** Every request body of the API is small JSON: past this size it is drained, not kept, and refused. */
const MAX_BODY_BYTES = 256 * 1024;

async function readBody(request: ApiRequest): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) {
    throw new ApiError(400, "body_too_large", `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function run(endpoint: Endpoint, caller: ApiCaller | null, rawParams: Record<string, string>, request: ApiRequest, ip: string | undefined): Promise<JsonReply | Response> {
  // A malformed id names nothing: 404, like an id of another organization.
  const params = endpoint.params ? endpoint.params.safeParse(rawParams) : undefined;
  if (params && !params.success) throw new ApiError(404, "not_found", "The resource does not exist or is not visible to this token.");
  if (endpoint.orgParam && caller) {
    const orgId = rawParams[endpoint.orgParam];
    // The organization of the URL must be one the token reaches (its scope, the user's memberships).
    if (!caller.actor.memberships.some((m) => m.orgId === orgId)) {
      throw new ApiError(404, "not_found", "The resource does not exist or is not visible to this token.");
    }
  }
  let query: unknown;
  if (endpoint.query) {
    const url = new URL(request.url);
    const parsed = endpoint.query.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) throw new ApiError(400, "invalid_parameters", "The query parameters are not valid.", zodFieldErrors(parsed.error));
    query = parsed.data;
  }
  let body: unknown;
  if (endpoint.body) {
    const text = await readBody(request);
    let raw: unknown;
    try {
      raw = text.trim() === "" ? {} : JSON.parse(text);
    } catch {
      throw new ApiError(400, "malformed_json", "The request body is not valid JSON.");
    }
    const parsed = endpoint.body.safeParse(raw);
    if (!parsed.success) throw new ApiError(422, "validation_failed", "The request's data is not valid.", zodFieldErrors(parsed.error));
    body = parsed.data;
  }
  const client = { ip: ip ?? "unknown", acceptLanguage: request.headers.get("Accept-Language") };
  const reply = await endpoint.handler(caller as ApiCaller, { params: params?.data, query, body, client } as never);
  if (reply instanceof Response) return reply;
  return successReply(reply.data, reply.status ?? endpoint.success.status, reply.pagination);
}
