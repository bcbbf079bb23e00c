import { sql } from "kysely";
import { z } from "zod";
import { allows, assertCan } from "../../auth/ability";
import { delegationIn, membershipOf, type Actor } from "../../auth/actor";
import { verifyPassword } from "../../auth/password.server";
import { config } from "../../config.server";
import { isLocale, translator } from "../../i18n/index";
import { addMs, DAY, now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { toCount } from "../../../db/client";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { isUuid, uuidField, type Acting } from "../orgs/member-fields";
import { actAlsoFor, withActor, type Tx } from "../tx.server";
import type { Handle } from "../tx.server";

// C-1 … C-3, C-7: the delegation between a partner and a client, seen from either side.
// The link row (partner_client_links) is the delegation: asked by the partner (C-1) or
// given by the client (C-2), full or limited (C-3), ended by either side (C-7). An ended,
// declined or expired link is never revived: a new request makes a new row.

/** C-1: a request not answered within this many days expires. */
export const REQUEST_DAYS = 90;

export const accessField = z.enum(["full", "limited"], { message: "errors.invalid" });
const yesNo = z.enum(["yes"]).optional();

/** What a partner asks for (C-1): full, full with billing, or limited. */
export const delegationRequestSchema = z.object({
  clientOrgId: z.string({ message: "errors.required" }).trim().uuid("partners.errors.orgId"),
  access: accessField,
  billing: yesNo,
});
export type DelegationRequestInput = z.infer<typeof delegationRequestSchema>;

/**
 * What a client gives (C-2/C-3): full access (billing a separate choice) or limited access
 * to the picked products, each with technical management and/or statistics; an optional end date.
 */
export interface Grant {
  access: "full" | "limited";
  billing: boolean;
  products: Record<string, { manage: boolean; stats: boolean }>;
  endsAt: Date | null;
}

/** Reads a grant from a plain form: `access`, `billing=yes`, `manage.<productId>=yes`, `stats.<productId>=yes`, `endsAt=YYYY-MM-DD`. */
export function grantFromForm(form: FormData): Grant {
  const access = accessField.safeParse(form.get("access"));
  if (!access.success) throw new Invalid({ access: "errors.invalid" });
  const products: Grant["products"] = {};
  for (const [key, value] of form) {
    const m = /^(manage|stats)\.(.+)$/.exec(key);
    if (!m || value !== "yes") continue;
    if (!isUuid(m[2])) throw new Invalid({ products: "errors.invalid" });
    products[m[2]] ??= { manage: false, stats: false };
    products[m[2]][m[1] as "manage" | "stats"] = true;
  }
  const rawEnd = String(form.get("endsAt") ?? "").trim();
  let endsAt: Date | null = null;
  if (rawEnd) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(rawEnd) || Number.isNaN(Date.parse(`${rawEnd}T00:00:00Z`))) throw new Invalid({ endsAt: "clients.errors.endsAt" });
    endsAt = new Date(`${rawEnd}T00:00:00Z`);
    if (endsAt <= now()) throw new Invalid({ endsAt: "clients.errors.endsAtPast" });
  }
  const grant: Grant = { access: access.data, billing: form.get("billing") === "yes", products, endsAt };
  if (grant.access === "limited") {
    // C-3: limited access never includes billing, and names at least one product.
    grant.billing = false;
    if (Object.keys(products).length === 0) throw new Invalid({ products: "clients.errors.noProduct" });
  } else {
    grant.products = {};
  }
  return grant;
}

export const endSchema = z.object({ linkId: uuidField, password: z.string({ message: "errors.required" }).min(1, "errors.required") });
export const linkIdSchema = z.object({ linkId: uuidField });

function userOf(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}

/** The legal representative of an organization, to tell them by mail. */
async function legalRep(trx: Tx, orgId: string) {
  return trx
    .selectFrom("organizations as o")
    .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
    .select(["o.name", "u.email", "u.locale"])
    .where("o.id", "=", orgId)
    .executeTakeFirst();
}

/** Mails the legal representative of `orgId` the message `key` (subject `key.subject`, text `key.text`). */
export async function tellLegalRep(trx: Tx, orgId: string, key: string, vars: Record<string, string | number>) {
  const rep = await legalRep(trx, orgId);
  if (!rep) return;
  const locale = isLocale(rep.locale) ? rep.locale : "de";
  const t = translator(locale);
  const all: Record<string, string | number> = { ...vars, org: rep.name, link: `${config.publicUrl}/orgs/${orgId}/delegations` };
  await queueMail(trx, { orgId, to: rep.email, subject: t(`${key}.subject` as never, all), text: t(`${key}.text` as never, all), kind: "delegation" });
}

async function namesOf(trx: Tx, partnerOrgId: string, clientOrgId: string) {
  const rows = await trx.selectFrom("organizations").select(["id", "name"]).where("id", "in", [partnerOrgId, clientOrgId]).execute();
  const name = (id: string) => rows.find((r) => r.id === id)?.name ?? "";
  return { partner: name(partnerOrgId), client: name(clientOrgId) };
}


async function isApprovedPartner(trx: Tx, orgId: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`select id from portal_find_partners(${orgId}, 1)`.execute(trx);
  return rows.some((r) => r.id === orgId);
}

// ---------------------------------------------------------------------------------------
// The partner asks (C-1)
// ---------------------------------------------------------------------------------------

/** C-1: a partner asks an existing organization (by its id) for full, full+billing or limited access. */
export async function requestDelegation(db: Handle, acting: Acting, partnerOrgId: string, input: DelegationRequestInput): Promise<{ id: string }> {
  assertCan(acting.ability, "create", "PartnerLink", { orgId: partnerOrgId });
  if (input.clientOrgId === partnerOrgId) throw new Invalid({ clientOrgId: "partners.errors.orgId" });
  const billing = input.access === "full" && input.billing === "yes";
  return withActor(db, acting.actor, async (trx) => {
    if (!(await isApprovedPartner(trx, partnerOrgId))) throw new Conflict("not_partner", "partners.errors.notPartner");
    const at = now();
    const row = await trx
      .insertInto("partner_client_links")
      .values({
        org_id: partnerOrgId,
        client_org_id: input.clientOrgId,
        requested_by: userOf(acting.actor),
        since: at,
        requested_at: at,
        requested_access: input.access,
        requested_billing: billing,
        access: input.access,
        billing_access: billing,
      })
      .onConflict((oc) => oc.columns(["org_id", "client_org_id"]).where("state", "in", ["requested", "active"]).doNothing())
      .returning("id")
      .executeTakeFirst()
      .catch((err: { code?: string }) => {
        // The client is not visible to the partner before the link: its existence is checked by the foreign key.
        if (err?.code === "23503") throw new Invalid({ clientOrgId: "partners.errors.orgUnknown" });
        throw err;
      });
    if (!row) throw new Conflict("link_exists", "partners.errors.linkExists");
    await actAlsoFor(trx, input.clientOrgId);
    await audit(trx, acting.actor, { orgId: partnerOrgId, action: "delegation.requested", targetType: "partner_client_link", targetId: row.id, data: { clientOrgId: input.clientOrgId, access: input.access, billing } });
    await audit(trx, acting.actor, { orgId: input.clientOrgId, action: "delegation.requested", targetType: "partner_client_link", targetId: row.id, data: { partnerOrgId, access: input.access, billing } });
    const names = await trx.selectFrom("organizations").select("name").where("id", "=", partnerOrgId).executeTakeFirstOrThrow();
    await tellLegalRep(trx, input.clientOrgId, "clients.mail.requested", { partner: names.name, access: input.access, until: addMs(at, REQUEST_DAYS * DAY).toISOString().slice(0, 10) });
    return row;
  });
}

// ---------------------------------------------------------------------------------------
// The client answers, gives, changes (C-1, C-2, C-3)
// ---------------------------------------------------------------------------------------

/** Writes the limited-access products of a link (the client's own products only). */
async function setProducts(trx: Tx, clientOrgId: string, linkId: string, grant: Grant) {
  await trx.deleteFrom("partner_link_products").where("org_id", "=", clientOrgId).where("link_id", "=", linkId).execute();
  const ids = Object.keys(grant.products);
  if (grant.access !== "limited" || ids.length === 0) return;
  const own = await trx.selectFrom("products").select("id").where("org_id", "=", clientOrgId).where("id", "in", ids).execute();
  if (own.length !== ids.length) throw new Invalid({ products: "clients.errors.unknownProduct" });
  await trx
    .insertInto("partner_link_products")
    .values(ids.map((id) => ({ org_id: clientOrgId, link_id: linkId, product_id: id, manage: grant.products[id].manage, stats: grant.products[id].stats })))
    .execute();
}

function grantData(grant: Grant) {
  return { access: grant.access, billing: grant.billing, products: grant.products, endsAt: grant.endsAt?.toISOString() ?? null };
}

/**
 * C-1/C-3: the client's legal representative accepts a request, with the rights asked or
 * others, or declines it. A request older than 90 days has expired and cannot be accepted.
 */
export async function answerDelegation(db: Handle, acting: Acting, clientOrgId: string, linkId: string, answer: { accept: true; grant: Grant } | { accept: false }): Promise<void> {
  assertCan(acting.ability, "update", "PartnerLink", { orgId: clientOrgId });
  if (!isUuid(linkId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const link = await trx
      .selectFrom("partner_client_links")
      .selectAll()
      .where("id", "=", linkId)
      .where("client_org_id", "=", clientOrgId)
      .forUpdate()
      .executeTakeFirst();
    if (!link) throw new NotFound();
    if (link.state !== "requested") throw new Conflict("not_open", "clients.errors.notOpen");
    const at = now();
    if (link.requested_at && addMs(link.requested_at, REQUEST_DAYS * DAY) <= at) {
      await trx.updateTable("partner_client_links").set({ state: "expired" }).where("id", "=", link.id).execute();
      await audit(trx, acting.actor, { orgId: clientOrgId, action: "delegation.expired", targetType: "partner_client_link", targetId: link.id });
      return "expired" as const;
    }
    const names = await namesOf(trx, link.org_id, clientOrgId);
    await actAlsoFor(trx, link.org_id);
    if (!answer.accept) {
      await trx.updateTable("partner_client_links").set({ state: "declined", answered_by: userOf(acting.actor) }).where("id", "=", link.id).execute();
      await audit(trx, acting.actor, { orgId: clientOrgId, action: "delegation.declined", targetType: "partner_client_link", targetId: link.id, data: { partnerOrgId: link.org_id } });
      await tellLegalRep(trx, link.org_id, "clients.mail.declined", { client: names.client });
      return "done" as const;
    }
    const { grant } = answer;
    await trx
      .updateTable("partner_client_links")
      .set({ state: "active", answered_by: userOf(acting.actor), since: at, access: grant.access, billing_access: grant.billing, ends_at: grant.endsAt })
      .where("id", "=", link.id)
      .execute();
    await setProducts(trx, clientOrgId, link.id, grant);
    const asked = { access: link.requested_access, billing: link.requested_billing };
    const differs = asked.access !== grant.access || asked.billing !== grant.billing || grant.access === "limited";
    await audit(trx, acting.actor, { orgId: clientOrgId, action: "delegation.accepted", targetType: "partner_client_link", targetId: link.id, data: { partnerOrgId: link.org_id, asked, ...grantData(grant) } });
    await tellLegalRep(trx, link.org_id, differs ? "clients.mail.acceptedOther" : "clients.mail.accepted", { client: names.client, access: grant.access });
    return "done" as const;
  }).then((outcome) => {
    // Committed: the expiry is recorded, and the answer is refused.
    if (outcome === "expired") throw new Conflict("request_expired", "clients.errors.expired");
  });
}

/** C-2: approved partners by name or id, for a client choosing whom to let in (at most 20). */
export async function findPartners(db: Handle, acting: Acting, clientOrgId: string, query: string) {
  assertCan(acting.ability, "update", "PartnerLink", { orgId: clientOrgId });
  const q = query.trim().slice(0, 100);
  if (q.length < 2) return [];
  return withActor(db, acting.actor, async (trx) => {
    const { rows } = await sql<{ id: string; name: string }>`select id, name from portal_find_partners(${q}, 20)`.execute(trx);
    return rows.filter((r) => r.id !== clientOrgId);
  });
}

/** C-2: a customer lets an approved partner manage its account (full) or some products (limited), from its own settings. */
export async function grantDelegation(db: Handle, acting: Acting, clientOrgId: string, partnerOrgId: string, grant: Grant): Promise<{ id: string }> {
  assertCan(acting.ability, "update", "PartnerLink", { orgId: clientOrgId });
  if (!isUuid(partnerOrgId) || partnerOrgId === clientOrgId) throw new Invalid({ partnerOrgId: "clients.errors.partnerUnknown" });
  return withActor(db, acting.actor, async (trx) => {
    if (!(await isApprovedPartner(trx, partnerOrgId))) throw new Invalid({ partnerOrgId: "clients.errors.partnerUnknown" });
    const at = now();
    const row = await trx
      .insertInto("partner_client_links")
      .values({ org_id: partnerOrgId, client_org_id: clientOrgId, state: "active", answered_by: userOf(acting.actor), since: at, access: grant.access, billing_access: grant.billing, ends_at: grant.endsAt })
      .onConflict((oc) => oc.columns(["org_id", "client_org_id"]).where("state", "in", ["requested", "active"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) throw new Conflict("link_exists", "clients.errors.linkExists");
    await setProducts(trx, clientOrgId, row.id, grant);
    await audit(trx, acting.actor, { orgId: clientOrgId, action: "delegation.granted", targetType: "partner_client_link", targetId: row.id, data: { partnerOrgId, ...grantData(grant) } });
    const names = await namesOf(trx, partnerOrgId, clientOrgId);
    await actAlsoFor(trx, partnerOrgId);
    await tellLegalRep(trx, partnerOrgId, "clients.mail.granted", { client: names.client, access: grant.access });
    return row;
  });
}

/**
 * C-3: the client changes what an active delegation allows, at any time; the partner's very
 * next request sees the change (its actor is built per request). An ended link is not revived.
 */
export async function changeDelegation(db: Handle, acting: Acting, clientOrgId: string, linkId: string, grant: Grant): Promise<void> {
  assertCan(acting.ability, "update", "PartnerLink", { orgId: clientOrgId });
  if (!isUuid(linkId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const link = await trx.selectFrom("partner_client_links").selectAll().where("id", "=", linkId).where("client_org_id", "=", clientOrgId).forUpdate().executeTakeFirst();
    if (!link) throw new NotFound();
    if (link.state !== "active") throw new Conflict("not_active", "clients.errors.notActive");
    // P-9: a partner that pays the client's invoices needs full access; the client first switches the payer.
    if (link.payer === "partner" && grant.access !== "full") throw new Conflict("partner_pays", "clients.errors.partnerPays");
    const endChanged = (link.ends_at?.getTime() ?? null) !== (grant.endsAt?.getTime() ?? null);
    await trx
      .updateTable("partner_client_links")
      .set({ access: grant.access, billing_access: grant.billing, ends_at: grant.endsAt, ...(endChanged ? { extension_requested_at: null } : {}) })
      .where("id", "=", link.id)
      .execute();
    await setProducts(trx, clientOrgId, link.id, grant);
    await audit(trx, acting.actor, { orgId: clientOrgId, action: "delegation.changed", targetType: "partner_client_link", targetId: link.id, data: { partnerOrgId: link.org_id, ...grantData(grant) } });
    const names = await namesOf(trx, link.org_id, clientOrgId);
    await actAlsoFor(trx, link.org_id);
    await tellLegalRep(trx, link.org_id, "clients.mail.changed", { client: names.client, access: grant.access });
  });
}

/** C-3: the partner asks the client to extend a delegation that has an end date. */
export async function requestExtension(db: Handle, acting: Acting, partnerOrgId: string, linkId: string): Promise<void> {
  assertCan(acting.ability, "create", "PartnerLink", { orgId: partnerOrgId });
  if (!isUuid(linkId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const link = await trx
      .updateTable("partner_client_links")
      .set({ extension_requested_at: now() })
      .where("id", "=", linkId)
      .where("org_id", "=", partnerOrgId)
      .where("state", "=", "active")
      .where("ends_at", "is not", null)
      .returning(["id", "client_org_id", "ends_at"])
      .executeTakeFirst();
    if (!link) throw new NotFound();
    await audit(trx, acting.actor, { orgId: partnerOrgId, action: "delegation.extension_requested", targetType: "partner_client_link", targetId: link.id, data: { clientOrgId: link.client_org_id } });
    const names = await namesOf(trx, partnerOrgId, link.client_org_id);
    await actAlsoFor(trx, link.client_org_id);
    await audit(trx, acting.actor, { orgId: link.client_org_id, action: "delegation.extension_requested", targetType: "partner_client_link", targetId: link.id, data: { partnerOrgId } });
    await tellLegalRep(trx, link.client_org_id, "clients.mail.extension", { partner: names.partner, date: link.ends_at!.toISOString().slice(0, 10) });
  });
}

// ---------------------------------------------------------------------------------------
// Either side ends it (C-7)
// ---------------------------------------------------------------------------------------

/**
 * C-7: the legal representative of either side ends the relationship after re-entering
 * their password. The partner's access ends at once (the next request builds an actor
 * without it), future invoices go to the client again, both sides are mailed and audited.
 */
export async function endDelegation(db: Handle, acting: Acting, orgId: string, input: { linkId: string; password: string }): Promise<void> {
  assertCan(acting.ability, "delete", "PartnerLink", { orgId });
  if (acting.actor.kind !== "user") throw new NotFound();
  const userId = acting.actor.userId;
  await withActor(db, acting.actor, async (trx) => {
    const link = await trx
      .selectFrom("partner_client_links")
      .selectAll()
      .where("id", "=", input.linkId)
      .where((eb) => eb.or([eb("org_id", "=", orgId), eb("client_org_id", "=", orgId)]))
      .forUpdate()
      .executeTakeFirst();
    if (!link) throw new NotFound();
    const user = await trx.selectFrom("users").select("password_hash").where("id", "=", userId).executeTakeFirstOrThrow();
    if (!(await verifyPassword(user.password_hash, input.password))) throw new Invalid({ password: "clients.errors.password" });
    if (link.state !== "active" && link.state !== "requested") throw new Conflict("not_active", "clients.errors.notActive");
    const side = link.org_id === orgId ? ("partner" as const) : ("client" as const);
    const other = side === "partner" ? link.client_org_id : link.org_id;
    await trx
      .updateTable("partner_client_links")
      .set({ state: "ended", ended_at: now(), ended_by: userId, end_reason: side, payer: "client" })
      .where("id", "=", link.id)
      .execute();
    const data = { partnerOrgId: link.org_id, clientOrgId: link.client_org_id, endedBy: side, payerWas: link.payer };
    await actAlsoFor(trx, other);
    await audit(trx, acting.actor, { orgId, action: "delegation.ended", targetType: "partner_client_link", targetId: link.id, data });
    await audit(trx, acting.actor, { orgId: other, action: "delegation.ended", targetType: "partner_client_link", targetId: link.id, data });
    const names = await namesOf(trx, link.org_id, link.client_org_id);
    const vars = { partner: names.partner, client: names.client, by: side === "partner" ? names.partner : names.client };
    await tellLegalRep(trx, link.org_id, "clients.mail.ended", vars);
    await tellLegalRep(trx, link.client_org_id, "clients.mail.ended", vars);
  });
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

/** C-2/C-3: the client's delegations page: requests to answer, active delegations with their rights, its products to pick from. */
export async function clientDelegations(db: Handle, acting: Acting, clientOrgId: string) {
  // The client's own members only: a partner acting in the client does not see this page.
  if (!membershipOf(acting.actor, clientOrgId)) throw new NotFound();
  assertCan(acting.ability, "read", "Organization", { id: clientOrgId });
  const canManage = allows(acting.ability, "update", "PartnerLink", { orgId: clientOrgId });
  return withActor(db, acting.actor, async (trx) => {
    const links = await trx
      .selectFrom("partner_client_links as l")
      .innerJoin("organizations as p", "p.id", "l.org_id")
      .select(["l.id", "l.org_id as partnerOrgId", "p.name as partnerName", "l.state", "l.access", "l.billing_access as billing", "l.requested_access as requestedAccess", "l.requested_billing as requestedBilling", "l.requested_at as requestedAt", "l.since", "l.ends_at as endsAt", "l.extension_requested_at as extensionRequestedAt", "l.payer"])
      .where("l.client_org_id", "=", clientOrgId)
      .where("l.state", "in", ["requested", "active"])
      .orderBy("l.state")
      .orderBy("p.name")
      .limit(100)
      .execute();
    const linkIds = links.map((l) => l.id);
    const picked = linkIds.length
      ? await trx.selectFrom("partner_link_products").select(["link_id", "product_id", "manage", "stats"]).where("org_id", "=", clientOrgId).where("link_id", "in", linkIds).execute()
      : [];
    const products = canManage ? await trx.selectFrom("products").select(["id", "name"]).where("org_id", "=", clientOrgId).orderBy("name").limit(500).execute() : [];
    const at = now();
    return {
      canManage,
      products,
      links: links.map((l) => ({
        ...l,
        expired: l.state === "requested" && !!l.requestedAt && addMs(l.requestedAt, REQUEST_DAYS * DAY) <= at,
        products: Object.fromEntries(picked.filter((p) => p.link_id === l.id).map((p) => [p.product_id, { manage: p.manage, stats: p.stats }])),
      })),
    };
  });
}

export const CLIENTS_PAGE_SIZE = 50;

/**
 * C-1/C-4/P-10: the partner's clients. The legal representative and administrators see
 * every link; a partner user sees exactly the clients its staff rights let it act in.
 */
export async function partnerClients(db: Handle, acting: Acting, partnerOrgId: string, opts: { page?: number; perPage?: number } = {}) {
  if (!membershipOf(acting.actor, partnerOrgId)) throw new NotFound();
  assertCan(acting.ability, "read", "Organization", { id: partnerOrgId });
  const admin = allows(acting.ability, "manage", "PartnerStaff", { orgId: partnerOrgId });
  const mine = new Set<string>();
  if (acting.actor.kind === "user") {
    for (const d of acting.actor.delegations ?? []) {
      if (d.partnerOrgId !== partnerOrgId) continue;
      d.full.forEach((id) => mine.add(id));
      d.limited.forEach((l) => mine.add(l.clientOrgId));
    }
  }
  const page = pageNumber(opts.page);
  const size = opts.perPage ?? CLIENTS_PAGE_SIZE;
  if (!admin && mine.size === 0) return { admin, page: 1, pages: 1, total: 0, links: [], canRequest: false };
  return withActor(db, acting.actor, async (trx) => {
    const base = trx
      .selectFrom("partner_client_links as l")
      .where("l.org_id", "=", partnerOrgId)
      .where("l.state", "in", admin ? ["requested", "active"] : ["active"])
      .$if(!admin, (qb) => qb.where("l.client_org_id", "in", [...mine]));
    const total = toCount((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const links = await base
      .innerJoin("organizations as c", "c.id", "l.client_org_id")
      .select(["l.id", "l.client_org_id as clientOrgId", "c.name as clientName", "l.state", "l.access", "l.billing_access as billing", "l.ends_at as endsAt", "l.extension_requested_at as extensionRequestedAt", "l.requested_at as requestedAt"])
      .orderBy("c.name")
      .orderBy("l.id")
      .limit(size)
      .offset((page - 1) * size)
      .execute();
    return {
      admin,
      page,
      pages: pageCount(total, size),
      total,
      canRequest: allows(acting.ability, "create", "PartnerLink", { orgId: partnerOrgId }),
      links: links.map((l) => ({ ...l, canEnter: mine.has(l.clientOrgId) && l.state === "active" })),
    };
  });
}

/**
 * C-3: what the portal shows while a partner user acts in a client organization: whom it
 * acts for and as which partner, with what access.
 */
export async function actingBanner(db: Handle, acting: Acting, orgId: string) {
  const delegation = delegationIn(acting.actor, orgId);
  if (!delegation || membershipOf(acting.actor, orgId)) return null;
  const client = await withActor(db, acting.actor, (trx) => trx.selectFrom("organizations").select("name").where("id", "=", orgId).executeTakeFirst());
  return {
    clientName: client?.name ?? "",
    partnerOrgId: delegation.partnerOrgId,
    partnerName: membershipOf(acting.actor, delegation.partnerOrgId)?.orgName ?? "",
    access: delegation.access,
    billing: delegation.billing,
  };
}

/** Whether the organization is a partner whose clients this member may see (the "Clients" menu entry). */
export async function showsClientsMenu(db: Handle, acting: Acting, orgId: string): Promise<boolean> {
  if (!membershipOf(acting.actor, orgId)) return false;
  if (acting.actor.kind === "user" && (acting.actor.delegations ?? []).some((d) => d.partnerOrgId === orgId)) return true;
  if (!allows(acting.ability, "manage", "PartnerStaff", { orgId })) return false;
  const program = await withActor(db, acting.actor, (trx) => trx.selectFrom("program_memberships").select("program").where("org_id", "=", orgId).executeTakeFirst());
  return program?.program === "partner";
}
