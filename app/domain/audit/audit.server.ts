import type { Tx } from "../tx.server";
import { delegationIn, membershipOf, type Actor } from "../../auth/actor";

export interface AuditEntry {
  orgId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

/** Writes one append-only audit entry inside the mutation's own transaction (K-1). */
export async function audit(trx: Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({
      org_id: entry.orgId ?? null,
      actor_user_id: actor.kind === "user" ? actor.userId : null,
      actor_staff_id: actor.kind === "staff" ? actor.staffId : null,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      data: JSON.stringify({ ...entry.data, ...onBehalfOf(actor, entry.orgId) }),
      ip: actor.ip ?? null,
    })
    .execute();
}

/**
 * C-3: a partner user acting in a client organization through a delegation: the entry
 * names the partner as well as the person, so the client sees who acted on its behalf.
 */
function onBehalfOf(actor: Actor, orgId: string | null | undefined): { partnerOrgId: string; partnerName: string } | undefined {
  if (!orgId || actor.kind !== "user" || membershipOf(actor, orgId)) return undefined;
  const delegation = delegationIn(actor, orgId);
  if (!delegation) return undefined;
  return { partnerOrgId: delegation.partnerOrgId, partnerName: membershipOf(actor, delegation.partnerOrgId)?.orgName ?? "" };
}
