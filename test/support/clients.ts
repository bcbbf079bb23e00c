import { createMember, createUser } from "./factories";
import { testDb } from "./setup";

// Partners, clients and delegations arranged directly in the database (the routes that
// make them are tested in test/integration/clients/).

/** An approved partner: its legal representative's account and organization. */
export async function createPartner(name = "Partner AG") {
  const rep = await createUser({ name: `${name} Rep`, organizationName: name });
  await testDb().insertInto("program_memberships").values({ org_id: rep.orgId, program: "partner", status: "active", since: new Date() }).execute();
  return rep;
}

export interface LinkOptions {
  access?: "full" | "limited";
  billing?: boolean;
  /** Limited access: product id → rights. */
  products?: Record<string, { manage: boolean; stats: boolean }>;
  endsAt?: Date | null;
  state?: "requested" | "active" | "ended";
}

/** A delegation from `clientOrgId` to `partnerOrgId`. */
export async function link(partnerOrgId: string, clientOrgId: string, opts: LinkOptions = {}) {
  const state = opts.state ?? "active";
  const row = await testDb()
    .insertInto("partner_client_links")
    .values({
      org_id: partnerOrgId,
      client_org_id: clientOrgId,
      state,
      access: opts.access ?? "full",
      billing_access: opts.billing ?? false,
      since: new Date(),
      ends_at: opts.endsAt ?? null,
      ended_at: state === "ended" ? new Date() : null,
      end_reason: state === "ended" ? "client" : null,
      requested_at: state === "requested" ? new Date() : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const products = Object.entries(opts.products ?? {});
  if (products.length > 0) {
    await testDb()
      .insertInto("partner_link_products")
      .values(products.map(([productId, r]) => ({ org_id: clientOrgId, link_id: row.id, product_id: productId, manage: r.manage, stats: r.stats })))
      .execute();
  }
  return row.id;
}

/** A restricted user of the partner, with staff rights for all clients, one client, or none. */
export async function partnerStaff(partnerOrgId: string, rights: "all" | string | "none", name = "Partner Staff") {
  const user = await createMember(partnerOrgId, "restricted", { name });
  if (rights !== "none") {
    await testDb()
      .insertInto("partner_staff_rights")
      .values({ org_id: partnerOrgId, user_id: user.userId, client_org_id: rights === "all" ? null : rights, created_at: new Date() })
      .execute();
  }
  return user;
}
