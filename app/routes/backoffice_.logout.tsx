import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDb } from "../db.server";
import { requireStaff } from "../auth/request.server";
import { destroySession } from "../auth/session.server";
import { recordStaffSignOut } from "../domain/staff/accounts.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor } = await requireStaff(request, context);
  const db = getDb();
  await recordStaffSignOut(db, actor);
  const cookie = await destroySession(db, request, "staff");
  return redirect("/backoffice/login", { headers: { "Set-Cookie": cookie } });
}

export async function loader() {
  return redirect("/backoffice");
}
