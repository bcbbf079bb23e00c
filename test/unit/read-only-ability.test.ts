import { describe, expect, it } from "vitest";
import { allows, defineAbilityFor, type Action } from "../../app/auth/ability";
import { readOnlyAbility } from "../../app/auth/read-only-ability";

const ORG = "00000000-0000-4000-8000-000000000001";
const OTHER = "00000000-0000-4000-8000-000000000002";
const P1 = "10000000-0000-4000-8000-000000000001";

describe("the ability of a read-only API token", () => {
  it("A-1: keeps every read the user has (manage grants become reads) and allows no change at all", () => {
    const full = defineAbilityFor({
      kind: "user",
      userId: "u",
      email: "u@example.ch",
      memberships: [{ orgId: ORG, orgName: "Org", role: "admin", isLegalRep: true, products: { [P1]: "manage" } }],
    });
    const ro = readOnlyAbility(full);
    // Reads stay, including the ones granted by `manage` (billing, products, audit).
    expect(allows(ro, "read", "Organization", { id: ORG })).toBe(true);
    expect(allows(ro, "read", "Member", { orgId: ORG })).toBe(true);
    expect(allows(ro, "read", "Billing", { orgId: ORG })).toBe(true);
    expect(allows(ro, "read", "Product", { orgId: ORG, id: P1 })).toBe(true);
    expect(allows(ro, "read", "AuditLog", { orgId: ORG })).toBe(true);
    // Nothing outside the user's rights appears.
    expect(allows(ro, "read", "Organization", { id: OTHER })).toBe(false);
    // No change of any kind, where the full ability allows them.
    const changes: Array<[Action, Parameters<typeof allows>[2], Record<string, string>]> = [
      ["update", "Organization", { id: ORG }],
      ["handOver", "Organization", { id: ORG }],
      ["leave", "Organization", { id: ORG }],
      ["create", "Member", { orgId: ORG }],
      ["delete", "Member", { orgId: ORG }],
      ["update", "Product", { orgId: ORG, id: P1 }],
      ["manage", "Billing", { orgId: ORG }],
      ["create", "Invitation", { orgId: ORG }],
      ["create", "Withdrawal", { orgId: ORG }],
    ];
    for (const [action, type, object] of changes) {
      expect({ action, type, full: allows(full, action, type, object as never) }).toEqual({ action, type, full: true });
      expect({ action, type, readOnly: allows(ro, action, type, object as never) }).toEqual({ action, type, readOnly: false });
    }
  });
});
