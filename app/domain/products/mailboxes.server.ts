import { z } from "zod";
import { allows } from "../../auth/ability";
import { hashPassword } from "../../auth/password.server";
import { now } from "../../lib/clock";
import { passwordField } from "../accounts/schemas";
import { audit } from "../audit/audit.server";
import { Conflict, Forbidden, NotFound } from "../errors";
import { withActor, type Handle } from "../tx.server";
import { readableProduct, type ProductActing } from "./queries.server";

export const mailboxPasswordSchema = z
  .object({
    password: passwordField,
    confirm: z.string({ message: "errors.required" }).min(1, "errors.required"),
    unify: z.literal("on").optional(),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "errors.passwordMismatch" });
export type MailboxPasswordInput = z.infer<typeof mailboxPasswordSchema>;

const uuid = z.string().uuid();

/** The mailbox of the URL: NotFound unless the actor may read its product, Forbidden unless they may change it. */
async function changeableMailbox(db: Handle, acting: ProductActing, orgId: string, mailboxId: string) {
  if (!uuid.safeParse(mailboxId).success) throw new NotFound();
  const mailbox = await db
    .selectFrom("mailboxes")
    .select(["id", "address", "product_id"])
    .where("org_id", "=", orgId)
    .where("id", "=", mailboxId)
    .executeTakeFirst();
  if (!mailbox) throw new NotFound();
  const product = await readableProduct(db, acting, orgId, mailbox.product_id);
  if (!allows(acting.ability, "update", "Mailbox", { orgId, productId: mailbox.product_id })) throw new Forbidden();
  return { id: mailbox.id, address: mailbox.address, productId: product.id, productName: product.name };
}

/**
 * O-9: the portal offers to unify the mailbox and login passwords only when the login
 * e-mail is the mailbox's address, this account is the only one that opens the mailbox in
 * webmail, and it may change the mailbox password (checked by the caller).
 */
async function mayUnify(db: Handle, acting: ProductActing, orgId: string, mailbox: { id: string; address: string }): Promise<boolean> {
  if (acting.actor.email.toLowerCase() !== mailbox.address) return false;
  const webmailUsers = await db
    .selectFrom("mailbox_webmail_users")
    .select("user_id")
    .where("org_id", "=", orgId)
    .where("mailbox_id", "=", mailbox.id)
    .limit(2)
    .execute();
  return webmailUsers.length === 1 && webmailUsers[0].user_id === acting.actor.userId;
}

/** The mailbox password form: the mailbox and whether the unify offer is shown. */
export async function mailboxPasswordForm(db: Handle, acting: ProductActing, orgId: string, mailboxId: string) {
  const mailbox = await changeableMailbox(db, acting, orgId, mailboxId);
  return { mailbox, canUnify: await mayUnify(db, acting, orgId, mailbox) };
}

/**
 * O-9: changes a mailbox's password. It never touches the login password, unless the user
 * asked to unify them and all three conditions hold (re-checked here, whatever the form
 * said); then the login password changes too, the user's other sessions end, and both
 * changes are audited in the same transaction.
 */
export async function changeMailboxPassword(
  db: Handle,
  acting: ProductActing,
  session: { sessionId: string },
  orgId: string,
  mailboxId: string,
  input: MailboxPasswordInput,
): Promise<{ productId: string; unified: boolean }> {
  const unify = input.unify === "on";
  return withActor(db, acting.actor, async (trx) => {
    const mailbox = await changeableMailbox(trx, acting, orgId, mailboxId);
    if (unify && !(await mayUnify(trx, acting, orgId, mailbox))) {
      throw new Conflict("unify_not_offered", "products.mailbox.unifyRefused");
    }
    // Hashed only once allowed (no argon2 work for refused requests), before any row is
    // locked; the login gets its own hash (own salt) of the same password.
    const passwordHash = await hashPassword(input.password);
    const loginHash = unify ? await hashPassword(input.password) : null;
    await trx.updateTable("mailboxes").set({ password_hash: passwordHash }).where("org_id", "=", orgId).where("id", "=", mailbox.id).execute();
    await audit(trx, acting.actor, {
      orgId,
      action: "mailbox.password_changed",
      targetType: "mailbox",
      targetId: mailbox.id,
      data: { address: mailbox.address, unifiedWithLogin: unify },
    });
    if (loginHash) {
      await trx
        .updateTable("users")
        .set({ password_hash: loginHash, password_changed_at: now() })
        .where("id", "=", acting.actor.userId)
        .execute();
      await trx.deleteFrom("sessions").where("user_id", "=", acting.actor.userId).where("id", "!=", session.sessionId).execute();
      await audit(trx, acting.actor, {
        action: "account.password_changed",
        targetType: "user",
        targetId: acting.actor.userId,
        data: { unifiedWithMailbox: mailbox.address },
      });
    }
    return { productId: mailbox.productId, unified: unify };
  });
}
