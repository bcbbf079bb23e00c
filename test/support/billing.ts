import { randomBytes } from "node:crypto";
import type { AutoRenewMethod, ProductType } from "../../db/schema";
import { DAY } from "../../app/lib/clock";
import { testDb } from "./setup";

const kindOf: Record<string, ProductType> = {
  "domain-ch": "domain",
  "domain-com": "domain",
  "domain-swiss": "domain",
  "hosting-starter": "hosting",
  "hosting-business": "hosting",
  "mail-standard": "mail",
  "storage-drive": "storage",
  "chat-team": "chat",
};

/** A product of a catalog type expiring `expiresInDays` after `from` (null: no expiry). */
export async function createRenewableProduct(
  orgId: string,
  opts: { code: keyof typeof kindOf | string; from: Date; expiresInDays: number | null; name?: string; months?: number; autoRenew?: AutoRenewMethod },
) {
  const row = await testDb()
    .insertInto("products")
    .values({
      org_id: orgId,
      type: kindOf[opts.code],
      name: opts.name ?? `${opts.code}-${randomBytes(3).toString("hex")}.ch`,
      product_type_code: opts.code,
      expires_at: opts.expiresInDays === null ? null : new Date(opts.from.getTime() + opts.expiresInDays * DAY),
      renewal_months: opts.months ?? null,
      auto_renew: opts.autoRenew !== undefined,
      auto_renew_method: opts.autoRenew ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function renewalState(productId: string) {
  return testDb()
    .selectFrom("products")
    .select(["auto_renew", "auto_renew_method", "renewal_months", "expires_at"])
    .where("id", "=", productId)
    .executeTakeFirstOrThrow();
}

export async function auditActions(productId: string): Promise<string[]> {
  const rows = await testDb().selectFrom("audit_log").select("action").where("target_id", "=", productId).orderBy("created_at").orderBy("id").execute();
  return rows.map((r) => r.action);
}
