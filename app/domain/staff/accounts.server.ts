import { z } from "zod";
import { toCount } from "../../../db/client";
import { allows, assertCan, type AppAbility } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { hashPassword } from "../../auth/password.server";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { emailField, nameField } from "../accounts/schemas";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import { transaction, type Handle } from "../tx.server";
import { STAFF_ROLES } from "./roles";

export const STAFF_PAGE_SIZE = 50;

type StaffActor = Extract<Actor, { kind: "staff" }>;
export interface StaffActing {
  actor: StaffActor;
  ability: AppAbility;
}

export const createStaffSchema = z.object({
  name: nameField,
  email: emailField,
  role: z.enum(STAFF_ROLES, { message: "errors.invalid" }),
  // Staff reach every organization's data: a longer minimum than customer passwords.
  password: z.string({ message: "errors.required" }).min(12, "backoffice.staff.passwordShort").max(200, "errors.tooLong"),
});
export type CreateStaffInput = z.infer<typeof createStaffSchema>;

export const disableStaffSchema = z.object({
  staffId: z.string().uuid("errors.invalid"),
  confirm: z.literal("on", { message: "backoffice.staff.confirmRequired" }),
});

/** The staff accounts, active ones first, paginated in SQL. */
export async function listStaffAccounts(db: Handle, ability: AppAbility, opts: { page?: number } = {}) {
  assertCan(ability, "read", "StaffAccount");
  const page = pageNumber(opts.page);
  const total = toCount(
    (await db.selectFrom("staff_accounts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n,
  );
  const rows = await db
    .selectFrom("staff_accounts")
    .select(["id", "name", "email", "role", "created_at", "disabled_at"])
    .orderBy((eb) => eb.case().when("disabled_at", "is", null).then(0).else(1).end())
    .orderBy("name")
    .orderBy("id")
    .limit(STAFF_PAGE_SIZE)
    .offset((page - 1) * STAFF_PAGE_SIZE)
    .execute();
  return {
    page,
    pages: pageCount(total, STAFF_PAGE_SIZE),
    total,
    canManage: allows(ability, "manage", "StaffAccount"),
    accounts: rows.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      createdAt: r.created_at.toISOString(),
      disabledAt: r.disabled_at ? r.disabled_at.toISOString() : null,
    })),
  };
}

/** One staff account (for the disable confirmation). */
export async function staffAccount(db: Handle, ability: AppAbility, staffId: string) {
  assertCan(ability, "read", "StaffAccount");
  if (!z.string().uuid().safeParse(staffId).success) throw new NotFound();
  const row = await db
    .selectFrom("staff_accounts")
    .select(["id", "name", "email", "role", "disabled_at"])
    .where("id", "=", staffId)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  return { id: row.id, name: row.name, email: row.email, role: row.role, disabled: row.disabled_at !== null };
}

/** K-1: a staff administrator creates a staff account; the creation is audited. */
export async function createStaffAccount(db: Handle, acting: StaffActing, input: CreateStaffInput): Promise<{ id: string }> {
  assertCan(acting.ability, "create", "StaffAccount");
  const passwordHash = await hashPassword(input.password);
  return transaction(db, async (trx) => {
    const taken = await trx.selectFrom("staff_accounts").select("id").where("email", "=", input.email).executeTakeFirst();
    if (taken) throw new Invalid({ email: "backoffice.staff.emailTaken" });
    const row = await trx
      .insertInto("staff_accounts")
      .values({ name: input.name, email: input.email, role: input.role, password_hash: passwordHash })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, acting.actor, {
      action: "staff.created",
      targetType: "staff",
      targetId: row.id,
      data: { name: input.name, email: input.email, role: input.role },
    });
    return { id: row.id };
  });
}

/**
 * K-1: a staff administrator disables a staff account: it can no longer sign in and its
 * open sessions end at once. An administrator cannot lock themselves out.
 */
export async function disableStaffAccount(db: Handle, acting: StaffActing, staffId: string): Promise<void> {
  assertCan(acting.ability, "update", "StaffAccount", { id: staffId });
  if (staffId === acting.actor.staffId) throw new Conflict("disable_self", "backoffice.staff.disableSelf");
  await transaction(db, async (trx) => {
    const target = await trx
      .selectFrom("staff_accounts")
      .select(["id", "email", "disabled_at"])
      .where("id", "=", staffId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw new NotFound();
    if (target.disabled_at) throw new Conflict("already_disabled", "backoffice.staff.alreadyDisabled");
    await trx.updateTable("staff_accounts").set({ disabled_at: now() }).where("id", "=", staffId).execute();
    await trx.deleteFrom("sessions").where("staff_id", "=", staffId).execute();
    await audit(trx, acting.actor, { action: "staff.disabled", targetType: "staff", targetId: staffId, data: { email: target.email } });
  });
}

/** K-1: signing out is a staff action too. */
export async function recordStaffSignOut(db: Handle, actor: StaffActor): Promise<void> {
  await transaction(db, (trx) => audit(trx, actor, { action: "staff.signed_out", targetType: "staff", targetId: actor.staffId }));
}

/** The staff page: the list for every staff member, and the account to confirm disabling (administrators). */
export async function staffAccountsPage(db: Handle, acting: StaffActing, opts: { page?: number; confirmDisable?: string | null }) {
  const list = await listStaffAccounts(db, acting.ability, opts);
  const confirmDisable =
    opts.confirmDisable && list.canManage ? await staffAccount(db, acting.ability, opts.confirmDisable) : null;
  return { ...list, confirmDisable, selfId: acting.actor.staffId };
}
