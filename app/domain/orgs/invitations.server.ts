import { sql, type Selectable } from "kysely";
import { z } from "zod";
import { toCount } from "../../../db/client";
import type { InvitationsTable, MemberRole, PermissionLevel } from "../../../db/schema";
import { assertCan, type AppAbility } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { hashPassword } from "../../auth/password.server";
import { hashToken, newToken } from "../../auth/tokens.server";
import { config } from "../../config.server";
import { formatDate, isLocale, translator, type UiLocale } from "../../i18n/index";
import { addMs, DAY, now } from "../../lib/clock";
import { pageCount, pagedTotal, pageNumber } from "../../lib/paging";
import { emailField, nameField, passwordField } from "../accounts/schemas";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, isUniqueViolation, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import { transaction, type Handle, type Tx } from "../tx.server";
import { grantedLevels, isUuid, permissionsField, roleField, uuidField, type Acting } from "./member-fields";

type Invitation = Selectable<InvitationsTable>;

export const INVITATION_DAYS = 14;
export const INVITATIONS_PAGE_SIZE = 50;

// ---------------------------------------------------------------------------------------
// Administrators: invite, list, re-send, revoke (O-4)
// ---------------------------------------------------------------------------------------

/** Open invitations (neither accepted nor revoked), newest first, paginated in SQL. */
export async function listPendingInvitations(db: Handle, ability: AppAbility, orgId: string, opts: { page?: number } = {}) {
  assertCan(ability, "manage", "Invitation", { orgId });
  const page = pageNumber(opts.page);
  const open = db
    .selectFrom("invitations as i")
    .where("i.org_id", "=", orgId)
    .where("i.accepted_at", "is", null)
    .where("i.revoked_at", "is", null);
  const offset = (page - 1) * INVITATIONS_PAGE_SIZE;
  const rows = await open
    .leftJoin("users as inviter", "inviter.id", "i.invited_by")
    .select(["i.id", "i.email", "i.role", "i.created_at", "i.expires_at", "inviter.name as invitedBy"])
    .orderBy("i.created_at", "desc")
    .orderBy("i.id")
    .limit(INVITATIONS_PAGE_SIZE)
    .offset(offset)
    .execute();
  const total = await pagedTotal(offset, INVITATIONS_PAGE_SIZE, rows.length, async () =>
    toCount((await open.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n),
  );
  const at = now();
  return {
    page,
    pages: pageCount(total, INVITATIONS_PAGE_SIZE),
    total,
    items: rows.map((r) => ({ ...r, expired: r.expires_at <= at })),
  };
}

/** What the invitation form offers: the organization's products and teams. */
export async function invitationFormOptions(db: Handle, ability: AppAbility, orgId: string) {
  assertCan(ability, "create", "Invitation", { orgId });
  const [products, teams] = await Promise.all([
    db.selectFrom("products").select(["id", "name", "type"]).where("org_id", "=", orgId).orderBy("name").orderBy("id").execute(),
    db.selectFrom("teams").select(["id", "name"]).where("org_id", "=", orgId).orderBy("name").execute(),
  ]);
  return { products, teams };
}

export const inviteSchema = z.object({
  email: emailField,
  role: roleField,
  permissions: permissionsField.default({}),
  teamIds: z.array(uuidField).default([]),
});
export type InviteInput = z.infer<typeof inviteSchema>;

/**
 * O-4/O-2: invites a person by e-mail with their role, product permissions and teams set at
 * once; they are applied when the invitation is accepted. The mail carries a single-use link.
 */
export async function inviteMember(db: Handle, acting: Acting, orgId: string, input: InviteInput, locale: UiLocale) {
  assertCan(acting.ability, "create", "Invitation", { orgId });
  try {
    return await transaction(db, async (trx) => {
      const member = await trx
        .selectFrom("memberships as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .select("u.id")
        .where("m.org_id", "=", orgId)
        .where("u.email", "=", input.email)
        .executeTakeFirst();
      if (member) throw new Invalid({ email: "members.alreadyMember" });
      const pending = await trx
        .selectFrom("invitations")
        .select("id")
        .where("org_id", "=", orgId)
        .where("email", "=", input.email)
        .where("accepted_at", "is", null)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (pending) throw new Invalid({ email: "members.alreadyInvited" });

      const permissions = grantedLevels(input.permissions);
      const productIds = Object.keys(permissions);
      if (productIds.length > 0) {
        const known = await trx.selectFrom("products").select("id").where("org_id", "=", orgId).where("id", "in", productIds).execute();
        if (known.length !== productIds.length) throw new Invalid({ permissions: "members.unknownProduct" });
      }
      const teamIds = [...new Set(input.teamIds)];
      if (teamIds.length > 0) {
        const known = await trx.selectFrom("teams").select("id").where("org_id", "=", orgId).where("id", "in", teamIds).execute();
        if (known.length !== teamIds.length) throw new Invalid({ teamIds: "members.unknownTeam" });
      }

      const { token, tokenHash } = newToken();
      const invitation = await trx
        .insertInto("invitations")
        .values({
          org_id: orgId,
          email: input.email,
          role: input.role,
          permissions: JSON.stringify(permissions),
          team_ids: JSON.stringify(teamIds),
          token_hash: tokenHash,
          invited_by: inviterId(acting.actor),
          expires_at: addMs(now(), INVITATION_DAYS * DAY),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await sendInvitationMail(trx, acting.actor, invitation, token, locale);
      await audit(trx, acting.actor, {
        orgId,
        action: "invitation.created",
        targetType: "invitation",
        targetId: invitation.id,
        data: { email: input.email, role: input.role, permissions, teamIds },
      });
      return { invitationId: invitation.id };
    });
  } catch (err) {
    // Two administrators inviting the same address at once: the open-invitation index decides.
    if (isUniqueViolation(err, "invitations_open_key")) throw new Invalid({ email: "members.alreadyInvited" });
    throw err;
  }
}

/** An open invitation of this organization, for the revoke confirmation. */
export async function pendingInvitation(db: Handle, ability: AppAbility, orgId: string, invitationId: string) {
  assertCan(ability, "manage", "Invitation", { orgId });
  return lockOpenInvitation(db, orgId, invitationId, false);
}

async function lockOpenInvitation(db: Handle, orgId: string, invitationId: string, lock: boolean): Promise<Invitation> {
  if (!isUuid(invitationId)) throw new NotFound();
  const invitation = await db
    .selectFrom("invitations")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("id", "=", invitationId)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!invitation) throw new NotFound();
  if (invitation.accepted_at) throw new Conflict("invitation_used", "members.invitationUsed");
  if (invitation.revoked_at) throw new Conflict("invitation_revoked", "members.invitationRevoked");
  return invitation;
}

/** Sends the invitation again with a fresh link (the old one stops working) and a new expiry. */
export async function resendInvitation(db: Handle, acting: Acting, orgId: string, invitationId: string, locale: UiLocale) {
  assertCan(acting.ability, "update", "Invitation", { orgId });
  await transaction(db, async (trx) => {
    const current = await lockOpenInvitation(trx, orgId, invitationId, true);
    const { token, tokenHash } = newToken();
    const invitation = await trx
      .updateTable("invitations")
      .set({ token_hash: tokenHash, expires_at: addMs(now(), INVITATION_DAYS * DAY) })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await sendInvitationMail(trx, acting.actor, invitation, token, locale);
    await audit(trx, acting.actor, {
      orgId,
      action: "invitation.resent",
      targetType: "invitation",
      targetId: invitation.id,
      data: { email: invitation.email, expiresAt: invitation.expires_at },
    });
  });
}

/** Withdraws an open invitation; its link stops working. */
export async function revokeInvitation(db: Handle, acting: Acting, orgId: string, invitationId: string) {
  assertCan(acting.ability, "delete", "Invitation", { orgId });
  await transaction(db, async (trx) => {
    const invitation = await lockOpenInvitation(trx, orgId, invitationId, true);
    await trx.updateTable("invitations").set({ revoked_at: now() }).where("id", "=", invitation.id).execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "invitation.revoked",
      targetType: "invitation",
      targetId: invitation.id,
      data: { email: invitation.email },
    });
  });
}

async function sendInvitationMail(trx: Tx, actor: Actor, invitation: Invitation, token: string, fallbackLocale: UiLocale) {
  const [org, inviter, invitee] = await Promise.all([
    trx.selectFrom("organizations").select("name").where("id", "=", invitation.org_id).executeTakeFirstOrThrow(),
    actor.kind === "user" ? trx.selectFrom("users").select("name").where("id", "=", actor.userId).executeTakeFirst() : undefined,
    trx.selectFrom("users").select("locale").where("email", "=", invitation.email).executeTakeFirst(),
  ]);
  // Someone with an account reads it in their language; a newcomer in the inviter's.
  const locale = isLocale(invitee?.locale) ? invitee.locale : fallbackLocale;
  const t = translator(locale);
  const vars = {
    org: org.name,
    inviter: inviter?.name ?? org.name,
    link: `${config.publicUrl}/invitations/${token}`,
    date: formatDate(invitation.expires_at, locale),
  };
  await queueMail(trx, {
    orgId: invitation.org_id,
    to: invitation.email,
    subject: t("members.inviteMailSubject", vars),
    text: t("members.inviteMailText", vars),
    kind: "invitation",
  });
}

// ---------------------------------------------------------------------------------------
// The invited person: open, accept, decline (O-2)
// ---------------------------------------------------------------------------------------

/*
 * The link's token is the capability: these functions run in their own transaction that
 * reads exactly the invitation with that token (`app.invitation_token_hash`, which the
 * row-level policies honour) and then acts for the invitation's organization only.
 */

async function openByToken(trx: Tx, token: string, lock: boolean) {
  const tokenHash = hashToken(token);
  await sql`select set_config('app.invitation_token_hash', ${tokenHash}, true)`.execute(trx);
  const invitation = await trx
    .selectFrom("invitations")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (invitation) await sql`select set_config('app.org_ids', ${invitation.org_id}, true)`.execute(trx);
  return invitation;
}

type InvitationState = "invalid" | "used" | "revoked" | "expired" | "open";

function stateOf(invitation: Invitation | undefined): InvitationState {
  if (!invitation) return "invalid";
  if (invitation.accepted_at) return "used";
  if (invitation.revoked_at) return "revoked";
  if (invitation.expires_at <= now()) return "expired";
  return "open";
}

const stateConflicts: Record<Exclude<InvitationState, "open">, [string, string]> = {
  invalid: ["invitation_invalid", "members.invitationInvalid"],
  used: ["invitation_used", "members.invitationUsed"],
  revoked: ["invitation_revoked", "members.invitationRevoked"],
  expired: ["invitation_expired", "members.invitationExpired"],
};

/** Locks the invitation of a token, refusing anything but an open one. */
async function requireOpen(trx: Tx, token: string): Promise<Invitation> {
  const invitation = await openByToken(trx, token, true);
  const state = stateOf(invitation);
  if (state !== "open") throw new Conflict(...stateConflicts[state]);
  return invitation!;
}

export type Viewer = { userId: string; email: string } | null;

export type InvitationView =
  | { state: Exclude<InvitationState, "open"> }
  | {
      state: "open";
      /** What the visitor can do: sign in as the invited account, accept with it, create it, or nothing. */
      next: "signIn" | "accept" | "createAccount" | "wrongAccount";
      orgName: string;
      inviterName: string | null;
      email: string;
      role: MemberRole;
      expiresAt: Date;
      viewerEmail: string | null;
    };

/** The invitation page: what the invited person sees, and what they can do from here. */
export async function invitationForToken(db: Handle, token: string, viewer: Viewer): Promise<InvitationView> {
  return transaction(db, async (trx): Promise<InvitationView> => {
    const invitation = await openByToken(trx, token, false);
    const state = stateOf(invitation);
    if (state !== "open") return { state };
    if (!invitation) return { state: "invalid" };
    const [org, inviter, account] = await Promise.all([
      trx.selectFrom("organizations").select("name").where("id", "=", invitation.org_id).executeTakeFirstOrThrow(),
      invitation.invited_by
        ? trx.selectFrom("users").select("name").where("id", "=", invitation.invited_by).executeTakeFirst()
        : undefined,
      trx.selectFrom("users").select("id").where("email", "=", invitation.email).executeTakeFirst(),
    ]);
    const next = viewer ? (viewer.email === invitation.email ? "accept" : "wrongAccount") : account ? "signIn" : "createAccount";
    return {
      state,
      next,
      orgName: org.name,
      inviterName: inviter?.name ?? null,
      email: invitation.email,
      role: invitation.role,
      expiresAt: invitation.expires_at,
      viewerEmail: viewer?.email ?? null,
    };
  });
}

/** Applies an accepted invitation: membership, product permissions and teams, all at once. */
async function join(trx: Tx, invitation: Invitation, userId: string) {
  const already = await trx
    .selectFrom("memberships")
    .select("user_id")
    .where("org_id", "=", invitation.org_id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (already) throw new Conflict("already_member", "members.alreadyMemberSelf");
  await trx.insertInto("memberships").values({ org_id: invitation.org_id, user_id: userId, role: invitation.role }).execute();

  // Products or teams deleted since the invitation was sent are skipped.
  const levels = invitation.permissions as Record<string, PermissionLevel>;
  const productIds = Object.keys(levels).filter(isUuid);
  const products = productIds.length
    ? await trx.selectFrom("products").select("id").where("org_id", "=", invitation.org_id).where("id", "in", productIds).execute()
    : [];
  if (products.length > 0) {
    await trx
      .insertInto("product_permissions")
      .values(products.map((p) => ({ org_id: invitation.org_id, product_id: p.id, user_id: userId, level: levels[p.id] })))
      .execute();
  }
  const teamIds = (invitation.team_ids as string[]).filter(isUuid);
  const teams = teamIds.length
    ? await trx.selectFrom("teams").select("id").where("org_id", "=", invitation.org_id).where("id", "in", teamIds).execute()
    : [];
  if (teams.length > 0) {
    await trx
      .insertInto("team_members")
      .values(teams.map((t) => ({ org_id: invitation.org_id, team_id: t.id, user_id: userId })))
      .execute();
  }
  await trx.updateTable("invitations").set({ accepted_at: now() }).where("id", "=", invitation.id).execute();
  await trx.updateTable("users").set({ last_org_id: invitation.org_id }).where("id", "=", userId).execute();
  return { products: products.map((p) => p.id), teams: teams.map((t) => t.id) };
}

/** O-2: the invited person joins with the account they already have (signed in as it). */
export async function acceptInvitation(db: Handle, actor: Extract<Actor, { kind: "user" }>, token: string) {
  return transaction(db, async (trx) => {
    const invitation = await requireOpen(trx, token);
    if (actor.email !== invitation.email) throw new Conflict("wrong_account", "members.invitationWrongAccount");
    const joined = await join(trx, invitation, actor.userId);
    await audit(trx, actor, {
      orgId: invitation.org_id,
      action: "invitation.accepted",
      targetType: "invitation",
      targetId: invitation.id,
      data: { userId: actor.userId, email: invitation.email, role: invitation.role, ...joined },
    });
    return { orgId: invitation.org_id };
  });
}

export const newAccountSchema = z.object({
  name: nameField,
  password: passwordField,
  locale: z.enum(["de", "fr", "en"]).catch("de"),
});
export type NewAccountInput = z.infer<typeof newAccountSchema>;

/**
 * O-2/O-1: a person without an account creates it while accepting. The account belongs to
 * the inviting organization only: no organization of their own is created.
 */
export async function acceptInvitationWithNewAccount(
  db: Handle,
  token: string,
  input: NewAccountInput,
  request: { viewer: Viewer; ip?: string },
) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await transaction(db, async (trx) => {
      const invitation = await requireOpen(trx, token);
      // Signed in as somebody else: no second account is made behind that session.
      if (request.viewer) throw new Conflict("wrong_account", "members.invitationWrongAccount");
      const taken = await trx.selectFrom("users").select("id").where("email", "=", invitation.email).executeTakeFirst();
      if (taken) throw new Conflict("account_exists", "members.invitationSignInFirst");
      const user = await trx
        .insertInto("users")
        .values({ email: invitation.email, name: input.name, password_hash: passwordHash, locale: input.locale })
        .returning("id")
        .executeTakeFirstOrThrow();
      const joined = await join(trx, invitation, user.id);
      const actor: Actor = { kind: "user", userId: user.id, email: invitation.email, memberships: [], ip: request.ip };
      await audit(trx, actor, {
        orgId: invitation.org_id,
        action: "invitation.accepted",
        targetType: "invitation",
        targetId: invitation.id,
        data: { userId: user.id, email: invitation.email, role: invitation.role, newAccount: true, ...joined },
      });
      return { userId: user.id, orgId: invitation.org_id };
    });
  } catch (err) {
    if (isUniqueViolation(err, "users_email_key")) throw new Conflict("account_exists", "members.invitationSignInFirst");
    throw err;
  }
}

/**
 * The invited person says no; the invitation ends (recorded as revoked, the audit entry says
 * declined). Someone with an account must be signed in as it; otherwise the link suffices.
 */
export async function declineInvitation(db: Handle, actor: Actor, token: string) {
  await transaction(db, async (trx) => {
    const invitation = await requireOpen(trx, token);
    if (actor.kind === "user") {
      if (actor.email !== invitation.email) throw new Conflict("wrong_account", "members.invitationWrongAccount");
    } else {
      const account = await trx.selectFrom("users").select("id").where("email", "=", invitation.email).executeTakeFirst();
      if (account) throw new Conflict("sign_in_required", "members.invitationSignInFirst");
    }
    await trx.updateTable("invitations").set({ revoked_at: now() }).where("id", "=", invitation.id).execute();
    await audit(trx, actor, {
      orgId: invitation.org_id,
      action: "invitation.declined",
      targetType: "invitation",
      targetId: invitation.id,
      data: { email: invitation.email },
    });
  });
}

function inviterId(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}
