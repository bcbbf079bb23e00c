import { z } from "zod";
import { assertCan, type AppAbility } from "../../auth/ability";
import type { Handle } from "../tx.server";

export const AUDIT_PAGE_SIZE = 50;

/**
 * Keyset pagination on the id (newest first): pages stay fast however long the log grows.
 * `before` shows the entries older than that id, `after` the ones newer than it.
 */
export interface AuditPageRequest {
  action?: string;
  before?: number;
  after?: number;
}

export interface AuditFilter extends AuditPageRequest {
  orgId?: string;
}

export const auditQuerySchema = z.object({
  action: z.string().trim().max(100).optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
  after: z.coerce.number().int().positive().optional().catch(undefined),
});

export const staffAuditQuerySchema = auditQuerySchema.extend({
  orgId: z.string().trim().optional().catch(undefined),
});

export interface AuditRow {
  id: number;
  createdAt: string;
  orgId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  actorKind: "user" | "staff" | "system";
  actorName: string | null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

async function auditPage(db: Handle, filter: AuditFilter & { orgScope: string | null; actionPrefix?: boolean }) {
  const { before, after } = filter;
  const action = filter.action?.trim() || undefined;
  let query = db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .leftJoin("staff_accounts as s", "s.id", "a.actor_staff_id")
    .select([
      "a.id",
      "a.created_at",
      "a.org_id",
      "a.action",
      "a.target_type",
      "a.target_id",
      "a.data",
      "a.ip",
      "a.actor_user_id",
      "a.actor_staff_id",
      "u.name as user_name",
      "s.name as staff_name",
    ]);
  if (filter.orgScope) query = query.where("a.org_id", "=", filter.orgScope);
  if (action) query = filter.actionPrefix ? query.where("a.action", "like", `${escapeLike(action)}%`) : query.where("a.action", "=", action);
  // Walking towards newer entries reads ascending, then the page is turned back around.
  const towardsNewer = after !== undefined && before === undefined;
  if (towardsNewer) query = query.where("a.id", ">", after).orderBy("a.id", "asc");
  else {
    if (before !== undefined) query = query.where("a.id", "<", before);
    query = query.orderBy("a.id", "desc");
  }
  const rows = await query.limit(AUDIT_PAGE_SIZE + 1).execute();
  const more = rows.length > AUDIT_PAGE_SIZE;
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  if (towardsNewer) page.reverse();
  const entries: AuditRow[] = page.map((r) => ({
    id: Number(r.id),
    createdAt: r.created_at.toISOString(),
    orgId: r.org_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    data: r.data ?? {},
    ip: r.ip,
    actorKind: r.actor_staff_id ? "staff" : r.actor_user_id ? "user" : "system",
    actorName: r.actor_staff_id ? r.staff_name : r.user_name,
  }));
  const first = entries[0]?.id;
  const last = entries[entries.length - 1]?.id;
  return {
    action: action ?? "",
    entries,
    // A cursor for each direction, only when there is something there.
    newerThan: first !== undefined && (towardsNewer ? more : before !== undefined) ? first : null,
    olderThan: last !== undefined && (towardsNewer ? true : more) ? last : null,
  };
}

/** The actions that occur in an organization's log, for the filter. */
async function organizationActions(db: Handle, orgId: string): Promise<string[]> {
  const rows = await db.selectFrom("audit_log").select("action").distinct().where("org_id", "=", orgId).orderBy("action").execute();
  return rows.map((r) => r.action);
}

/**
 * K-1: an organization's own audit log, for its legal representative and administrators.
 * Staff actors are shown as the provider, never by name.
 */
export async function organizationAuditLog(db: Handle, ability: AppAbility, orgId: string, request: AuditPageRequest) {
  assertCan(ability, "read", "AuditLog", { orgId });
  const [page, actions] = await Promise.all([auditPage(db, { ...request, orgScope: orgId }), organizationActions(db, orgId)]);
  return {
    ...page,
    actions,
    entries: page.entries.map(({ ip: _ip, orgId: _org, ...e }) => ({
      ...e,
      actorName: e.actorKind === "staff" ? null : e.actorName,
    })),
  };
}

const uuid = z.string().uuid();

/**
 * K-1: the whole audit log for provider staff (every role), filtered by organization and by
 * the start of the action ("staff." finds every staff action).
 */
export async function staffAuditLog(db: Handle, ability: AppAbility, filter: AuditFilter) {
  assertCan(ability, "read", "StaffAuditLog");
  const orgId = filter.orgId?.trim() || undefined;
  if (orgId && !uuid.safeParse(orgId).success) {
    return { action: filter.action ?? "", orgId, orgIdInvalid: true, entries: [] as AuditRow[], newerThan: null, olderThan: null };
  }
  const page = await auditPage(db, { ...filter, orgScope: orgId ?? null, actionPrefix: true });
  return { ...page, orgId: orgId ?? "", orgIdInvalid: false };
}
