import type { Actor } from "../../auth/actor";
import { NotFound } from "../errors";
import { transaction, type Handle } from "../tx.server";

/** Remembers the organization a user switched to (only one they belong to). */
export async function rememberCurrentOrganization(db: Handle, actor: Extract<Actor, { kind: "user" }>, orgId: string) {
  if (!actor.memberships.some((m) => m.orgId === orgId)) throw new NotFound();
  await transaction(db, (trx) => trx.updateTable("users").set({ last_org_id: orgId }).where("id", "=", actor.userId).execute());
}
