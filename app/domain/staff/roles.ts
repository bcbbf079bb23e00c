import type { StaffRole } from "../../../db/schema";

// K-1: the roles of provider staff, in the order the back office lists them.
export const STAFF_ROLES = ["support_agent", "billing_agent", "partner_manager", "administrator"] as const satisfies readonly StaffRole[];
