import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "../auth/request.server";

/** Home: the last organization used, else the first one. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, actor } = await requireUser(request, context);
  const orgIds = actor.memberships.map((m) => m.orgId);
  const orgId = user.last_org_id && orgIds.includes(user.last_org_id) ? user.last_org_id : orgIds[0];
  throw redirect(orgId ? `/orgs/${orgId}` : "/account");
}
