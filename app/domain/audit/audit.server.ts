import type { Tx } from "../tx.server";
import type { Actor } from "../../auth/actor";

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
      data: JSON.stringify(entry.data ?? {}),
      ip: actor.ip ?? null,
    })
    .execute();
}
