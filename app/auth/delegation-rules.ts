import type { AbilityBuilder } from "@casl/ability";
import type { AppAbility } from "./ability";
import type { DelegationFacts, UserActor } from "./actor";

/**
 * C-3/C-4 (issue 7): what a partner user may do in its clients' organizations, from the
 * delegations its staff rights reach (`actor.delegations`, built by portal_session_actor).
 * Each kind of right is one rule with an `$in` list, however many clients: a partner with
 * 10,000 clients gets a handful of rules, not 10,000.
 *
 * - full access: the organization (read), every product and mailbox (manage); billing and
 *   the prepaid account only when the client also gave billing access. Never the client's
 *   own data, members, invitations, withdrawals or partner links (O-3 stays with its
 *   legal representative).
 * - limited access: only the picked products; "manage" lets it change them, "statistics"
 *   only read them. No billing.
 * - ClientExport (C-6): on the partner organization, per client whose billing the user may see
 *   (full access with billing); the user reads the exports they requested. (The partner's
 *   representative and administrators export every client: ability.ts.)
 */
export function defineDelegationRules(can: AbilityBuilder<AppAbility>["can"], actor: UserActor, adminOf: string[]): void {
  const delegations = actor.delegations ?? [];
  // Partner administrators decide the staff rights (C-4).
  can("manage", "PartnerStaff", { orgId: { $in: adminOf } });
  if (delegations.length === 0) return;
  const { full, billing, limitedOrgs, visible, readable, manageable } = listsOf(delegations);
  for (const d of delegations) {
    if (d.billing.length > 0) {
      can("create", "ClientExport", { orgId: d.partnerOrgId, clientOrgId: { $in: d.billing } });
      can("read", "ClientExport", { orgId: d.partnerOrgId, requestedBy: actor.userId });
    }
  }
  can("read", "Organization", { id: { $in: visible } });
  can("manage", "Product", { orgId: { $in: full } });
  can("manage", "Mailbox", { orgId: { $in: full } });
  can(["read", "manage"], "Billing", { orgId: { $in: billing } });
  can("read", "Product", { orgId: { $in: limitedOrgs }, id: { $in: readable } });
  can(["read", "update"], "Product", { orgId: { $in: limitedOrgs }, id: { $in: manageable } });
  can(["read", "update"], "Mailbox", { orgId: { $in: limitedOrgs }, productId: { $in: manageable } });
}

interface RuleLists {
  full: string[];
  billing: string[];
  limitedOrgs: string[];
  visible: string[];
  readable: string[];
  manageable: string[];
}

// The delegation lists are kept between requests (app/auth/delegation-cache.server.ts), so the
// merged lists are too: the same arrays in every request's rules, whose $in lookups
// (app/auth/conditions.ts) are then built once.
const merged = new WeakMap<readonly DelegationFacts[], RuleLists>();

function listsOf(delegations: DelegationFacts[]): RuleLists {
  let lists = merged.get(delegations);
  if (lists) return lists;
  const full: string[] = [];
  const billing: string[] = [];
  const limitedOrgs: string[] = [];
  const readable: string[] = [];
  const manageable: string[] = [];
  for (const d of delegations) {
    full.push(...d.full);
    billing.push(...d.billing);
    for (const l of d.limited) {
      limitedOrgs.push(l.clientOrgId);
      readable.push(...l.read);
      manageable.push(...l.manage);
    }
  }
  lists = { full, billing, limitedOrgs, visible: [...full, ...limitedOrgs], readable, manageable };
  for (const list of Object.values(lists)) Object.freeze(list);
  merged.set(delegations, lists);
  return lists;
}
