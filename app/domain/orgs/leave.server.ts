import { toCount } from "../../../db/client";
import { assertCan } from "../../auth/ability";
import { now } from "../../lib/clock";
import { parseForm } from "../../lib/http.server";
import { audit } from "../audit/audit.server";
import { Conflict, NotFound } from "../errors";
import { withActor, type Handle, type Tx } from "../tx.server";
import type { UserActing } from "./member-choice.server";
import { confirmSchema } from "./member-fields";

type LeaveRefusal = "legal_rep" | "last_organization" | null;

async function refusal(trx: Tx, userId: string, orgId: string, lock: boolean): Promise<LeaveRefusal> {
  const org = await trx
    .selectFrom("organizations")
    .select("legal_rep_user_id")
    .where("id", "=", orgId)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!org) throw new NotFound();
  // O-5: the representative hands the role over first.
  if (org.legal_rep_user_id === userId) return "legal_rep";
  // O-1: every account belongs to at least one organization.
  const { n } = await trx
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return toCount(n) <= 1 ? "last_organization" : null;
}

/** What the leave page shows: the organization and whether leaving is possible at all. */
export async function leaveOverview(db: Handle, acting: UserActing, orgId: string) {
  assertCan(acting.ability, "leave", "Organization", { id: orgId });
  return withActor(db, acting.actor, async (trx) => {
    const org = await trx.selectFrom("organizations").select(["id", "name"]).where("id", "=", orgId).executeTakeFirst();
    if (!org) throw new NotFound();
    return { org, refusal: await refusal(trx, acting.actor.userId, orgId, false) };
  });
}

const refusalConflicts: Record<Exclude<LeaveRefusal, null>, [string, string]> = {
  legal_rep: ["legal_rep_cannot_leave", "orgadmin.leaveRepRefused"],
  last_organization: ["last_organization", "orgadmin.leaveLastRefused"],
};

/**
 * O-5: a member leaves on their own (confirmed). Their team memberships and product
 * permissions in the organization go with the membership (FK cascades), as does their
 * webmail access to its mailboxes; a hand-over addressed to them is withdrawn.
 */
export async function leaveOrganization(db: Handle, acting: UserActing, orgId: string, form: FormData | Record<string, unknown>) {
  assertCan(acting.ability, "leave", "Organization", { id: orgId });
  const me = acting.actor.userId;
  await withActor(db, acting.actor, async (trx) => {
    // The user row lock serializes two leaves of the same person (the last-organization check).
    await trx.selectFrom("users").select("id").where("id", "=", me).forUpdate().executeTakeFirstOrThrow();
    const refused = await refusal(trx, me, orgId, true);
    if (refused) throw new Conflict(...refusalConflicts[refused]);
    parseForm(confirmSchema, form);

    const membership = await trx
      .selectFrom("memberships")
      .select("role")
      .where("org_id", "=", orgId)
      .where("user_id", "=", me)
      .executeTakeFirst();
    if (!membership) throw new NotFound();
    const withdrawn = await trx
      .updateTable("legal_rep_transfers")
      .set({ state: "cancelled", decided_at: now() })
      .where("org_id", "=", orgId)
      .where("to_user_id", "=", me)
      .where("state", "=", "pending")
      .returning("id")
      .execute();
    await trx.deleteFrom("mailbox_webmail_users").where("org_id", "=", orgId).where("user_id", "=", me).execute();
    await trx.deleteFrom("memberships").where("org_id", "=", orgId).where("user_id", "=", me).execute();
    await trx.updateTable("users").set({ last_org_id: null }).where("id", "=", me).where("last_org_id", "=", orgId).execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "member.left",
      targetType: "user",
      targetId: me,
      data: { role: membership.role, withdrawnHandovers: withdrawn.map((w) => w.id) },
    });
  });
}
