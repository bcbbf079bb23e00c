import type { MemberRole, PermissionLevel, StaffRole } from "../../db/schema";

export interface MembershipFacts {
  orgId: string;
  orgName: string;
  role: MemberRole;
  isLegalRep: boolean;
  /** Effective per-product level (highest of the user's own and their teams'). */
  products: Record<string, PermissionLevel>;
}

/**
 * C-3/C-4: what a partner user may do in its partner organization's clients, through the
 * active delegations it has staff rights for (migration 0024). Lists of ids, so a partner
 * with 10,000 clients gets a handful of `$in` rules.
 */
export interface DelegationFacts {
  partnerOrgId: string;
  /** Clients that gave full access (the whole account except its own data). */
  full: string[];
  /** Of those, the ones that also gave access to billing and the prepaid account. */
  billing: string[];
  /** Clients that gave limited access: the products to manage, and all products to read. */
  limited: Array<{ clientOrgId: string; manage: string[]; read: string[] }>;
}

export type Actor =
  | { kind: "user"; userId: string; email: string; memberships: MembershipFacts[]; delegations?: DelegationFacts[]; ip?: string }
  | { kind: "staff"; staffId: string; role: StaffRole; ip?: string }
  | { kind: "anonymous"; ip?: string };

export type UserActor = Extract<Actor, { kind: "user" }>;

export function isAdminOf(actor: Actor, orgId: string): boolean {
  if (actor.kind !== "user") return false;
  const m = actor.memberships.find((x) => x.orgId === orgId);
  return !!m && (m.isLegalRep || m.role === "admin");
}

export function membershipOf(actor: Actor, orgId: string): MembershipFacts | undefined {
  return actor.kind === "user" ? actor.memberships.find((x) => x.orgId === orgId) : undefined;
}

/** C-3: the delegation through which the actor acts in a client organization it is not a member of. */
export interface DelegationIn {
  partnerOrgId: string;
  access: "full" | "limited";
  billing: boolean;
  /** Limited access: product ids to manage and to read; null for full access (every product). */
  manage: string[] | null;
  read: string[] | null;
}

export function delegationIn(actor: Actor, orgId: string): DelegationIn | undefined {
  if (actor.kind !== "user") return undefined;
  for (const d of actor.delegations ?? []) {
    const index = indexOf(d);
    if (index.full.has(orgId)) return { partnerOrgId: d.partnerOrgId, access: "full", billing: index.billing.has(orgId), manage: null, read: null };
    const limited = index.limited.get(orgId);
    if (limited) return { partnerOrgId: d.partnerOrgId, access: "limited", billing: false, manage: limited.manage, read: limited.read };
  }
  return undefined;
}

// A partner's lists are kept between requests (app/auth/delegation-cache.server.ts), so their
// lookup sets are built once per list, not once per request and check.
interface DelegationIndex {
  full: Set<string>;
  billing: Set<string>;
  limited: Map<string, DelegationFacts["limited"][number]>;
}
const indexes = new WeakMap<DelegationFacts, DelegationIndex>();
function indexOf(d: DelegationFacts): DelegationIndex {
  let index = indexes.get(d);
  if (!index) {
    index = { full: new Set(d.full), billing: new Set(d.billing), limited: new Map(d.limited.map((l) => [l.clientOrgId, l])) };
    indexes.set(d, index);
  }
  return index;
}

/** The partner organizations through whose delegations the actor acts (`@<id>` in app.org_ids). */
export function delegatingOrgIds(actor: Actor): string[] {
  return actor.kind === "user" ? (actor.delegations ?? []).map((d) => d.partnerOrgId) : [];
}

/**
 * The organization's products the actor reaches, whether as a member or through a
 * delegation: null = every product, else these ids; undefined = it does not act there.
 */
export function productReach(actor: Actor, orgId: string): { all: true } | { all: false; ids: string[] } | undefined {
  const membership = membershipOf(actor, orgId);
  const delegation = delegationIn(actor, orgId);
  if (!membership && !delegation) return undefined;
  if (isAdminOf(actor, orgId) || delegation?.access === "full") return { all: true };
  const ids = new Set<string>(membership ? Object.keys(membership.products) : []);
  for (const id of delegation?.read ?? []) ids.add(id);
  return { all: false, ids: [...ids] };
}
