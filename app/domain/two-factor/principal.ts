import type { Actor } from "../../auth/actor";
import type { StaffRole } from "../../../db/schema";

/** Whose second factor: a customer account or a staff account (separate tables, one model). */
export type Principal =
  | { kind: "user"; id: string; email: string; name: string; locale: string }
  | { kind: "staff"; id: string; email: string; name: string; role: StaffRole };

export function actorOf(p: Principal, ip?: string): Actor {
  return p.kind === "user"
    ? { kind: "user", userId: p.id, email: p.email, memberships: [], ip }
    : { kind: "staff", staffId: p.id, role: p.role, ip };
}

/** The owner column of the two-factor tables and of `sessions`. */
export function ownerColumn(p: { kind: "user" | "staff" }): "user_id" | "staff_id" {
  return p.kind === "user" ? "user_id" : "staff_id";
}

/** The audit action's prefix: account events for customers, staff events for staff. */
export function auditPrefix(p: { kind: "user" | "staff" }): "account" | "staff" {
  return p.kind === "user" ? "account" : "staff";
}

/** The rate-limit key of an account's second-factor attempts (never reset by a right password). */
export function secondFactorKey(p: { kind: "user" | "staff"; id: string }): string {
  return `${p.kind}:${p.id}`;
}
