import { randomUUID } from "node:crypto";
import { sql, type Selectable } from "kysely";
import { z } from "zod";
import type { ClientCreationsTable } from "../../../db/schema";
import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { hashPassword } from "../../auth/password.server";
import { hashToken, newToken } from "../../auth/tokens.server";
import { config } from "../../config.server";
import { formatDate, isLocale, translator } from "../../i18n/index";
import { addMs, DAY, now } from "../../lib/clock";
import { emailField, localeField, nameField, passwordField } from "../accounts/schemas";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, isUniqueViolation, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { isCountryCode } from "../orgs/countries";
import { createOrganization } from "../orgs/create-organization.server";
import { isUuid, type Acting } from "../orgs/member-fields";
import { transaction, withActor, type Handle, type Tx } from "../tx.server";

// C-1: a partner adds a client by creating a new organization for it. An organization cannot
// exist without its legal representative, so the partner's request waits (client_creations,
// org_id = the partner) until the person it names accepts by e-mail; then, in one
// transaction, the organization is created with that person as legal representative and the
// partner's link is active with the access asked (full, with or without billing).

type Creation = Selectable<ClientCreationsTable>;

/** How long the invitation link of a client creation stays valid. */
export const CREATION_DAYS = 30;

export const creationSchema = z.object({
  orgName: nameField,
  country: z.string({ message: "errors.required" }).trim().toUpperCase().refine(isCountryCode, "errors.invalid"),
  currency: z.enum(["CHF", "EUR"], { message: "errors.invalid" }),
  locale: localeField,
  repName: nameField,
  email: emailField,
  // A new organization has no products yet, so limited access cannot be asked for.
  access: z.enum(["full", "fullBilling"], { message: "errors.invalid" }),
});
export type CreationInput = z.infer<typeof creationSchema>;

function userOf(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}

async function isApprovedPartner(trx: Tx, orgId: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`select id from portal_find_partners(${orgId}, 1)`.execute(trx);
  return rows.some((r) => r.id === orgId);
}

/** C-1: the partner's legal representative asks the portal to create a client organization and invites its representative. */
export async function createClientOrganization(db: Handle, acting: Acting, partnerOrgId: string, input: CreationInput): Promise<{ id: string }> {
  assertCan(acting.ability, "create", "PartnerLink", { orgId: partnerOrgId });
  return withActor(db, acting.actor, async (trx) => {
    if (!(await isApprovedPartner(trx, partnerOrgId))) throw new Conflict("not_partner", "partners.errors.notPartner");
    const at = now();
    const open = await trx
      .selectFrom("client_creations")
      .select("id")
      .where("org_id", "=", partnerOrgId)
      .where("email", "=", input.email)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", at)
      .executeTakeFirst();
    if (open) throw new Invalid({ email: "clients.creation.errors.pending" });
    const { token, tokenHash } = newToken();
    const row = await trx
      .insertInto("client_creations")
      .values({
        org_id: partnerOrgId,
        org_name: input.orgName,
        country: input.country,
        currency: input.currency,
        locale: input.locale,
        rep_name: input.repName,
        email: input.email,
        billing: input.access === "fullBilling",
        token_hash: tokenHash,
        created_by: userOf(acting.actor),
        created_at: at,
        expires_at: addMs(at, CREATION_DAYS * DAY),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const partner = await trx.selectFrom("organizations").select("name").where("id", "=", partnerOrgId).executeTakeFirstOrThrow();
    const t = translator(input.locale);
    const vars = {
      partner: partner.name,
      org: input.orgName,
      name: input.repName,
      access: t(`clients.access.${input.access}`),
      link: `${config.publicUrl}/client-invitations/${token}`,
      date: formatDate(row.expires_at, input.locale),
    };
    await queueMail(trx, { orgId: partnerOrgId, to: input.email, subject: t("clients.creation.mail.invite.subject", vars), text: t("clients.creation.mail.invite.text", vars), kind: "invitation" });
    await audit(trx, acting.actor, {
      orgId: partnerOrgId,
      action: "client_creation.created",
      targetType: "client_creation",
      targetId: row.id,
      data: { orgName: input.orgName, country: input.country, currency: input.currency, email: input.email, access: "full", billing: row.billing },
    });
    return { id: row.id };
  });
}

/** C-1: the partner's creations not yet accepted nor revoked (expired ones flagged), for its clients page. */
export async function pendingCreations(db: Handle, acting: Acting, partnerOrgId: string) {
  assertCan(acting.ability, "create", "PartnerLink", { orgId: partnerOrgId });
  const rows = await withActor(db, acting.actor, (trx) =>
    trx
      .selectFrom("client_creations")
      .select(["id", "org_name as orgName", "rep_name as repName", "email", "billing", "created_at as createdAt", "expires_at as expiresAt"])
      .where("org_id", "=", partnerOrgId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(100)
      .execute(),
  );
  const at = now();
  return rows.map((r) => ({ ...r, expired: r.expiresAt <= at }));
}

/** C-1: the partner withdraws a pending creation; its link stops working. */
export async function revokeCreation(db: Handle, acting: Acting, partnerOrgId: string, creationId: string): Promise<void> {
  assertCan(acting.ability, "create", "PartnerLink", { orgId: partnerOrgId });
  if (!isUuid(creationId)) throw new NotFound();
  await withActor(db, acting.actor, async (trx) => {
    const row = await trx.selectFrom("client_creations").selectAll().where("org_id", "=", partnerOrgId).where("id", "=", creationId).forUpdate().executeTakeFirst();
    if (!row) throw new NotFound();
    if (row.accepted_at) throw new Conflict("creation_used", "clients.creation.used");
    if (row.revoked_at) throw new Conflict("creation_revoked", "clients.creation.revoked");
    await trx.updateTable("client_creations").set({ revoked_at: now() }).where("id", "=", row.id).execute();
    await audit(trx, acting.actor, { orgId: partnerOrgId, action: "client_creation.revoked", targetType: "client_creation", targetId: row.id, data: { email: row.email, orgName: row.org_name } });
  });
}

// ---------------------------------------------------------------------------------------
// The invited person (public page /client-invitations/$token)
// ---------------------------------------------------------------------------------------

/*
 * The link's token is the capability: these functions read exactly the creation with that
 * token (`app.client_creation_token_hash`, honoured by the row-level policies of 0030) and
 * then act for the partner and for the organization being created, nothing else.
 */
async function openByToken(trx: Tx, token: string, lock: boolean) {
  const tokenHash = hashToken(token);
  await sql`select set_config('app.client_creation_token_hash', ${tokenHash}, true)`.execute(trx);
  const row = await trx.selectFrom("client_creations").selectAll().where("token_hash", "=", tokenHash).$if(lock, (qb) => qb.forUpdate()).executeTakeFirst();
  if (row) await sql`select set_config('app.org_ids', ${row.org_id}, true)`.execute(trx);
  return row;
}

type CreationState = "invalid" | "used" | "revoked" | "expired" | "open";

function stateOf(row: Creation | undefined): CreationState {
  if (!row) return "invalid";
  if (row.accepted_at) return "used";
  if (row.revoked_at) return "revoked";
  if (row.expires_at <= now()) return "expired";
  return "open";
}

const stateConflicts: Record<Exclude<CreationState, "open">, [string, string]> = {
  invalid: ["creation_invalid", "clients.creation.invalid"],
  used: ["creation_used", "clients.creation.used"],
  revoked: ["creation_revoked", "clients.creation.revoked"],
  expired: ["creation_expired", "clients.creation.expired"],
};

async function requireOpen(trx: Tx, token: string): Promise<Creation> {
  const row = await openByToken(trx, token, true);
  const state = stateOf(row);
  if (state !== "open") throw new Conflict(...stateConflicts[state]);
  return row!;
}

export type Viewer = { userId: string; email: string } | null;

export type CreationView =
  | { state: Exclude<CreationState, "open"> }
  | {
      state: "open";
      next: "signIn" | "accept" | "createAccount" | "wrongAccount";
      partnerName: string;
      orgName: string;
      repName: string;
      email: string;
      billing: boolean;
      locale: "de" | "fr" | "en";
      expiresAt: Date;
      viewerEmail: string | null;
    };

export async function creationForToken(db: Handle, token: string, viewer: Viewer): Promise<CreationView> {
  return transaction(db, async (trx): Promise<CreationView> => {
    const row = await openByToken(trx, token, false);
    const state = stateOf(row);
    if (state !== "open" || !row) return { state: state === "open" ? "invalid" : state };
    const [partner, account] = await Promise.all([
      trx.selectFrom("organizations").select("name").where("id", "=", row.org_id).executeTakeFirstOrThrow(),
      trx.selectFrom("users").select("id").where("email", "=", row.email).executeTakeFirst(),
    ]);
    const next = viewer ? (viewer.email === row.email ? "accept" : "wrongAccount") : account ? "signIn" : "createAccount";
    return {
      state,
      next,
      partnerName: partner.name,
      orgName: row.org_name,
      repName: row.rep_name,
      email: row.email,
      billing: row.billing,
      locale: row.locale,
      expiresAt: row.expires_at,
      viewerEmail: viewer?.email ?? null,
    };
  });
}

/**
 * The one transaction of an acceptance: the organization with `userId` as legal
 * representative and member, the partner's active link with the access asked, the creation
 * marked used, both sides' audit, and the partner's legal representative told by mail.
 */
async function found(trx: Tx, row: Creation, actor: Extract<Actor, { kind: "user" }>, newAccount: boolean): Promise<string> {
  const orgId = randomUUID();
  await sql`select set_config('app.org_ids', ${`${row.org_id},${orgId}`}, true), set_config('app.user_id', ${actor.userId}, true)`.execute(trx);
  await createOrganization(trx, { id: orgId, name: row.org_name, userId: actor.userId, currency: row.currency, country: row.country });
  const at = now();
  const link = await trx
    .insertInto("partner_client_links")
    .values({
      org_id: row.org_id,
      client_org_id: orgId,
      state: "active",
      access: "full",
      billing_access: row.billing,
      requested_access: "full",
      requested_billing: row.billing,
      requested_by: row.created_by,
      requested_at: row.created_at,
      answered_by: actor.userId,
      since: at,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx.updateTable("client_creations").set({ accepted_at: at, accepted_by: actor.userId, client_org_id: orgId }).where("id", "=", row.id).execute();
  await trx.updateTable("users").set({ last_org_id: orgId }).where("id", "=", actor.userId).execute();
  const data = { creationId: row.id, access: "full", billing: row.billing, newAccount };
  await audit(trx, actor, { orgId, action: "client_creation.accepted", targetType: "partner_client_link", targetId: link.id, data: { ...data, partnerOrgId: row.org_id } });
  await audit(trx, actor, { orgId: row.org_id, action: "client_creation.accepted", targetType: "partner_client_link", targetId: link.id, data: { ...data, clientOrgId: orgId } });
  // The partner's legal representative is told, in their language, with a link to the clients page.
  const partnerRep = await trx
    .selectFrom("organizations as o")
    .innerJoin("users as u", "u.id", "o.legal_rep_user_id")
    .select(["o.name", "u.email", "u.locale"])
    .where("o.id", "=", row.org_id)
    .executeTakeFirstOrThrow();
  const t = translator(isLocale(partnerRep.locale) ? partnerRep.locale : "de");
  const vars = {
    client: row.org_name,
    name: row.rep_name,
    org: partnerRep.name,
    access: t(`clients.access.${row.billing ? "fullBilling" : "full"}`),
    link: `${config.publicUrl}/orgs/${row.org_id}/clients`,
  };
  await queueMail(trx, { orgId: row.org_id, to: partnerRep.email, subject: t("clients.creation.mail.accepted.subject", vars), text: t("clients.creation.mail.accepted.text", vars), kind: "delegation" });
  return orgId;
}

/** C-1: the invited person accepts with the account they already have (signed in as it). */
export async function acceptCreation(db: Handle, actor: Extract<Actor, { kind: "user" }>, token: string): Promise<{ orgId: string }> {
  return transaction(db, async (trx) => {
    const row = await requireOpen(trx, token);
    if (actor.email !== row.email) throw new Conflict("wrong_account", "clients.creation.wrongAccount");
    return { orgId: await found(trx, row, actor, false) };
  });
}

export const newAccountSchema = z.object({ name: nameField, password: passwordField, locale: localeField.catch("de") });
export type NewAccountInput = z.infer<typeof newAccountSchema>;

/** C-1: a person without an account creates it while accepting, and owns the new organization. */
export async function acceptCreationWithNewAccount(db: Handle, token: string, input: NewAccountInput, request: { viewer: Viewer; ip?: string }) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await transaction(db, async (trx) => {
      const row = await requireOpen(trx, token);
      if (request.viewer) throw new Conflict("wrong_account", "clients.creation.wrongAccount");
      const taken = await trx.selectFrom("users").select("id").where("email", "=", row.email).executeTakeFirst();
      if (taken) throw new Conflict("account_exists", "clients.creation.signInFirst");
      const user = await trx
        .insertInto("users")
        .values({ email: row.email, name: input.name, password_hash: passwordHash, locale: input.locale })
        .returning("id")
        .executeTakeFirstOrThrow();
      const actor = { kind: "user" as const, userId: user.id, email: row.email, memberships: [], ip: request.ip };
      const orgId = await found(trx, row, actor, true);
      return { userId: user.id, orgId };
    });
  } catch (err) {
    if (isUniqueViolation(err, "users_email_key")) throw new Conflict("account_exists", "clients.creation.signInFirst");
    throw err;
  }
}
