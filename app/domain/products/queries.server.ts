import { jsonArrayFrom } from "kysely/helpers/postgres";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { AutoRenewMethod, PermissionLevel, ProductType } from "../../../db/schema";
import { allows, type AppAbility } from "../../auth/ability";
import { productReach, type Actor } from "../../auth/actor";
import { pageCount, pagedTotal, pageNumber } from "../../lib/paging";
import { NotFound } from "../errors";
import type { Handle } from "../tx.server";

export const PRODUCTS_PAGE_SIZE = 50;
export const MAILBOXES_PAGE_SIZE = 50;

export interface ProductActing {
  actor: Extract<Actor, { kind: "user" }>;
  ability: AppAbility;
}

const uuid = z.string().uuid();

/**
 * What the actor may do with the products of an organization: every product for its
 * administrators and representative, else exactly the products with a read or manage
 * permission (own or a team's, O-4/O-7). `ids: null` means "all of the organization".
 */
function productScope(acting: ProductActing, orgId: string): { ids: string[] | null; levelOf: (id: string) => PermissionLevel } {
  // Members, and partner users through a delegation (C-3).
  const reach = productReach(acting.actor, orgId);
  if (!reach) throw new NotFound();
  const levelOf = (id: string): PermissionLevel => (allows(acting.ability, "update", "Product", { orgId, id }) ? "manage" : "read");
  if (reach.all) return { ids: null, levelOf };
  const ids = reach.ids.filter((id) => allows(acting.ability, "read", "Product", { orgId, id }));
  return { ids, levelOf };
}

/** O-9 (and O-4): the products of the organization the user may see, with their level, in SQL. */
export async function visibleProducts(db: Handle, acting: ProductActing, orgId: string, opts: { page?: number; perPage?: number } = {}) {
  const scope = productScope(acting, orgId);
  const page = pageNumber(opts.page);
  const size = opts.perPage ?? PRODUCTS_PAGE_SIZE;
  const seesAll = scope.ids === null;
  const empty = { seesAll, page: 1, pages: 1, total: 0, products: [] as Array<{ id: string; name: string; type: ProductType; level: PermissionLevel; expiresAt: Date | null; autoRenew: boolean; autoRenewMethod: AutoRenewMethod | null }> };
  // No permission at all: nothing to ask the database.
  if (scope.ids && scope.ids.length === 0) return empty;
  const base = db
    .selectFrom("products")
    .where("org_id", "=", orgId)
    .$if(scope.ids !== null, (qb) => qb.where("id", "in", scope.ids!));
  const offset = (page - 1) * size;
  const rows = await base
    .select(["id", "name", "type", "expires_at", "auto_renew", "auto_renew_method"])
    .orderBy("name")
    .orderBy("id")
    .limit(size)
    .offset(offset)
    .execute();
  const total = await pagedTotal(offset, size, rows.length, async () => toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n));
  return {
    seesAll,
    page,
    pages: pageCount(total, size),
    total,
    products: rows.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      level: scope.levelOf(r.id),
      expiresAt: r.expires_at,
      autoRenew: r.auto_renew,
      autoRenewMethod: r.auto_renew_method,
    })),
  };
}

/** A product the actor may read, or NotFound (another organization's id learns nothing). */
export async function readableProduct(db: Handle, acting: ProductActing, orgId: string, productId: string) {
  if (!uuid.safeParse(productId).success) throw new NotFound();
  if (!productReach(acting.actor, orgId) || !allows(acting.ability, "read", "Product", { orgId, id: productId })) throw new NotFound();
  const product = await db
    .selectFrom("products")
    .select(["id", "name", "type", "created_at"])
    .where("org_id", "=", orgId)
    .where("id", "=", productId)
    .executeTakeFirst();
  if (!product) throw new NotFound();
  return product;
}

/** O-9: a product and, for a mail product, its mailboxes with the accounts that open each in webmail. */
export async function productDetail(db: Handle, acting: ProductActing, orgId: string, productId: string, opts: { page?: number } = {}) {
  const product = await readableProduct(db, acting, orgId, productId);
  const level: PermissionLevel = allows(acting.ability, "update", "Product", { orgId, id: productId }) ? "manage" : "read";
  const result = {
    id: product.id,
    name: product.name,
    type: product.type,
    createdAt: product.created_at.toISOString(),
    level,
    canChangeMailboxPasswords: allows(acting.ability, "update", "Mailbox", { orgId, productId }),
    mailboxes: null as null | {
      page: number;
      pages: number;
      total: number;
      items: Array<{ id: string; address: string; webmailUsers: Array<{ name: string; email: string }> }>;
    },
  };
  if (product.type !== "mail") return result;
  const page = pageNumber(opts.page);
  const base = db.selectFrom("mailboxes as mb").where("mb.org_id", "=", orgId).where("mb.product_id", "=", productId);
  const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const rows = await base
    .select(["mb.id", "mb.address"])
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom("mailbox_webmail_users as w")
          .innerJoin("users as u", "u.id", "w.user_id")
          .select(["u.name", "u.email"])
          .whereRef("w.mailbox_id", "=", "mb.id")
          .where("w.org_id", "=", orgId)
          .orderBy("u.name"),
      ).as("webmailUsers"),
    )
    .orderBy("mb.address")
    .limit(MAILBOXES_PAGE_SIZE)
    .offset((page - 1) * MAILBOXES_PAGE_SIZE)
    .execute();
  result.mailboxes = {
    page,
    pages: pageCount(total, MAILBOXES_PAGE_SIZE),
    total,
    items: rows.map((r) => ({ id: r.id, address: r.address, webmailUsers: r.webmailUsers })),
  };
  return result;
}
