import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { auditQuerySchema, organizationAuditLog } from "../domain/audit/queries.server";
import { withActor } from "../domain/tx.server";
import { guard, parseForm } from "../lib/http.server";
import { useT } from "../i18n/react";
import { AuditEntries, AuditPager } from "../components/audit-entries";

/** K-1: the organization's audit log, for its legal representative and administrators. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const query = parseForm(auditQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  return guard(() => withActor(getDb(), ctx.actor, (trx) => organizationAuditLog(trx, ctx.ability, ctx.orgId, query)));
}

export default function OrganizationAudit() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const { orgId } = useParams();
  return (
    <>
      <h1>{t("backoffice.audit.title")}</h1>
      <p className="hint">{t("backoffice.audit.orgIntro")}</p>
      <Form method="get" className="toolbar" aria-label={t("backoffice.audit.filters")}>
        <div className="field">
          <label htmlFor="f-action">{t("backoffice.audit.action")}</label>
          <select id="f-action" name="action" defaultValue={data.action}>
            <option value="">{t("backoffice.audit.allActions")}</option>
            {data.actions.map((a: string) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t("backoffice.audit.apply")}</button>
        {data.action ? <Link to={`/orgs/${orgId}/audit`}>{t("backoffice.audit.reset")}</Link> : null}
      </Form>
      {data.entries.length === 0 ? (
        <p className="empty">{t("backoffice.audit.empty")}</p>
      ) : (
        <AuditEntries entries={data.entries} staffView={false} />
      )}
      <AuditPager filters={{ action: data.action }} newerThan={data.newerThan} olderThan={data.olderThan} />
    </>
  );
}
