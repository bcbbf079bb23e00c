import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import { rememberCurrentOrganization } from "../domain/orgs/current.server";
import { guard } from "../lib/http.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const orgId = String((await request.formData()).get("orgId") ?? "");
  await guard(() => rememberCurrentOrganization(getDb(), ctx.actor, orgId));
  return redirect(`/orgs/${orgId}`);
}
