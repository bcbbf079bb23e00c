import type { MemberRole, PermissionLevel, StaffRole } from "../../db/schema";

export interface MembershipFacts {
  orgId: string;
  orgName: string;
  role: MemberRole;
  isLegalRep: boolean;
  /** Effective per-product level (highest of the user's own and their teams'). */
  products: Record<string, PermissionLevel>;
}

export type Actor =
  | { kind: "user"; userId: string; email: string; memberships: MembershipFacts[]; ip?: string }
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
