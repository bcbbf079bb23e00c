import { z } from "zod";
import { allows } from "../../../auth/ability";
import { AUTO_RENEW_METHODS } from "../../billing/renewal-rules";
import { autoRenewalMethodSchema, setAutoRenewal } from "../../billing/renewals.server";
import { readableProduct, visibleProducts } from "../../products/queries.server";
import { withActor } from "../../tx.server";
import { defineEndpoint, orgIdParams, pageQuery, paginated, timestamp, uuid, type ApiCaller } from "../endpoint";

// O-9, B-3/B-4/B-5: the products a user sees (all for administrators, else the permitted
// ones), and auto-renewal on or off, through the same domain functions as the pages.
export const product = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(["hosting", "domain", "mail", "server"]),
  level: z.enum(["read", "manage"]).describe("What the token's user may do with the product"),
  expires_at: timestamp.nullable(),
  auto_renew: z.boolean(),
  auto_renew_method: z.enum(AUTO_RENEW_METHODS).nullable(),
});

const productParams = z.object({ id: uuid, product_id: uuid });

const autoRenewalBody = z.discriminatedUnion("auto_renew", [
  z.object({ auto_renew: z.literal(true), auto_renew_method: autoRenewalMethodSchema }).strict(),
  z.object({ auto_renew: z.literal(false) }).strict(),
]);

type ProductRow = Awaited<ReturnType<typeof visibleProducts>>["products"][number];
export function productOut(p: ProductRow) {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    level: p.level,
    expires_at: p.expiresAt?.toISOString() ?? null,
    auto_renew: p.autoRenew,
    auto_renew_method: p.autoRenewMethod,
  };
}

async function oneProduct(caller: ApiCaller, orgId: string, productId: string) {
  return withActor(caller.db, caller.actor, async (trx) => {
    const p = await readableProduct(trx, caller, orgId, productId);
    const row = await trx
      .selectFrom("products")
      .select(["expires_at", "auto_renew", "auto_renew_method"])
      .where("org_id", "=", orgId)
      .where("id", "=", p.id)
      .executeTakeFirstOrThrow();
    const level = allows(caller.ability, "update", "Product", { orgId, id: p.id }) ? ("manage" as const) : ("read" as const);
    return productOut({ ...p, level, expiresAt: row.expires_at, autoRenew: row.auto_renew, autoRenewMethod: row.auto_renew_method });
  });
}

export const productEndpoints = [
  defineEndpoint({
    method: "GET",
    path: "/organizations/{id}/products",
    operationId: "listProducts",
    summary: "The organization's products the token's user may see, with their level and renewal state",
    tag: "Products",
    params: orgIdParams,
    orgParam: "id",
    query: pageQuery,
    success: { status: 200, description: "The products", data: z.array(product), list: true },
    errors: [404],
    async handler(caller, { params, query }) {
      const list = await withActor(caller.db, caller.actor, (trx) =>
        visibleProducts(trx, caller, params.id, { page: query.page, perPage: query.per_page }),
      );
      return { data: list.products.map(productOut), pagination: paginated(list.page, query.per_page, list.total) };
    },
  }),
  defineEndpoint({
    method: "PATCH",
    path: "/organizations/{id}/products/{product_id}",
    operationId: "updateProduct",
    summary: "Switches auto-renewal on (with the method it charges) or off (B-3/B-4/B-5)",
    tag: "Products",
    params: productParams,
    orgParam: "id",
    body: autoRenewalBody,
    success: { status: 200, description: "The product after the change", data: product },
    errors: [403, 404, 409, 422],
    async handler(caller, { params, body }) {
      await setAutoRenewal(
        caller.db,
        caller,
        params.id,
        params.product_id,
        body.auto_renew ? { on: true, method: body.auto_renew_method } : { on: false },
      );
      return { data: await oneProduct(caller, params.id, params.product_id) };
    },
  }),
];
