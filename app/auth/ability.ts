import {
  AbilityBuilder,
  createMongoAbility,
  ForbiddenError,
  subject as asSubject,
  type ForcedSubject,
  type MongoAbility,
} from "@casl/ability";
import type { StaffRole } from "../../db/schema";
import { now } from "../lib/clock";
import type { Actor } from "./actor";
import { conditionsMatcher } from "./conditions";
import { defineDelegationRules } from "./delegation-rules";

// Every authorization decision goes through this ability (Infisical's typed style).
export type Action = "manage" | "read" | "create" | "update" | "delete" | "leave" | "handOver";

export interface SubjectShapes {
  Organization: { id: string };
  Member: { orgId: string; userId?: string };
  Team: { orgId: string };
  Product: { orgId: string; id: string };
  Mailbox: { orgId: string; productId: string };
  Invitation: { orgId: string };
  AuditLog: { orgId: string };
  Billing: { orgId: string };
  Withdrawal: { orgId?: string };
  BankTransfer: Record<string, never>;
  CreditNote: Record<string, never>;
  PartnerApplication: { orgId?: string };
  PartnerLink: { orgId: string };
  StaffAccount: { id?: string };
  StaffAuditLog: Record<string, never>;
  // Issue 7 (C-4, C-6): staff rights of a partner; a partner's export of its clients' billing
  // data (on the partner organization; per client where a delegation decides).
  PartnerStaff: { orgId: string };
  ClientExport: { orgId: string; clientOrgId?: string; requestedBy?: string | null };
  // Issue 8: tenders and the partner directory (T-1 … T-3).
  Tender: { orgId: string };
  TenderBoard: { orgId: string };
  TenderProposal: { orgId: string };
  TenderAlerts: { orgId: string };
  DirectoryListing: { orgId: string };
  // Issue 9b: support requests and access (S-1, S-2, K-4), identity checks (S-5, K-3), blocked orders (B-14).
  SupportRequest: { userId?: string; assignedStaffId?: string | null };
  SupportGrant: { userId: string };
  SupportGrantContent: { assignedStaffId: string | null; requestStatus: string; live: boolean; expiresAtMs: number };
  IdentityCheck: Record<string, never>;
  BlockedOrder: { orgId: string };
}
export type SubjectName = keyof SubjectShapes;
type Tagged = { [N in SubjectName]: N | (ForcedSubject<N> & SubjectShapes[N]) }[SubjectName];
export type AppAbility = MongoAbility<[Action, Tagged]>;

export function defineAbilityFor(actor: Actor): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);

  if (actor.kind === "user") {
    const memberOf: string[] = [];
    const adminOf: string[] = [];
    const repOf: string[] = [];
    const readable: string[] = [];
    const manageable: string[] = [];
    for (const m of actor.memberships) {
      memberOf.push(m.orgId);
      if (m.isLegalRep || m.role === "admin") adminOf.push(m.orgId);
      if (m.isLegalRep) repOf.push(m.orgId);
      for (const [productId, level] of Object.entries(m.products)) {
        (level === "manage" ? manageable : readable).push(productId);
      }
    }
    // Every member sees the organization, its members and teams, and may leave it (O-5).
    can("read", "Organization", { id: { $in: memberOf } });
    can("leave", "Organization", { id: { $in: memberOf } });
    can("read", "Member", { orgId: { $in: memberOf } });
    can("read", "Team", { orgId: { $in: memberOf } });
    // O-4: "users with sufficient rights" (administrators and the representative).
    can(["create", "update", "delete"], "Member", { orgId: { $in: adminOf } });
    can("manage", "Team", { orgId: { $in: adminOf } });
    can("manage", "Invitation", { orgId: { $in: adminOf } });
    can("read", "AuditLog", { orgId: { $in: adminOf } });
    can("manage", "Product", { orgId: { $in: adminOf } });
    can("manage", "Mailbox", { orgId: { $in: adminOf } });
    // Issue 5: orders, payments, the prepaid account and invoices are for the
    // representative and administrators only.
    can(["read", "manage"], "Billing", { orgId: { $in: adminOf } });
    // Restricted users: per product (O-4, O-7).
    can("read", "Product", { id: { $in: [...readable, ...manageable] } });
    can(["read", "update"], "Product", { id: { $in: manageable } });
    can(["read", "update"], "Mailbox", { productId: { $in: manageable } });
    // O-3: only the legal representative changes the organization's own data; O-6 hand-over.
    can(["update", "handOver"], "Organization", { id: { $in: repOf } });
    // B-10: only the legal representative asks to withdraw the prepaid balance.
    can(["read", "create"], "Withdrawal", { orgId: { $in: repOf } });
    // P-1…P-8: administrators see the partner program page; only the legal representative
    // applies and joins the affiliate program.
    can("read", "PartnerApplication", { orgId: { $in: adminOf } });
    can("create", "PartnerApplication", { orgId: { $in: repOf } });
    // C-1: the partner's legal representative and administrators add clients (create an
    // organization for one, ask one for access, ask to extend); only the client's legal
    // representative answers (C-2).
    can("create", "PartnerLink", { orgId: { $in: adminOf } });
    can("update", "PartnerLink", { orgId: { $in: repOf } });
    // C-7: either side's legal representative ends a partner–client link.
    can("delete", "PartnerLink", { orgId: { $in: repOf } });
    // C-3/C-4: partner users acting in their clients' organizations (delegation-rules.ts).
    defineDelegationRules(can, actor, adminOf);

    // --- C-6: exports of the clients' billing data -------------------------------------
    // The partner's legal representative and administrators request and download any of them,
    // for every client (the domain also requires the organization to be a partner). Partner
    // users with staff rights export the clients that gave billing access (delegation-rules.ts).
    can(["read", "create"], "ClientExport", { orgId: { $in: adminOf } });
    // --- end C-6 ----------------------------------------------------------------------
    // Issue 8 (T-1 … T-3): administrators post their organization's tenders and decide on them.
    // The tender board (T-2) is for every member, answering and the partner settings (digest,
    // directory listing) for administrators; the domain also requires the organization to be a
    // partner, which the actor does not know.
    can(["read", "create", "update"], "Tender", { orgId: { $in: adminOf } });
    can("read", "TenderBoard", { orgId: { $in: memberOf } });
    can("create", "TenderProposal", { orgId: { $in: adminOf } });
    can("manage", "TenderAlerts", { orgId: { $in: adminOf } });
    can("read", "DirectoryListing", { orgId: { $in: memberOf } });
    can("manage", "DirectoryListing", { orgId: { $in: adminOf } });
    supportRulesForUser(actor.userId, adminOf, can);
  } else if (actor.kind === "staff") {
    // K-1: staff act in the back office only.
    can("read", "StaffAccount");
    can("read", "StaffAuditLog");
    if (actor.role === "administrator") can("manage", "StaffAccount");
    // B-10: billing agents (and staff administrators) complete or reject withdrawals.
    if (actor.role === "billing_agent" || actor.role === "administrator") can(["read", "update"], "Withdrawal");
    // B-6/B-8/B-10: billing agents (and staff administrators) import and match bank transfers.
    if (actor.role === "billing_agent" || actor.role === "administrator") can("manage", "BankTransfer");
    // B-9/B-11: billing agents (and staff administrators) correct invoices with credit notes.
    if (actor.role === "billing_agent" || actor.role === "administrator") can(["read", "create"], "CreditNote");
    // K-2: partner managers (and staff administrators) review partner applications.
    if (actor.role === "partner_manager" || actor.role === "administrator") can(["read", "update"], "PartnerApplication");
    supportRulesForStaff(actor.staffId, actor.role, can);
    cannot("manage", "Organization");
  }
  return build({ conditionsMatcher });
}

// ---- Issue 9b: support access, identity checks, blocked orders (S-1, S-2, S-5, B-14, K-3, K-4) ----
type Can = AbilityBuilder<AppAbility>["can"];

function supportRulesForUser(userId: string, adminOf: string[], can: Can) {
  // K-4/S-1: a user opens and follows their own requests and gives or revokes their own grants.
  can("manage", "SupportRequest", { userId });
  can("manage", "SupportGrant", { userId });
  // B-14: administrators see their organization's blocked orders and have the notice sent again.
  can(["read", "update"], "BlockedOrder", { orgId: { $in: adminOf } });
}

function supportRulesForStaff(staffId: string, role: StaffRole, can: Can) {
  if (role === "support_agent") {
    // K-4: an agent works the requests assigned to them.
    can(["read", "update"], "SupportRequest", { assignedStaffId: staffId });
    // S-1/K-4: a grant is usable only by the agent assigned to the user's OPEN request, while
    // the grant is live (not revoked or closed) and not past its end, whether or not the
    // closing job has run yet. The domain builds the subject from the database.
    can("read", "SupportGrantContent", { assignedStaffId: staffId, requestStatus: "open", live: true, expiresAtMs: { $gt: now().getTime() } });
  }
  if (role === "administrator") can("read", "SupportRequest");
  // K-3: support agents and staff administrators handle identity checks (and so blocked orders).
  if (role === "support_agent" || role === "administrator") can(["read", "update"], "IdentityCheck");
}

export function subject<S extends SubjectName>(type: S, object: SubjectShapes[S]) {
  return asSubject(type, { ...object }) as ForcedSubject<S> & SubjectShapes[S];
}

/** Throws ForbiddenError unless the ability allows the action. */
export function assertCan<S extends SubjectName>(
  ability: AppAbility,
  action: Action,
  type: S,
  object?: SubjectShapes[S],
): void {
  ForbiddenError.from(ability).throwUnlessCan(action, (object ? subject(type, object) : type) as Tagged);
}

export function allows<S extends SubjectName>(
  ability: AppAbility,
  action: Action,
  type: S,
  object?: SubjectShapes[S],
): boolean {
  return ability.can(action, (object ? subject(type, object) : type) as Tagged);
}
