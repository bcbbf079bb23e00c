import type { AppLoadContext } from "@remix-run/node";
import { getDb } from "../db.server";
import { NotFound } from "../domain/errors";
import { clientIp, toResponse } from "../lib/http.server";
import { pickLocale, type UiLocale } from "../i18n/index";
import { defineAbilityFor, type AppAbility } from "./ability";
import type { Actor, MembershipFacts } from "./actor";
import { loadUserActor } from "./actor.server";
import { getSessionStaff, getSessionUser, redirectToLogin } from "./session.server";
import type { StaffAccount, User } from "../../db/schema";

declare module "@remix-run/node" {
  interface AppLoadContext {
    ip?: string;
  }
}

export interface UserContext {
  user: User;
  sessionId: string;
  actor: Extract<Actor, { kind: "user" }>;
  ability: AppAbility;
  locale: UiLocale;
}

// A document request runs several loaders (root, layout, page) on the same Request: the
// session and the actor are looked up once per request, not once per loader.
const sessions = new WeakMap<Request, ReturnType<typeof getSessionUser>>();
const users = new WeakMap<Request, Promise<UserContext | null>>();

/** The session's user of this request, looked up once per request. */
export function sessionOf(request: Request): ReturnType<typeof getSessionUser> {
  let found = sessions.get(request);
  if (!found) {
    found = getSessionUser(getDb(), request);
    sessions.set(request, found);
  }
  return found;
}

/** The signed-in user with their actor and ability, or a redirect to sign-in. */
export async function requireUser(request: Request, context?: AppLoadContext): Promise<UserContext> {
  let found = users.get(request);
  if (!found) {
    found = loadUserContext(request, context);
    users.set(request, found);
  }
  const ctx = await found;
  if (!ctx) redirectToLogin(request);
  return ctx;
}

async function loadUserContext(request: Request, context?: AppLoadContext): Promise<UserContext | null> {
  const db = getDb();
  const session = await sessionOf(request);
  if (!session) return null;
  const actor = (await loadUserActor(db, session.user, clientIp(request, context))) as UserContext["actor"];
  return {
    user: session.user,
    sessionId: session.sessionId,
    actor,
    ability: defineAbilityFor(actor),
    locale: pickLocale(session.user.locale, request.headers.get("Accept-Language")),
  };
}

export interface OrgContext extends UserContext {
  orgId: string;
  membership: MembershipFacts;
}

/**
 * The organization of the URL, checked against the actor's memberships on the server.
 * A user who is not a member gets 404 and learns nothing about the organization.
 */
export async function requireOrg(request: Request, context: AppLoadContext | undefined, orgId: string | undefined): Promise<OrgContext> {
  const ctx = await requireUser(request, context);
  const membership = ctx.actor.memberships.find((m) => m.orgId === orgId);
  if (!orgId || !membership) throw toResponse(new NotFound());
  return { ...ctx, orgId, membership };
}

export async function optionalUser(request: Request): Promise<User | null> {
  return (await sessionOf(request))?.user ?? null;
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
