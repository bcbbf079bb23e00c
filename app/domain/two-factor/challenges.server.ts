import type { Database } from "../../../db/client";
import type { ApprovalDecision, ChallengePurpose } from "../../../db/schema";
import { hashToken, newToken } from "../../auth/tokens.server";
import { addMs, now } from "../../lib/clock";
import { placeOfIp } from "../../lib/ip-place.server";
import { describeUserAgent } from "../../lib/user-agent";
import { consume, refund, reset, LOGIN_PER_IP, TWO_FACTOR_PER_ACCOUNT } from "../../lib/rate-limit.server";
import type { UserActor } from "../../auth/actor";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid } from "../errors";
import { transaction, type Handle, type Tx } from "../tx.server";
import { APPROVAL_TTL_MS } from "./approval-ttl";
import { actorOf, auditPrefix, ownerColumn, secondFactorKey, type Principal } from "./principal";
import { confirmEnrolment, hasTwoFactor, pendingEnrolment, principalOf, startEnrolment, verifySecondFactor, type SecondFactorMethod } from "./two-factor.server";

// S-3: after the password, a sign-in waits here for its second factor. A challenge is not a
// session: nothing but the second-factor pages reads it, it lives 10 minutes, and it is
// exchanged for a session once. Its token travels in its own short-lived cookie.
export const CHALLENGE_TTL_MS = 10 * 60 * 1000;
// An approval prompt is answerable for APPROVAL_TTL_MS (3 minutes). At most 3 prompts per
// sign-in, so a stranger who knows the password cannot flood the owner's screen until they
// tap "yes".
export { APPROVAL_TTL_MS };
export const MAX_APPROVAL_REQUESTS = 3;

export interface ChallengeMeta {
  redirectTo?: string | null;
  userAgent?: string | null;
  ip: string;
}

/** Opens a challenge for an account whose password was right; returns its token (for the cookie). */
export async function openChallenge(db: Handle, p: { kind: "user" | "staff"; id: string }, purpose: ChallengePurpose, meta: ChallengeMeta): Promise<string> {
  const { token, tokenHash } = newToken();
  const at = now();
  await db
    .insertInto("two_factor_challenges")
    .values({
      token_hash: tokenHash,
      purpose,
      [ownerColumn(p)]: p.id,
      redirect_to: meta.redirectTo ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip,
      created_at: at,
      expires_at: addMs(at, CHALLENGE_TTL_MS),
    })
    .execute();
  return token;
}

function liveChallenge(db: Handle, token: string, kind: "user" | "staff", purpose: ChallengePurpose) {
  return db
    .selectFrom("two_factor_challenges")
    .where("token_hash", "=", hashToken(token))
    .where(ownerColumn({ kind }), "is not", null)
    .where("purpose", "=", purpose)
    .where("expires_at", ">", now());
}

export type ChallengeState = "waiting" | "approval_pending" | "approved" | "refused" | "approval_expired";

/** What the second-factor page shows of its challenge, or null (none, expired or used). */
export async function challengeView(db: Handle, token: string | null, kind: "user" | "staff", purpose: ChallengePurpose) {
  if (!token) return null;
  const row = await liveChallenge(db, token, kind, purpose)
    .select(["id", "user_id", "staff_id", "consumed_at", "approval_requests", "approval_requested_at", "approval_decision", "approval_decided_at"])
    .executeTakeFirst();
  if (!row) return null;
  const state = approvalState(row, now());
  if (row.consumed_at && state !== "refused") return null;
  const canAskApproval =
    kind === "user" && state !== "refused" && row.approval_requests < MAX_APPROVAL_REQUESTS && (await hasTrustedSession(db, row.user_id!));
  return { state, canAskApproval, principalId: (row.user_id ?? row.staff_id)! };
}

function approvalState(
  row: { approval_requested_at: Date | null; approval_decision: ApprovalDecision | null; approval_decided_at: Date | null },
  at: Date,
): ChallengeState {
  if (row.approval_decision === "refused") return "refused";
  if (row.approval_decision === "approved") {
    return row.approval_decided_at!.getTime() + APPROVAL_TTL_MS > at.getTime() ? "approved" : "approval_expired";
  }
  if (row.approval_requested_at) {
    return row.approval_requested_at.getTime() + APPROVAL_TTL_MS > at.getTime() ? "approval_pending" : "approval_expired";
  }
  return "waiting";
}

/** A session of the user that passed two factors and has not ended: a device that may approve. */
async function hasTrustedSession(db: Handle, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom("sessions")
    .select("id")
    .where("user_id", "=", userId)
    .where("two_factor_at", "is not", null)
    .where("expires_at", ">", now())
    .executeTakeFirst();
  return !!row;
}

export interface SignedIn {
  principal: Principal;
  redirectTo: string | null;
  method: SecondFactorMethod;
}

/**
 * S-3, S-4: the second step of a sign-in: an app code or an emergency code. Attempts count
 * per account (5 in 15 minutes, whatever the number of challenges) and per IP. On success
 * the challenge is used up and the caller creates the session.
 */
export async function completeWithCode(db: Database, token: string | null, kind: "user" | "staff", code: string, ip: string): Promise<SignedIn> {
  const found = token ? await liveChallenge(db, token, kind, "verify").select(["user_id", "staff_id"]).where("consumed_at", "is", null).executeTakeFirst() : undefined;
  if (!token || !found) throw new Conflict("challenge_gone", "twoFactor.challengeGone");
  const who = { kind, id: (found.user_id ?? found.staff_id)! };
  await consume(LOGIN_PER_IP, ip);
  await consume(TWO_FACTOR_PER_ACCOUNT, secondFactorKey(who));
  const result = await transaction(db, async (trx) => {
    const claimed = await trx
      .selectFrom("two_factor_challenges")
      .select(["id", "redirect_to", "consumed_at"])
      .where("token_hash", "=", hashToken(token))
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (claimed.consumed_at) throw new Conflict("challenge_gone", "twoFactor.challengeGone");
    const method = await verifySecondFactor(trx, who, code);
    const principal = await principalOf(trx, kind, who.id);
    if (!method) {
      await audit(trx, actorOf(principal, ip), { action: `${auditPrefix(who)}.second_factor_failed`, targetType: kind, targetId: who.id });
      return null;
    }
    await trx.updateTable("two_factor_challenges").set({ consumed_at: now() }).where("id", "=", claimed.id).execute();
    await auditSignIn(trx, principal, ip, method);
    return { principal, redirectTo: claimed.redirect_to, method };
  });
  if (!result) throw new Invalid({ code: "twoFactor.wrongCode" });
  await reset(TWO_FACTOR_PER_ACCOUNT, secondFactorKey(who));
  await refund(LOGIN_PER_IP, ip);
  return result;
}

async function auditSignIn(trx: Tx, p: Principal, ip: string, method: SecondFactorMethod) {
  await audit(trx, actorOf(p, ip), { action: `${auditPrefix(p)}.signed_in`, targetType: p.kind, targetId: p.id, data: { secondFactor: method } });
}

/**
 * S-3 (staff): a staff member without a second factor enrols before any session exists. The
 * challenge of their sign-in starts the enrolment (once) and returns what the page shows.
 */
export async function staffEnrolmentChallenge(db: Handle, token: string | null): Promise<Principal | null> {
  if (!token) return null;
  const row = await liveChallenge(db, token, "staff", "enrol").select("staff_id").where("consumed_at", "is", null).executeTakeFirst();
  return row ? principalOf(db, "staff", row.staff_id!) : null;
}

/** The enrolment page of a staff sign-in: the secret to scan, started on the first visit. */
export async function staffEnrolmentView(db: Handle, token: string | null) {
  const principal = await staffEnrolmentChallenge(db, token);
  // Enrolled meanwhile (another browser): this sign-in must start again with the code.
  if (!principal || (await hasTwoFactor(db, principal))) return null;
  let pending = await pendingEnrolment(db, principal);
  if (!pending) {
    await startEnrolment(db, principal);
    pending = await pendingEnrolment(db, principal);
  }
  return { principal, ...pending! };
}

/** Confirms a staff enrolment made during sign-in; the challenge is used up; the caller creates the session. */
export async function completeStaffEnrolment(db: Database, token: string | null, code: string, ip: string): Promise<SignedIn & { recoveryCodes: string[] }> {
  const principal = await staffEnrolmentChallenge(db, token);
  if (!token || !principal) throw new Conflict("challenge_gone", "twoFactor.challengeGone");
  const { recoveryCodes } = await confirmEnrolment(db, principal, code, { ip });
  const redirectTo = await transaction(db, async (trx) => {
    const row = await trx
      .updateTable("two_factor_challenges")
      .set({ consumed_at: now() })
      .where("token_hash", "=", hashToken(token))
      .where("consumed_at", "is", null)
      .returning("redirect_to")
      .executeTakeFirst();
    if (!row) throw new Conflict("challenge_gone", "twoFactor.challengeGone");
    await auditSignIn(trx, principal, ip, "totp");
    return row.redirect_to;
  });
  return { principal, redirectTo, method: "totp", recoveryCodes };
}

/**
 * S-3: the new browser asks the account's trusted sessions to approve this sign-in. Only
 * customer accounts with such a session can; the code stays the fallback.
 */
export async function requestApproval(db: Database, token: string | null, ip: string): Promise<void> {
  const view = await challengeView(db, token, "user", "verify");
  if (!token || !view || view.state === "refused") throw new Conflict("challenge_gone", "twoFactor.challengeGone");
  if (!view.canAskApproval) throw new Conflict("approval_unavailable", "twoFactor.approvalUnavailable");
  await transaction(db, async (trx) => {
    const updated = await trx
      .updateTable("two_factor_challenges")
      .set((eb) => ({
        approval_requested_at: now(),
        approval_decision: null,
        approval_decided_at: null,
        approval_session_id: null,
        approval_requests: eb("approval_requests", "+", 1),
      }))
      .where("token_hash", "=", hashToken(token))
      .where("consumed_at", "is", null)
      .where("approval_requests", "<", MAX_APPROVAL_REQUESTS)
      .returning("user_id")
      .executeTakeFirst();
    if (!updated) throw new Conflict("approval_unavailable", "twoFactor.approvalUnavailable");
    const principal = await principalOf(trx, "user", updated.user_id!);
    await audit(trx, actorOf(principal, ip), { action: "account.sign_in_approval_requested", targetType: "user", targetId: principal.id });
  });
}

/**
 * Sign-ins waiting for this session's answer. Only a session that passed two factors is
 * asked (`trusted`); the list is empty for any other. What the session actor already says
 * (migration 0035: `twoFactorAt`, `approvalsWaiting`, loaded with the session) decides
 * whether the list is read at all: most pages make no round trip for it.
 */
export async function approvalInbox(db: Handle, session: { user: { id: string }; twoFactorAt: Date | null; approvalsWaiting: boolean }) {
  if (!session.twoFactorAt) return { trusted: false, approvals: [] };
  if (!session.approvalsWaiting) return { trusted: true, approvals: [] };
  const at = now();
  const rows = await db
    .selectFrom("two_factor_challenges")
    .select(["id", "user_agent", "ip", "approval_requested_at"])
    .where("user_id", "=", session.user.id)
    .where("consumed_at", "is", null)
    .where("approval_decision", "is", null)
    .where("approval_requested_at", ">", addMs(at, -APPROVAL_TTL_MS))
    .where("expires_at", ">", at)
    .orderBy("approval_requested_at", "desc")
    .limit(5)
    .execute();
  return {
    trusted: true,
    approvals: rows.map((r) => ({
      id: r.id,
      userAgent: r.user_agent,
      ...describeUserAgent(r.user_agent),
      place: placeOfIp(r.ip),
      requestedAt: r.approval_requested_at!,
    })),
  };
}

/**
 * S-3: a trusted session answers a prompt, yes or no. The answer counts once (the first
 * answer wins) and only while the prompt is fresh; "no" also ends the waiting sign-in.
 */
export async function answerApproval(db: Database, actor: UserActor, sessionId: string, challengeId: string, decision: ApprovalDecision): Promise<void> {
  await transaction(db, async (trx) => {
    const at = now();
    const trusted = await trx
      .selectFrom("sessions")
      .select("id")
      .where("id", "=", sessionId)
      .where("user_id", "=", actor.userId)
      .where("two_factor_at", "is not", null)
      .executeTakeFirst();
    if (!trusted) throw new Conflict("approval_untrusted", "twoFactor.approvalUntrusted");
    const answered = await trx
      .updateTable("two_factor_challenges")
      .set({
        approval_decision: decision,
        approval_decided_at: at,
        approval_session_id: sessionId,
        ...(decision === "refused" ? { consumed_at: at } : {}),
      })
      .where("id", "=", challengeId)
      .where("user_id", "=", actor.userId)
      .where("consumed_at", "is", null)
      .where("approval_decision", "is", null)
      .where("approval_requested_at", ">", addMs(at, -APPROVAL_TTL_MS))
      .where("expires_at", ">", at)
      .returning(["id", "user_agent", "ip"])
      .executeTakeFirst();
    if (!answered) throw new Conflict("approval_expired", "twoFactor.approvalExpired");
    await audit(trx, actor, {
      action: decision === "approved" ? "account.sign_in_approved" : "account.sign_in_refused",
      targetType: "user",
      targetId: actor.userId,
      data: { userAgent: answered.user_agent, ip: answered.ip },
    });
  });
}

/** S-3: the waiting browser turns an approval into its session, once, within its lifetime. */
export async function completeWithApproval(db: Database, token: string | null, ip: string): Promise<SignedIn> {
  if (!token) throw new Conflict("challenge_gone", "twoFactor.challengeGone");
  return transaction(db, async (trx) => {
    const at = now();
    const row = await trx
      .updateTable("two_factor_challenges")
      .set({ consumed_at: at })
      .where("token_hash", "=", hashToken(token))
      .where("purpose", "=", "verify")
      .where("user_id", "is not", null)
      .where("consumed_at", "is", null)
      .where("approval_decision", "=", "approved")
      .where("approval_decided_at", ">", addMs(at, -APPROVAL_TTL_MS))
      .where("expires_at", ">", at)
      .returning(["user_id", "redirect_to"])
      .executeTakeFirst();
    if (!row) throw new Conflict("approval_missing", "twoFactor.approvalMissing");
    const principal = await principalOf(trx, "user", row.user_id!);
    await auditSignIn(trx, principal, ip, "approval");
    return { principal, redirectTo: row.redirect_to, method: "approval" as const };
  });
}

/** Ends a waiting sign-in (the "cancel" link of the second-factor page). */
export async function dropChallenge(db: Handle, token: string | null): Promise<void> {
  if (token) await db.deleteFrom("two_factor_challenges").where("token_hash", "=", hashToken(token)).execute();
}
