import { hashPassword, verifyPassword } from "../../app/auth/password.server";
import { Client } from "./app";
import { testDb } from "./setup";

/** A mailbox of a mail product with its own password and the accounts that open it in webmail. */
export async function createMailbox(orgId: string, productId: string, address: string, opts: { password?: string; webmailUserIds?: string[] } = {}) {
  const row = await testDb()
    .insertInto("mailboxes")
    .values({ org_id: orgId, product_id: productId, address: address.toLowerCase(), password_hash: await hashPassword(opts.password ?? "mailbox-password-0") })
    .returning("id")
    .executeTakeFirstOrThrow();
  const webmailUserIds = opts.webmailUserIds ?? [];
  if (webmailUserIds.length > 0) {
    await testDb()
      .insertInto("mailbox_webmail_users")
      .values(webmailUserIds.map((userId) => ({ org_id: orgId, mailbox_id: row.id, user_id: userId })))
      .execute();
  }
  return row.id;
}

export async function mailboxHash(mailboxId: string): Promise<string> {
  return (await testDb().selectFrom("mailboxes").select("password_hash").where("id", "=", mailboxId).executeTakeFirstOrThrow()).password_hash;
}

export async function mailboxPasswordIs(mailboxId: string, password: string): Promise<boolean> {
  return verifyPassword(await mailboxHash(mailboxId), password);
}

export async function loginHash(userId: string): Promise<string> {
  return (await testDb().selectFrom("users").select("password_hash").where("id", "=", userId).executeTakeFirstOrThrow()).password_hash;
}

/** Whether the customer sign-in form accepts this e-mail and password (a fresh client each time). */
export async function canSignIn(email: string, password: string): Promise<boolean> {
  const page = await new Client().post("/login", { email, password });
  return page.status === 302;
}
