import { describe, expect, it } from "vitest";
import { allows, defineAbilityFor } from "../../app/auth/ability";
import type { Actor, MembershipFacts } from "../../app/auth/actor";

const ORG = "00000000-0000-4000-8000-000000000001";
const OTHER = "00000000-0000-4000-8000-000000000002";
const P1 = "10000000-0000-4000-8000-000000000001";
const P2 = "10000000-0000-4000-8000-000000000002";

function user(m: Partial<MembershipFacts>): Actor {
  return {
    kind: "user",
    userId: "u",
    email: "u@example.ch",
    memberships: [{ orgId: ORG, orgName: "Org", role: "restricted", isLegalRep: false, products: {}, ...m }],
  };
}

describe("the CASL ability per role", () => {
  it("O-3: only the legal representative may change the organization's own data", () => {
    const rep = defineAbilityFor(user({ role: "admin", isLegalRep: true }));
    const admin = defineAbilityFor(user({ role: "admin" }));
    const restricted = defineAbilityFor(user({ role: "restricted", products: { [P1]: "manage" } }));
    expect(allows(rep, "update", "Organization", { id: ORG })).toBe(true);
    expect(allows(admin, "update", "Organization", { id: ORG })).toBe(false);
    expect(allows(restricted, "update", "Organization", { id: ORG })).toBe(false);
    expect(allows(rep, "update", "Organization", { id: OTHER })).toBe(false);
  });

  it("O-4: users with sufficient rights manage users and every product; restricted users do not", () => {
    const admin = defineAbilityFor(user({ role: "admin" }));
    const restricted = defineAbilityFor(user({ role: "restricted" }));
    for (const action of ["create", "update", "delete"] as const) {
      expect(allows(admin, action, "Member", { orgId: ORG, userId: "x" })).toBe(true);
      expect(allows(restricted, action, "Member", { orgId: ORG, userId: "x" })).toBe(false);
      expect(allows(admin, action, "Member", { orgId: OTHER, userId: "x" })).toBe(false);
    }
    expect(allows(admin, "update", "Product", { orgId: ORG, id: P2 })).toBe(true);
    expect(allows(restricted, "read", "Member", { orgId: ORG, userId: "x" })).toBe(true);
    expect(allows(restricted, "read", "AuditLog", { orgId: ORG })).toBe(false);
  });

  it("O-4: a restricted user's product permissions are per product: none, read or manage", () => {
    const restricted = defineAbilityFor(user({ role: "restricted", products: { [P1]: "read", [P2]: "manage" } }));
    expect(allows(restricted, "read", "Product", { orgId: ORG, id: P1 })).toBe(true);
    expect(allows(restricted, "update", "Product", { orgId: ORG, id: P1 })).toBe(false);
    expect(allows(restricted, "update", "Product", { orgId: ORG, id: P2 })).toBe(true);
    expect(allows(restricted, "read", "Product", { orgId: ORG, id: "20000000-0000-4000-8000-000000000009" })).toBe(false);
  });

  it("O-5: every member may leave the organization", () => {
    expect(allows(defineAbilityFor(user({ role: "restricted" })), "leave", "Organization", { id: ORG })).toBe(true);
    expect(allows(defineAbilityFor(user({ role: "restricted" })), "leave", "Organization", { id: OTHER })).toBe(false);
  });

  it("K-1: staff act only in the back office, and only a staff administrator manages staff accounts", () => {
    const support = defineAbilityFor({ kind: "staff", staffId: "s", role: "support_agent" });
    const administrator = defineAbilityFor({ kind: "staff", staffId: "a", role: "administrator" });
    expect(allows(support, "read", "StaffAccount")).toBe(true);
    expect(allows(support, "create", "StaffAccount")).toBe(false);
    expect(allows(administrator, "create", "StaffAccount")).toBe(true);
    expect(allows(administrator, "read", "Organization", { id: ORG })).toBe(false);
    expect(allows(administrator, "read", "Member", { orgId: ORG })).toBe(false);
  });
});
