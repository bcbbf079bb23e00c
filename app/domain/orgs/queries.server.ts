import type { UserActor } from "../../auth/actor";

/** The organizations a user belongs to, for the switcher, from the request's actor. */
export function organizationsOf(actor: UserActor) {
  return actor.memberships.map((m) => ({
    id: m.orgId,
    name: m.orgName,
    role: m.isLegalRep ? ("legal_rep" as const) : m.role,
  }));
}
