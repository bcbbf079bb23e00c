import { createCookie, redirect } from "@remix-run/node";
import type { Database } from "../../db/client";
import type { StaffAccount } from "../../db/schema";
import { config } from "../config.server";
import { addMs, DAY, now } from "../lib/clock";
import { hashToken, newToken } from "./tokens.server";

// Sessions live in the database (revocable); the cookie carries a random token whose hash
// is the key. Customer and staff sessions use different cookies and tables never mix.
const SESSION_DAYS = 14;

function cookie(name: string, path: string) {
  return createCookie(name, {
    httpOnly: true,
    sameSite: "lax",
    path,
    secure: config.secureCookies,
    secrets: [config.sessionSecret],
    maxAge: SESSION_DAYS * 24 * 3600,
  });
}
let cookies: { user: ReturnType<typeof cookie>; staff: ReturnType<typeof cookie> } | undefined;
function jar() {
  // Both on path "/": Remix fetches a page's data at "<path>.data" (e.g. "/backoffice.data"),
  // which a cookie scoped to "/backoffice" would not be sent to.
  cookies ??= { user: cookie("pp_session", "/"), staff: cookie("pp_staff", "/") };
  return cookies;
}

export type SessionKind = "user" | "staff";

export async function createSession(
  db: Database,
  kind: SessionKind,
  principalId: string,
  meta: { userAgent?: string | null; ip?: string | null; twoFactor?: boolean },
): Promise<string> {
  const { token, tokenHash } = newToken();
  await db
    .insertInto("sessions")
    .values({
      token_hash: tokenHash,
      user_id: kind === "user" ? principalId : null,
      staff_id: kind === "staff" ? principalId : null,
      expires_at: addMs(now(), SESSION_DAYS * DAY),
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
      two_factor_at: meta.twoFactor ? now() : null,
    })
    .execute();
  return jar()[kind].serialize(token);
}

/** The session token of the request's cookie of that kind, if any. */
export async function sessionToken(request: Request, kind: SessionKind): Promise<string | null> {
  const value = await jar()[kind].parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length > 0 ? value : null;
}

export async function getSessionStaff(
  db: Database,
  request: Request,
): Promise<{ sessionId: string; staff: StaffAccount } | null> {
  const token = await sessionToken(request, "staff");
  if (!token) return null;
  const row = await db
    .selectFrom("sessions as s")
    .innerJoin("staff_accounts as a", "a.id", "s.staff_id")
    .selectAll("a")
    .select("s.id as session_id")
    .where("s.token_hash", "=", hashToken(token))
    .where("s.expires_at", ">", now())
    // S-3: staff must use two factors; a back-office session exists only after the second.
    .where("s.two_factor_at", "is not", null)
    .where("a.disabled_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  const { session_id, ...staff } = row;
  return { sessionId: session_id, staff };
}

/** Ends the session of this request; returns the Set-Cookie header that clears it. */
export async function destroySession(db: Database, request: Request, kind: SessionKind): Promise<string> {
  const token = await sessionToken(request, kind);
  if (token) await db.deleteFrom("sessions").where("token_hash", "=", hashToken(token)).execute();
  return jar()[kind].serialize("", { maxAge: 0 });
}

export function redirectToLogin(request: Request, loginPath = "/login"): never {
  const url = new URL(request.url);
  const back = url.pathname + url.search;
  throw redirect(back && back !== "/" ? `${loginPath}?redirectTo=${encodeURIComponent(back)}` : loginPath);
}

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}

// S-3: the sign-in waiting for its second factor has its own short-lived cookie (a token
// of a two_factor_challenges row), apart from the session cookies: it is not a session.
function challengeJarCookie(name: string) {
  return createCookie(name, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: config.secureCookies,
    secrets: [config.sessionSecret],
    maxAge: 10 * 60,
  });
}
let challengeCookies: Record<SessionKind, ReturnType<typeof challengeJarCookie>> | undefined;
function challengeJar() {
  challengeCookies ??= { user: challengeJarCookie("pp_2fa"), staff: challengeJarCookie("pp_staff_2fa") };
  return challengeCookies;
}

export async function challengeToken(request: Request, kind: SessionKind): Promise<string | null> {
  const value = await challengeJar()[kind].parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length > 0 ? value : null;
}

export function challengeCookie(kind: SessionKind, token: string): Promise<string> {
  return challengeJar()[kind].serialize(token);
}

export function clearChallengeCookie(kind: SessionKind): Promise<string> {
  return challengeJar()[kind].serialize("", { maxAge: 0 });
}
