import type { AppLoadContext } from "@remix-run/node";
import { getDb } from "../db.server";
import { NotFound } from "../domain/errors";
import { clientIp, toResponse } from "../lib/http.server";
import { pickLocale, type UiLocale } from "../i18n/index";
import { defineAbilityFor, type AppAbility } from "./ability";
import { delegationIn, type Actor, type DelegationIn, type MembershipFacts } from "./actor";
import { loadSessionActor, type SessionUser } from "./actor.server";
import { getSessionStaff, redirectToLogin, sessionToken } from "./session.server";
import type { StaffAccount } from "../../db/schema";

declare module "@remix-run/node" {
  interface AppLoadContext {
    ip?: string;
  }
}

export interface UserContext {
  user: SessionUser;
  sessionId: string;
  actor: Extract<Actor, { kind: "user" }>;
  ability: AppAbility;
  locale: UiLocale;
  /** S-3: when this session passed a second factor, and whether sign-ins wait for its approval. */
  twoFactorAt: Date | null;
  approvalsWaiting: boolean;
}

// A request runs several loaders (root, layout, page): the session, the account and the actor
// are looked up once per request, in one round trip. Remix hands each loader its own copy of
// the Request, so the key is the load context, the one object all loaders of an HTTP request
// share (server.ts and Remix's default make a new one per request), and within it the cookie.
// Only reads share it: an action (which may change the actor) looks up its own, and the
// loaders that run after it share a lookup made after it.
const contexts = new WeakMap<object, Map<string, Promise<UserContext | null>>>();

/** The signed-in user's context of this request, or null without a valid session. */
export function userContextOf(request: Request, context?: AppLoadContext): Promise<UserContext | null> {
  const key = context && (request.method === "GET" || request.method === "HEAD") ? context : request;
  const cookie = request.headers.get("Cookie") ?? "";
  let byCookie = contexts.get(key);
  if (!byCookie) contexts.set(key, (byCookie = new Map()));
  let found = byCookie.get(cookie);
  if (!found) {
    found = loadUserContext(request, context);
    byCookie.set(cookie, found);
  }
  return found;
}

/** The signed-in user with their actor and ability, or a redirect to sign-in. */
export async function requireUser(request: Request, context?: AppLoadContext): Promise<UserContext> {
  const ctx = await userContextOf(request, context);
  if (!ctx) redirectToLogin(request);
  return ctx;
}

async function loadUserContext(request: Request, context?: AppLoadContext): Promise<UserContext | null> {
  const token = await sessionToken(request, "user");
  if (!token) return null;
  const found = await loadSessionActor(getDb(), token, clientIp(request, context));
  if (!found) return null;
  return {
    user: found.user,
    sessionId: found.sessionId,
    actor: found.actor,
    ability: defineAbilityFor(found.actor),
    locale: pickLocale(found.user.locale, request.headers.get("Accept-Language")),
    twoFactorAt: found.twoFactorAt,
    approvalsWaiting: found.approvalsWaiting,
  };
}

export interface OrgContext extends UserContext {
  orgId: string;
  /** The actor's membership, or undefined when it acts through a partner delegation. */
  membership?: MembershipFacts;
  /** C-3: the partner delegation through which a partner user acts in this client organization. */
  delegation?: DelegationIn;
}

/**
 * The organization of the URL, checked against the actor's memberships and (C-3) partner
 * delegations on the server, both current for this request (the delegation lists are reused
 * from memory only while the database's stamp for them is unchanged): a withdrawn delegation
 * is gone on the next request. Anyone else gets 404 and learns nothing about the organization.
 */
export async function requireOrg(request: Request, context: AppLoadContext | undefined, orgId: string | undefined): Promise<OrgContext> {
  const ctx = await requireUser(request, context);
  const membership = ctx.actor.memberships.find((m) => m.orgId === orgId);
  const delegation = orgId && !membership ? delegationIn(ctx.actor, orgId) : undefined;
  if (!orgId || (!membership && !delegation)) throw toResponse(new NotFound());
  return { ...ctx, orgId, membership, delegation };
}

export async function optionalUser(request: Request): Promise<SessionUser | null> {
  return (await userContextOf(request))?.user ?? null;
}

export interface StaffContext {
  staff: StaffAccount;
  actor: Extract<Actor, { kind: "staff" }>;
  ability: AppAbility;
}

export async function requireStaff(request: Request, context?: AppLoadContext): Promise<StaffContext> {
  const session = await getSessionStaff(getDb(), request);
  if (!session) redirectToLogin(request, "/backoffice/login");
  const actor = { kind: "staff" as const, staffId: session.staff.id, role: session.staff.role, ip: clientIp(request, context) };
  return { staff: session.staff, actor, ability: defineAbilityFor(actor) };
}
