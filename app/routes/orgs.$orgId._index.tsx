import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { organizationOverview } from "../domain/orgs/overview.server";
import { withActor } from "../domain/tx.server";
import { useT } from "../i18n/react";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  return withActor(getDb(), ctx.actor, (trx) => organizationOverview(trx, ctx.ability, ctx.orgId));
}

export default function OrgOverview() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{data.name}</h1>
      <dl className="facts">
        <dt>{t("roles.legal_rep")}</dt>
        <dd>{data.legalRepName}</dd>
        <dt>{t("nav.members")}</dt>
        <dd>{data.memberCount}</dd>
        <dt>{t("nav.products")}</dt>
        <dd>{data.productCount}</dd>
      </dl>
    </>
  );
}
