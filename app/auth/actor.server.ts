import { sql } from "kysely";
import { actAs, transaction, type Handle } from "../domain/tx.server";
import { hashToken } from "./tokens.server";
import { addMs, now } from "../lib/clock";
import { APPROVAL_TTL_MS } from "../domain/two-factor/approval-ttl";
import { cachedDelegations, rememberDelegations } from "./delegation-cache.server";
import type { MemberRole, PermissionLevel, User } from "../../db/schema";
import type { DelegationFacts, MembershipFacts, UserActor } from "./actor";

const rank: Record<PermissionLevel, number> = { read: 1, manage: 2 };

interface MembershipRow {
  orgId: string;
  orgName: string;
  role: MemberRole;
  legalRepUserId: string;
}
interface PermissionRow {
  orgId: string;
  productId: string;
  level: PermissionLevel;
}

/**
 * What the ability needs about a user: memberships, whether they represent the
 * organization, and for restricted members the effective level per product (own and
 * teams', the highest wins: O-7). Administrators and the representative reach every product.
 */
export function buildUserActor(
  user: { id: string; email: string },
  membershipRows: MembershipRow[],
  permissionRows: PermissionRow[],
  ip?: string,
  delegations?: DelegationFacts[],
): UserActor {
  const memberships = new Map<string, MembershipFacts>();
  for (const r of membershipRows) {
    memberships.set(r.orgId, {
      orgId: r.orgId,
      orgName: r.orgName,
      role: r.role,
      isLegalRep: r.legalRepUserId === user.id,
      products: {},
    });
  }
  for (const p of permissionRows) {
    const m = memberships.get(p.orgId);
    if (!m || m.isLegalRep || m.role !== "restricted") continue;
    const current = m.products[p.productId];
    if (!current || rank[p.level] > rank[current]) m.products[p.productId] = p.level;
  }
  const actor: UserActor = { kind: "user", userId: user.id, email: user.email, memberships: [...memberships.values()], ip };
  if (delegations && delegations.length > 0) actor.delegations = delegations;
  return actor;
}

/** Loads a user's actor with ordinary queries (for jobs and tools; requests use the session). */
export async function loadUserActor(db: Handle, user: { id: string; email: string }, ip?: string): Promise<UserActor> {
  return transaction(db, async (trx) => {
    // First as "this user" only: row-level security lets a user see their own memberships.
    await actAs(trx, { kind: "user", userId: user.id, email: user.email, memberships: [] });
    const memberships = await trx
      .selectFrom("memberships as m")
      .innerJoin("organizations as o", "o.id", "m.org_id")
      .select(["m.org_id as orgId", "o.name as orgName", "m.role", "o.legal_rep_user_id as legalRepUserId"])
      .where("m.user_id", "=", user.id)
      .orderBy("o.name")
      .execute();
    // C-3/C-4: the client organizations the user may act in as a partner (migration 0024).
    const { rows } = await sql<{ d: DelegationRow[] }>`select portal_user_delegations(${user.id}, ${now()}) as d`.execute(trx);
    const delegations = parseDelegations(rows[0]?.d);
    const partial = buildUserActor(user, memberships, [], ip, delegations);
    if (memberships.length === 0) return partial;
    // Then acting for those organizations, to read the product permissions granted there.
    await actAs(trx, partial);
    const permissions = await trx
      .selectFrom("product_permissions as p")
      .select(["p.org_id as orgId", "p.product_id as productId", "p.level"])
      .where((eb) =>
        eb.or([
          eb("p.user_id", "=", user.id),
          eb("p.team_id", "in", eb.selectFrom("team_members").select("team_id").where("user_id", "=", user.id)),
        ]),
      )
      .execute();
    return buildUserActor(user, memberships, permissions, ip, delegations);
  });
}

export type SessionUser = Omit<User, "password_hash">;

export interface LoadedSession {
  sessionId: string;
  user: SessionUser;
  actor: UserActor;
  /** S-3: when this session passed a second factor (it may then approve other sign-ins). */
  twoFactorAt: Date | null;
  /** S-3: sign-ins wait for this (trusted) session's approval. */
  approvalsWaiting: boolean;
}

/**
 * The session of a cookie token with its user, its actor and what the approval prompt needs,
 * in one round trip (`portal_session_actor`, migrations 0011, 0024, 0035), or null when the
 * session is unknown or expired. A partner user's delegation lists come from this process's
 * cache while the database says they are current.
 */
export async function loadSessionActor(db: Handle, token: string, ip?: string): Promise<LoadedSession | null> {
  const at = now();
  const loaded = await withKnownDelegations(
    hashToken(token),
    (found: SessionActorJson) => `session:${found.user.id}`,
    async (tokenHash, stamp) =>
      (
        await sql<{ actor: SessionActorJson | null }>`
          select portal_session_actor(${tokenHash}, ${at}, ${addMs(at, -APPROVAL_TTL_MS)}, ${stamp}) as actor`.execute(db)
      ).rows[0]?.actor,
  );
  if (!loaded) return null;
  const { found, delegations } = loaded;
  const user: SessionUser = {
    ...found.user,
    created_at: new Date(found.user.created_at),
    password_changed_at: new Date(found.user.password_changed_at),
  };
  return {
    sessionId: found.sessionId,
    user,
    actor: buildUserActor(user, found.memberships, found.permissions, ip, delegations),
    twoFactorAt: found.twoFactorAt ? new Date(found.twoFactorAt) : null,
    approvalsWaiting: found.approvalsWaiting,
  };
}

/** What portal_session_actor and portal_api_token_actor say about the delegation lists (0035). */
export interface DelegationsAnswer {
  /** The stamp of the lists as they are now. */
  delegationsStamp: string;
  /** The lists, only when the stamp the caller sent was not current. */
  delegations: DelegationRow[] | null;
}

/**
 * Loads a session's or token's actor (`load`, one round trip) sending the stamp of the
 * delegation lists this process holds for that credential: the database returns the lists
 * only when they changed since, and the process keeps them for the next request.
 */
export async function withKnownDelegations<T extends DelegationsAnswer>(
  credentialHash: string,
  keyOf: (found: T) => string,
  load: (credentialHash: string, stamp: string | null) => Promise<T | null | undefined>,
): Promise<{ found: T; delegations: DelegationFacts[] } | null> {
  const known = cachedDelegations(credentialHash);
  const found = await load(credentialHash, known?.stamp ?? null);
  if (!found) return null;
  if (found.delegations) {
    const delegations = parseDelegations(found.delegations);
    rememberDelegations(credentialHash, keyOf(found), found.delegationsStamp, delegations);
    return { found, delegations };
  }
  if (known && known.key === keyOf(found) && known.stamp === found.delegationsStamp) return { found, delegations: known.delegations };
  // Lists held for someone else under this credential cannot happen (a session or token keeps
  // its user); should it, ask again without a stamp.
  const fresh = await load(credentialHash, null);
  return fresh ? { found: fresh, delegations: parseDelegations(fresh.delegations ?? []) } : null;
}

interface SessionActorJson extends DelegationsAnswer {
  sessionId: string;
  user: Omit<SessionUser, "created_at" | "password_changed_at"> & { created_at: string; password_changed_at: string };
  memberships: MembershipRow[];
  permissions: PermissionRow[];
  twoFactorAt: string | null;
  approvalsWaiting: boolean;
}

/** portal_user_delegations: ids as comma-separated strings (compact for 10,000 clients). */
export interface DelegationRow {
  partnerOrgId: string;
  full: string;
  billing: string;
  limited: Array<{ clientOrgId: string; manage: string; read: string }>;
}

// Frozen: the lists are shared by the requests that reuse them from the cache.
const ids = (list: string): string[] => Object.freeze(list ? list.split(",") : []) as string[];

export function parseDelegations(rows: DelegationRow[] | undefined): DelegationFacts[] {
  return (rows ?? []).map((d) =>
    Object.freeze({
      partnerOrgId: d.partnerOrgId,
      full: ids(d.full),
      billing: ids(d.billing),
      limited: Object.freeze(d.limited.map((l) => Object.freeze({ clientOrgId: l.clientOrgId, manage: ids(l.manage), read: ids(l.read) }))) as DelegationFacts["limited"],
    }),
  );
}
