import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { ApiTokenAccess } from "../../../db/schema";
import { buildUserActor, withKnownDelegations, type DelegationsAnswer } from "../../auth/actor.server";
import type { DelegationFacts, UserActor } from "../../auth/actor";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import { cachedDelegations } from "../../auth/delegation-cache.server";
import type { Database } from "../../../db/client";
import { actorSettings, escapeLiteral, prepare, transactionLedBy, withActor, type Handle, type Settings, type Tx } from "../tx.server";

// the API tokens a user creates, names, scopes, lists and revokes on their account page.
// A token is 32 random bytes; only its SHA-256 is stored, the token itself is shown once.

export const TOKENS_PAGE_SIZE = 20;
/** Enough for every script of a user; a leak of hundreds of forgotten tokens is not. */
export const MAX_ACTIVE_TOKENS = 50;
export const TOKEN_PREFIX = "ppat_";
export const EXPIRY_CHOICES = ["30", "90", "365", "never"] as const;

export const createTokenSchema = z.object({
  name: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(100, "errors.tooLong"),
  access: z.enum(["read", "write"], { message: "errors.invalid" }),
  /** Empty: every organization of the user. */
  orgId: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().uuid("errors.invalid").optional()),
  expiry: z.enum(EXPIRY_CHOICES, { message: "errors.invalid" }),
});
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates a token; the only time the token itself exists outside the caller's hands. */
export async function createApiToken(db: Handle, actor: UserActor, input: CreateTokenInput): Promise<{ id: string; token: string }> {
  // The scope is checked against the actor's memberships, never trusted from the form.
  if (input.orgId && !actor.memberships.some((m) => m.orgId === input.orgId)) throw new Invalid({ orgId: "errors.invalid" });
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const at = now();
  const expiresAt = input.expiry === "never" ? null : new Date(at.getTime() + Number(input.expiry) * 86_400_000);
  return withActor(db, actor, async (trx) => {
    // One user's token creations queue here, so the cap holds under concurrent requests.
    await trx.selectFrom("users").select("id").where("id", "=", actor.userId).forUpdate().executeTakeFirstOrThrow();
    const active = toCount(
      (
        await activeTokens(trx, actor.userId, at)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (active >= MAX_ACTIVE_TOKENS) throw new Conflict("too_many_tokens", "apiTokens.tooMany", { max: MAX_ACTIVE_TOKENS });
    const row = await trx
      .insertInto("api_tokens")
      .values({
        user_id: actor.userId,
        name: input.name,
        token_hash: hashApiToken(token),
        token_prefix: token.slice(0, TOKEN_PREFIX.length + 6),
        access: input.access,
        scope_org_id: input.orgId ?? null,
        created_at: at,
        expires_at: expiresAt,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, actor, {
      action: "api_token.created",
      targetType: "api_token",
      targetId: row.id,
      data: { name: input.name, access: input.access, orgId: input.orgId ?? null, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { id: row.id, token };
  });
}

function activeTokens(db: Handle, userId: string, at: Date) {
  return db
    .selectFrom("api_tokens")
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", at)]));
}

export type TokenStatus = "active" | "expired" | "revoked";

/** The user's tokens, newest first, with their scope, expiry, last use and status. */
export async function listApiTokens(db: Handle, actor: UserActor, opts: { page?: number } = {}) {
  const at = now();
  return withActor(db, actor, async (trx) => {
    const base = trx.selectFrom("api_tokens as t").where("t.user_id", "=", actor.userId);
    const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const pages = pageCount(total, TOKENS_PAGE_SIZE);
    const page = Math.min(pageNumber(opts.page), pages);
    const rows = await base
      .leftJoin("organizations as o", "o.id", "t.scope_org_id")
      .select(["t.id", "t.name", "t.token_prefix", "t.access", "t.scope_org_id", "o.name as org_name", "t.created_at", "t.expires_at", "t.last_used_at", "t.revoked_at"])
      .orderBy("t.created_at", "desc")
      .orderBy("t.id")
      .limit(TOKENS_PAGE_SIZE)
      .offset((page - 1) * TOKENS_PAGE_SIZE)
      .execute();
    return {
      page,
      pages,
      total,
      tokens: rows.map((r) => ({
        id: r.id,
        name: r.name,
        prefix: r.token_prefix,
        access: r.access,
        orgId: r.scope_org_id,
        orgName: r.org_name,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        lastUsedAt: r.last_used_at,
        status: (r.revoked_at ? "revoked" : r.expires_at && r.expires_at <= at ? "expired" : "active") as TokenStatus,
      })),
    };
  });
}

/** Revokes one of the user's own tokens at once; another user's token id is NotFound. */
export async function revokeApiToken(db: Handle, actor: UserActor, tokenId: string): Promise<void> {
  if (!z.string().uuid().safeParse(tokenId).success) throw new NotFound();
  await withActor(db, actor, async (trx) => {
    const row = await trx
      .updateTable("api_tokens")
      .set({ revoked_at: now() })
      .where("id", "=", tokenId)
      .where("user_id", "=", actor.userId)
      .where("revoked_at", "is", null)
      .returning(["id", "name"])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(trx, actor, { action: "api_token.revoked", targetType: "api_token", targetId: row.id, data: { name: row.name } });
  });
}

export interface TokenActor {
  tokenId: string;
  access: ApiTokenAccess;
  scopeOrgId: string | null;
  user: { id: string; email: string; name: string; locale: string };
  actor: UserActor;
}

/**
 * A bearer token → its user's actor, narrowed to the token's organization, in one round
 * trip (`portal_api_token_actor`, migrations 0029/0030/0035, with the partner delegations a
 * portal session gets, reused from this process's cache while their stamp is current); null
 * for an unknown, revoked or expired token. The last use is recorded by the same call, at
 * most once a minute.
 */
export async function loadTokenActor(db: Handle, token: string, ip?: string): Promise<TokenActor | null> {
  if (!tokenShaped(token)) return null;
  const at = now();
  const loaded = await withKnownDelegations(hashApiToken(token), tokenKey, async (tokenHash, stamp) => lookUp(db, tokenHash, at, stamp));
  return loaded && tokenActorOf(loaded, ip);
}

export function tokenShaped(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length <= 100;
}

const tokenKey = (found: TokenActorJson) => `token:${found.user.id}:${found.scopeOrgId ?? ""}`;

async function lookUp(db: Handle, tokenHash: string, at: Date, stamp: string | null): Promise<TokenActorJson | null | undefined> {
  return (await sql<{ found: TokenActorJson | null }>`select portal_api_token_actor(${tokenHash}, ${at}, ${stamp}) as found`.execute(db)).rows[0]?.found;
}

/**
 * for a read: the token's look-up travels with BEGIN in the round trip that opens the
 * request's transaction, and `fn` runs in that transaction, acting as the token's actor; `fn`
 * gets null (and must answer 401 without touching data) for an unknown, revoked or expired token.
 *
 * The look-up is made on every request, so a revocation, an expiry or a changed membership,
 * scope or delegation applies on the very next one. What this process remembers of a token is
 * only a guess of the settings (`app.*`) its actor needs, sent with BEGIN: the looked-up actor's
 * settings replace a wrong guess before `fn` runs any query.
 */
export async function withTokenTransaction<T>(db: Database, token: string, ip: string | undefined, fn: (found: TokenActor | null, trx: Tx) => Promise<T>): Promise<T> {
  const tokenHash = hashApiToken(token);
  const at = now();
  const stamp = cachedDelegations(tokenHash)?.stamp ?? null;
  const lead = `select portal_api_token_actor(${escapeLiteral(tokenHash)}, ${escapeLiteral(at.toISOString())}::timestamptz, ${stamp === null ? "null" : escapeLiteral(stamp)}) as found`;
  const guess = guessedSettings(tokenHash, at);
  return transactionLedBy(db, lead, guess, async (rows, trx) => {
    let first = true;
    const loaded = await withKnownDelegations(tokenHash, tokenKey, async (hash, sentStamp) => {
      if (first && sentStamp === stamp) {
        first = false;
        return (rows[0] as { found: TokenActorJson | null } | undefined)?.found;
      }
      return lookUp(trx, hash, at, sentStamp);
    });
    if (!loaded) {
      settingsGuesses.delete(tokenHash);
      return fn(null, trx);
    }
    const found = tokenActorOf(loaded, ip);
    const settings = actorSettings(found.actor, [], at);
    await prepare(trx, settings);
    rememberSettings(tokenHash, settings);
    return fn(found, trx);
  });
}

// The settings each recent token's actor needed, as a guess for its next request (bounded).
const MAX_GUESSES = 20_000;
const settingsGuesses = new Map<string, Settings>();

function guessedSettings(tokenHash: string, at: Date): Settings | undefined {
  const known = settingsGuesses.get(tokenHash);
  return known && (known["app.now"] ? { ...known, "app.now": at.toISOString() } : known);
}

function rememberSettings(tokenHash: string, settings: Settings): void {
  settingsGuesses.delete(tokenHash);
  settingsGuesses.set(tokenHash, settings);
  if (settingsGuesses.size > MAX_GUESSES) settingsGuesses.delete(settingsGuesses.keys().next().value!);
}

function tokenActorOf(loaded: { found: TokenActorJson; delegations: DelegationFacts[] }, ip: string | undefined): TokenActor {
  const { found, delegations } = loaded;
  return {
    tokenId: found.tokenId,
    access: found.access,
    scopeOrgId: found.scopeOrgId,
    user: found.user,
    actor: buildUserActor(found.user, found.memberships, found.permissions, ip, delegations),
  };
}

interface TokenActorJson extends DelegationsAnswer {
  tokenId: string;
  access: ApiTokenAccess;
  scopeOrgId: string | null;
  user: { id: string; email: string; name: string; locale: string };
  memberships: Parameters<typeof buildUserActor>[1];
  permissions: Parameters<typeof buildUserActor>[2];
}
