import { sql } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { SupportGrantScope } from "../../../db/schema";
import { allows, assertCan, defineAbilityFor } from "../../auth/ability";
import { loadUserActor } from "../../auth/actor.server";
import { addMs, DAY, now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { asJob } from "../jobs/as-job.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { StaffActing } from "../staff/accounts.server";
import { actAs, withActor, type Handle, type Tx } from "../tx.server";
import { MAX_GRANT_DAYS } from "./limits";
import type { UserActing } from "./requests.server";

// S-1/S-2/K-4: the user grants support staff access to the content of some products, as
// separate switches (the mailboxes they reach; each storage drive's folders; each chat
// product's discussions), for at most 7 days. Only the agent assigned to the user's open
// request can use a live grant; every use is logged and shown to the user.

export const GRANT_USES_PAGE_SIZE = 25;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const grantSchema = z.object({
  scope: z.enum(["mailboxes", "storage", "chat"], { message: "errors.invalid" }),
  productId: z.string().uuid("errors.invalid").optional(),
  days: z.coerce.number({ message: "support.access.errors.days" }).int("support.access.errors.days").min(1, "support.access.errors.days").max(MAX_GRANT_DAYS, "support.access.errors.days"),
});
export const revokeSchema = z.object({ grantId: z.string().uuid("errors.invalid") });

const PRODUCT_TYPE: Record<Exclude<SupportGrantScope, "mailboxes">, "storage" | "chat"> = { storage: "storage", chat: "chat" };

/** A grant is live until revoked, closed by the job, or past its end, whichever comes first. */
function isLive(g: { revoked_at: Date | null; closed_at: Date | null; expires_at: Date }, at = now()): boolean {
  return !g.revoked_at && !g.closed_at && g.expires_at.getTime() > at.getTime();
}

/** The storage drives and chat products of the user's organizations that the user can read. */
async function grantableProducts(trx: Tx, acting: UserActing) {
  const orgIds = acting.actor.memberships.map((m) => m.orgId);
  if (orgIds.length === 0) return [];
  const products = await trx
    .selectFrom("products as p")
    .innerJoin("organizations as o", "o.id", "p.org_id")
    .select(["p.id", "p.org_id", "p.type", "p.name", "o.name as org_name"])
    .where("p.org_id", "in", orgIds)
    .where("p.type", "in", ["storage", "chat"])
    .orderBy("o.name")
    .orderBy("p.type")
    .orderBy("p.name")
    .execute();
  return products.filter((p) => allows(acting.ability, "read", "Product", { orgId: p.org_id, id: p.id }));
}

/** The user's switches with their live grant, and the log of uses (newest first). */
export async function supportAccessOverview(db: Handle, acting: UserActing, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "SupportGrant", { userId: acting.actor.userId });
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const products = await grantableProducts(trx, acting);
    const grants = await trx
      .selectFrom("support_grants")
      .select(["id", "scope", "product_id", "granted_at", "expires_at", "revoked_at", "closed_at"])
      .where("user_id", "=", acting.actor.userId)
      .where("revoked_at", "is", null)
      .where("closed_at", "is", null)
      .execute();
    const live = grants.filter((g) => isLive(g));
    const liveFor = (scope: SupportGrantScope, productId: string | null) => live.find((g) => g.scope === scope && g.product_id === productId) ?? null;
    const switches = [
      { scope: "mailboxes" as const, productId: null, productName: null, orgName: null, grant: liveFor("mailboxes", null) },
      ...products.map((p) => {
        const scope: SupportGrantScope = p.type === "storage" ? "storage" : "chat";
        return { scope, productId: p.id, productName: p.name, orgName: p.org_name, grant: liveFor(scope, p.id) };
      }),
    ];
    const usesBase = trx.selectFrom("support_grant_uses as u").where("u.user_id", "=", acting.actor.userId);
    const total = toCount((await usesBase.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const uses = await usesBase
      .innerJoin("support_grants as g", "g.id", "u.grant_id")
      .leftJoin("products as p", "p.id", "g.product_id")
      .innerJoin("staff_accounts as s", "s.id", "u.staff_id")
      .select(["u.id", "u.used_at", "u.what", "g.scope", "p.name as product_name", "s.name as staff_name"])
      .orderBy("u.used_at", "desc")
      .orderBy("u.id")
      .limit(GRANT_USES_PAGE_SIZE)
      .offset((page - 1) * GRANT_USES_PAGE_SIZE)
      .execute();
    return { switches, uses, page, pages: pageCount(total, GRANT_USES_PAGE_SIZE) };
  });
}

/** S-1/S-2: switches one grant on for `days` (1 to 7); the other switches stay as they are. */
export async function grantSupportAccess(db: Handle, acting: UserActing, input: z.infer<typeof grantSchema>): Promise<{ grantId: string }> {
  assertCan(acting.ability, "create", "SupportGrant", { userId: acting.actor.userId });
  return withActor(db, acting.actor, async (trx) => {
    let productId: string | null = null;
    if (input.scope !== "mailboxes") {
      const wanted = input.productId;
      const product = wanted ? (await grantableProducts(trx, acting)).find((p) => p.id === wanted && p.type === PRODUCT_TYPE[input.scope as "storage" | "chat"]) : undefined;
      if (!product) throw new Invalid({ productId: "errors.invalid" });
      productId = product.id;
    } else if (input.productId) {
      throw new Invalid({ productId: "errors.invalid" });
    }
    const at = now();
    // A grant past its end that the job has not closed yet does not block a new one.
    await trx
      .updateTable("support_grants")
      .set({ closed_at: at })
      .where("user_id", "=", acting.actor.userId)
      .where("scope", "=", input.scope)
      .where((eb) => (productId ? eb("product_id", "=", productId) : eb("product_id", "is", null)))
      .where("revoked_at", "is", null)
      .where("closed_at", "is", null)
      .where("expires_at", "<=", at)
      .execute();
    const open = await trx
      .selectFrom("support_grants")
      .select("id")
      .where("user_id", "=", acting.actor.userId)
      .where("scope", "=", input.scope)
      .where((eb) => (productId ? eb("product_id", "=", productId) : eb("product_id", "is", null)))
      .where("revoked_at", "is", null)
      .where("closed_at", "is", null)
      .executeTakeFirst();
    if (open) throw new Conflict("support_grant_exists", "support.access.errors.exists");
    const grant = await trx
      .insertInto("support_grants")
      .values({ user_id: acting.actor.userId, scope: input.scope, product_id: productId, granted_at: at, expires_at: addMs(at, input.days * DAY) })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, acting.actor, { action: "support.access_granted", targetType: "support_grant", targetId: grant.id, data: { scope: input.scope, productId, days: input.days } });
    return { grantId: grant.id };
  });
}

/** S-1: revoking takes effect at once. */
export async function revokeSupportAccess(db: Handle, acting: UserActing, grantId: string): Promise<void> {
  if (!uuid.test(grantId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const grant = await trx.selectFrom("support_grants").selectAll().where("id", "=", grantId).where("user_id", "=", acting.actor.userId).forUpdate().executeTakeFirst();
    if (!grant) throw new NotFound();
    assertCan(acting.ability, "update", "SupportGrant", { userId: grant.user_id });
    if (grant.revoked_at || grant.closed_at) return;
    await trx.updateTable("support_grants").set({ revoked_at: now() }).where("id", "=", grantId).execute();
    await audit(trx, acting.actor, { action: "support.access_revoked", targetType: "support_grant", targetId: grantId, data: { scope: grant.scope, productId: grant.product_id } });
  });
}

async function requestAndGrants(trx: Tx, acting: StaffActing, requestId: string) {
  if (!uuid.test(requestId)) throw new NotFound();
  const request = await trx
    .selectFrom("support_requests as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["r.id", "r.user_id", "r.status", "r.assigned_staff_id", "u.email as user_email"])
    .where("r.id", "=", requestId)
    .executeTakeFirst();
  if (!request || !allows(acting.ability, "read", "SupportRequest", { assignedStaffId: request.assigned_staff_id })) throw new NotFound();
  return request;
}

function contentSubject(request: { assigned_staff_id: string | null; status: string }, grant: { revoked_at: Date | null; closed_at: Date | null; expires_at: Date }) {
  return { assignedStaffId: request.assigned_staff_id, requestStatus: request.status, live: !grant.revoked_at && !grant.closed_at, expiresAtMs: grant.expires_at.getTime() };
}

/** The grants of the request's user that this agent may use now (for the back office page). */
export async function grantsForRequest(db: Handle, acting: StaffActing, requestId: string) {
  return withActor(db, acting.actor, async (trx) => {
    const request = await requestAndGrants(trx, acting, requestId);
    const grants = await trx
      .selectFrom("support_grants as g")
      .leftJoin("products as p", "p.id", "g.product_id")
      .select(["g.id", "g.scope", "g.product_id", "p.name as product_name", "g.expires_at", "g.revoked_at", "g.closed_at"])
      .where("g.user_id", "=", request.user_id)
      .where("g.revoked_at", "is", null)
      .where("g.closed_at", "is", null)
      .orderBy("g.scope")
      .orderBy("g.granted_at")
      .execute();
    return grants
      .filter((g) => isLive(g))
      
      .map((g) => ({ id: g.id, scope: g.scope, productId: g.product_id, productName: g.product_name, expiresAt: g.expires_at, usable: allows(acting.ability, "read", "SupportGrantContent", contentSubject(request, g)) }));
  });
}

export type GrantedContent =
  | { scope: "mailboxes"; mailboxes: Array<{ id: string; address: string; created_at: Date }> }
  | { scope: "storage"; productName: string; folders: Array<{ id: string; path: string; size_bytes: number }> }
  | { scope: "chat"; productName: string; discussions: Array<{ id: string; title: string; message_count: number; last_message_at: Date | null }> };

/**
 * S-1/S-2/K-4: the assigned agent opens what a grant covers. The check (CASL, in the ability's
 * staff block) refuses another agent, a closed request, a revoked or closed grant, and a
 * grant past its end even before the closing job ran. The use is logged before any content
 * is read; the content is then read acting for that one organization (or as the user's own
 * view of their mailboxes), never more.
 */
export async function openGrantedContent(db: Handle, acting: StaffActing, requestId: string, grantId: string): Promise<GrantedContent> {
  if (!uuid.test(grantId)) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const request = await requestAndGrants(trx, acting, requestId);
    const grant = await trx
      .selectFrom("support_grants as g")
      .select(["g.id", "g.scope", "g.product_id", "g.expires_at", "g.revoked_at", "g.closed_at"])
      .where("g.id", "=", grantId)
      .where("g.user_id", "=", request.user_id)
      .executeTakeFirst();
    if (!grant) throw new NotFound();
    assertCan(acting.ability, "read", "SupportGrantContent", contentSubject(request, grant));
    const productOrg = grant.product_id
      ? await sql<{ org_id: string; name: string }>`select org_id, name from products where id = ${grant.product_id}`.execute(trx).then((r) => r.rows[0])
      : undefined;
    const what = grant.scope === "mailboxes" ? "mailboxes" : `${grant.scope}: ${productOrg?.name ?? grant.product_id}`;
    await trx
      .insertInto("support_grant_uses")
      .values({ grant_id: grant.id, user_id: request.user_id, staff_id: acting.actor.staffId, request_id: request.id, what, used_at: now() })
      .execute();
    await audit(trx, acting.actor, { action: "support.access_used", targetType: "support_grant", targetId: grant.id, data: { requestId: request.id, userId: request.user_id, scope: grant.scope, productId: grant.product_id } });

    if (grant.scope === "mailboxes") {
      // The mailboxes the user reaches, read as the user's own view (their organizations, their ability).
      const userActor = await loadUserActor(trx, { id: request.user_id, email: request.user_email });
      const ability = defineAbilityFor(userActor);
      const orgIds = userActor.memberships.map((m) => m.orgId);
      if (orgIds.length === 0) return { scope: "mailboxes", mailboxes: [] };
      const rows = await trx
        .selectFrom("mailboxes as m")
        .select(["m.id", "m.org_id", "m.product_id", "m.address", "m.created_at"])
        .where("m.org_id", "in", orgIds)
        .orderBy("m.address")
        .execute();
      const webmail = new Set(
        (await trx.selectFrom("mailbox_webmail_users").select("mailbox_id").where("user_id", "=", request.user_id).execute()).map((r) => r.mailbox_id),
      );
      const reached = rows.filter((m) => webmail.has(m.id) || allows(ability, "read", "Mailbox", { orgId: m.org_id, productId: m.product_id }));
      return { scope: "mailboxes", mailboxes: reached.map((m) => ({ id: m.id, address: m.address, created_at: m.created_at })) };
    }
    if (!productOrg) throw new NotFound();
    // The product's content, acting for its organization only, for this one query.
    await actAs(trx, acting.actor, [productOrg.org_id]);
    if (grant.scope === "storage") {
      const folders = await trx.selectFrom("storage_folders").select(["id", "path", "size_bytes"]).where("org_id", "=", productOrg.org_id).where("product_id", "=", grant.product_id!).orderBy("path").execute();
      return { scope: "storage", productName: productOrg.name, folders };
    }
    const discussions = await trx
      .selectFrom("chat_discussions")
      .select(["id", "title", "message_count", "last_message_at"])
      .where("org_id", "=", productOrg.org_id)
      .where("product_id", "=", grant.product_id!)
      .orderBy("title")
      .execute();
    return { scope: "chat", productName: productOrg.name, discussions };
  });
}

/** S-1: the scheduled job closes every grant past its end (idempotent: closed ones stay closed). */
export async function closeExpiredSupportGrants(db: Handle): Promise<{ closed: number }> {
  const at = now();
  return asJob(db, "support-grants", async (trx) => {
    const closed = await trx
      .updateTable("support_grants")
      .set({ closed_at: at })
      .where("revoked_at", "is", null)
      .where("closed_at", "is", null)
      .where("expires_at", "<=", at)
      .returning(["id", "user_id", "scope", "product_id"])
      .execute();
    for (const g of closed) {
      await audit(trx, { kind: "anonymous" }, { action: "support.access_expired", targetType: "support_grant", targetId: g.id, data: { userId: g.user_id, scope: g.scope, productId: g.product_id } });
    }
    return { closed: closed.length };
  });
}
