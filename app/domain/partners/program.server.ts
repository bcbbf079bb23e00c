import { randomBytes } from "node:crypto";
import { z } from "zod";
import { allows, assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { enqueue } from "../../jobs.server";
import { addMs, DAY, now } from "../../lib/clock";
import { REQUEST_DAYS } from "../clients/delegations.server";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { Acting } from "../orgs/member-fields";
import { withActor, type Handle, type Tx } from "../tx.server";
import { REGISTRY_KINDS, validateRegistry } from "./registry";
import { affiliateCommissions, referralCount } from "./referrals.server";
import { partnerProgramValue } from "./value.server";
import { normalizeWebsite } from "./website.server";

// P-1 … P-8: the partner program seen from the organization: applying, the affiliate
// alternative, and the partner–client link (asked by the partner, accepted by the client).

const yes = (key: string) => z.literal("yes", { message: key });

export const applicationSchema = z.object({
  registryKind: z.enum(REGISTRY_KINDS, { message: "errors.invalid" }),
  registryCountry: z.string().trim().max(2, "errors.tooLong").default(""),
  registryNumber: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(60, "errors.tooLong"),
  website: z.string({ message: "errors.required" }).trim().min(1, "errors.required").max(500, "errors.tooLong"),
  commitSupport: yes("partners.errors.commitSupport"),
  commitInvoices: yes("partners.errors.commitInvoices"),
  commitTenders: yes("partners.errors.commitTenders"),
  acceptTerms: yes("partners.errors.acceptTerms"),
  termsVersion: z.coerce.number({ message: "errors.invalid" }).int(),
});
export type ApplicationInput = z.infer<typeof applicationSchema>;

export const linkRequestSchema = z.object({ clientOrgId: z.string({ message: "errors.required" }).trim().uuid("partners.errors.orgId") });
export const linkAnswerSchema = z.object({ linkId: z.string().uuid("errors.invalid") });

async function currentTerms(trx: Tx) {
  return trx.selectFrom("partner_terms").selectAll().orderBy("version", "desc").limit(1).executeTakeFirstOrThrow();
}

async function programOf(trx: Tx, orgId: string) {
  return trx.selectFrom("program_memberships").selectAll().where("org_id", "=", orgId).executeTakeFirst();
}

/** Everything the partner page shows: membership, latest application, value, terms, links. */
export async function partnerProgramOverview(db: Handle, acting: Acting, orgId: string, opts: { commissionsPage?: number } = {}) {
  assertCan(acting.ability, "read", "PartnerApplication", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    const org = await trx.selectFrom("organizations").select(["registry_id", "currency"]).where("id", "=", orgId).executeTakeFirstOrThrow();
    const application = await trx.selectFrom("partner_applications").selectAll().where("org_id", "=", orgId).orderBy("submitted_at", "desc").limit(1).executeTakeFirst();
    const links = await trx
      .selectFrom("partner_client_links as l")
      .innerJoin("organizations as p", "p.id", "l.org_id")
      .innerJoin("organizations as c", "c.id", "l.client_org_id")
      .select(["l.id", "l.org_id", "l.client_org_id", "l.state", "l.since", "l.payer", "l.access", "p.name as partner_name", "c.name as client_name"])
      .where("l.state", "<>", "ended")
      .where((eb) => eb.or([eb("l.org_id", "=", orgId), eb("l.client_org_id", "=", orgId)]))
      .orderBy("l.since", "desc")
      .limit(50)
      .execute();
    const program = (await programOf(trx, orgId)) ?? null;
    return {
      program,
      referrals: program?.program === "affiliate" ? await referralCount(trx, orgId) : 0,
      commissions: program?.program === "affiliate" ? await affiliateCommissions(trx, orgId, { page: opts.commissionsPage }) : null,
      application: application ?? null,
      value: await partnerProgramValue(trx, orgId),
      terms: await currentTerms(trx),
      privatePerson: !org.registry_id,
      links,
      canApply: allows(acting.ability, "create", "PartnerApplication", { orgId }),
    };
  });
}

/** P-8: being (or applying as) one program refuses the other, with a clear message. */
async function refuseOtherProgram(trx: Tx, orgId: string, wanted: "partner" | "affiliate") {
  const program = await programOf(trx, orgId);
  if (program?.program === "affiliate") throw new Conflict("already_affiliate", wanted === "partner" ? "partners.errors.isAffiliate" : "partners.errors.alreadyAffiliate");
  if (program?.program === "partner") throw new Conflict("already_partner", wanted === "affiliate" ? "partners.errors.isPartner" : "partners.errors.alreadyPartner");
  const open = await trx.selectFrom("partner_applications").select("id").where("org_id", "=", orgId).where("status", "=", "submitted").executeTakeFirst();
  if (open) throw new Conflict("application_open", wanted === "affiliate" ? "partners.errors.applicationOpenAffiliate" : "partners.errors.applicationOpen");
}

/**
 * P-1 … P-7: the legal representative applies; each condition is checked and stored with
 * its evidence (registry, website to be checked by the job, value, commitments, terms
 * version accepted by whom and when). The website check runs after the commit.
 */
export async function applyForPartnerProgram(db: Handle, acting: Acting, orgId: string, input: ApplicationInput): Promise<{ id: string }> {
  assertCan(acting.ability, "create", "PartnerApplication", { orgId });
  const registry = validateRegistry(input.registryKind, input.registryCountry, input.registryNumber);
  if (!registry.ok) throw new Invalid({ [registry.field]: registry.error });
  const website = normalizeWebsite(input.website);
  if (!website) throw new Invalid({ website: "partners.errors.website" });
  const userId = acting.actor.kind === "user" ? acting.actor.userId : null;
  return withActor(db, acting.actor, async (trx) => {
    await refuseOtherProgram(trx, orgId, "partner");
    const terms = await currentTerms(trx);
    if (terms.version !== input.termsVersion) throw new Conflict("terms_changed", "partners.errors.termsChanged");
    const value = await partnerProgramValue(trx, orgId);
    if (value.missing > 0) throw new Conflict("value_too_low", "partners.errors.valueTooLow", { missing: (value.missing / 100).toFixed(2), currency: value.currency });
    const at = now();
    const row = await trx
      .insertInto("partner_applications")
      .values({
        org_id: orgId,
        registry_kind: input.registryKind,
        registry_country: registry.country,
        registry_number: registry.number,
        website_url: website,
        commit_support: true,
        commit_invoices: true,
        commit_tenders: true,
        terms_version: terms.version,
        terms_accepted_by: userId,
        terms_accepted_at: at,
        value_amount: value.amount,
        value_threshold: value.threshold,
        value_currency: value.currency,
        submitted_by: userId,
        submitted_at: at,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, acting.actor, { orgId, action: "partner.applied", targetType: "partner_application", targetId: row.id, data: { termsVersion: terms.version } });
    trx.onCommit(() => enqueue("check-partner-website", { applicationId: row.id }, `partner-website-${row.id}`));
    return row;
  });
}

/** P-8: a private person (no registry id) joins the affiliate program and gets a referral code. */
export async function joinAffiliateProgram(db: Handle, acting: Acting, orgId: string): Promise<{ referralCode: string }> {
  assertCan(acting.ability, "create", "PartnerApplication", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    await refuseOtherProgram(trx, orgId, "affiliate");
    const org = await trx.selectFrom("organizations").select("registry_id").where("id", "=", orgId).executeTakeFirstOrThrow();
    if (org.registry_id) throw new Conflict("affiliate_is_company", "partners.errors.affiliateCompany");
    const referralCode = randomBytes(5).toString("hex");
    await trx.insertInto("program_memberships").values({ org_id: orgId, program: "affiliate", referral_code: referralCode, since: now() }).execute();
    await audit(trx, acting.actor, { orgId, action: "partner.affiliate_joined", targetType: "organization", targetId: orgId });
    return { referralCode };
  });
}

/** A partner asks an existing organization (by its id) to become its client. */
export async function requestClientLink(db: Handle, acting: Acting, orgId: string, clientOrgId: string): Promise<void> {
  assertCan(acting.ability, "create", "PartnerLink", { orgId });
  if (clientOrgId === orgId) throw new Invalid({ clientOrgId: "partners.errors.orgId" });
  await withActor(db, acting.actor, async (trx) => {
    const program = await programOf(trx, orgId);
    if (program?.program !== "partner") throw new Conflict("not_partner", "partners.errors.notPartner");
    // The client is not visible to the partner before the link: its existence is checked by the foreign key.
    const row = await trx
      .insertInto("partner_client_links")
      .values({ org_id: orgId, client_org_id: clientOrgId, requested_by: actorUser(acting.actor), since: now(), requested_at: now(), requested_access: "full" })
      .onConflict((oc) => oc.columns(["org_id", "client_org_id"]).where("state", "in", ["requested", "active"]).doNothing())
      .returning("id")
      .executeTakeFirst()
      .catch((err: { code?: string }) => {
        if (err?.code === "23503") throw new Invalid({ clientOrgId: "partners.errors.orgUnknown" });
        throw err;
      });
    if (!row) throw new Conflict("link_exists", "partners.errors.linkExists");
    await audit(trx, acting.actor, { orgId, action: "partner.link_requested", targetType: "partner_client_link", targetId: row.id });
  });
}

/** The client's legal representative accepts a partner's request: the link becomes active. */
export async function acceptClientLink(db: Handle, acting: Acting, orgId: string, linkId: string): Promise<void> {
  assertCan(acting.ability, "update", "PartnerLink", { orgId });
  await withActor(db, acting.actor, async (trx) => {
    const row = await trx
      .updateTable("partner_client_links")
      .set({ state: "active", answered_by: actorUser(acting.actor), since: now() })
      .where("id", "=", linkId)
      .where("client_org_id", "=", orgId)
      .where("state", "=", "requested")
      // C-1: a request older than 90 days has expired (the delegation sweep marks it).
      .where("requested_at", ">", addMs(now(), -REQUEST_DAYS * DAY))
      .returning(["id", "org_id"])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(trx, acting.actor, { orgId, action: "partner.link_accepted", targetType: "partner_client_link", targetId: row.id, data: { partnerOrgId: row.org_id } });
  });
}

function actorUser(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}
