import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { staffAuditLog, staffAuditQuerySchema } from "../domain/audit/queries.server";
import { withActor } from "../domain/tx.server";
import { guard, parseForm } from "../lib/http.server";
import { useT } from "../i18n/react";
import { AuditEntries, AuditPager } from "../components/audit-entries";

/** K-1: the whole audit log, readable by staff of every role; there is no way to edit it. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor, ability } = await requireStaff(request, context);
  const filter = parseForm(staffAuditQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  return guard(() => withActor(getDb(), actor, (trx) => staffAuditLog(trx, ability, filter)));
}

export default function BackofficeAudit() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t("backoffice.audit.title")}</h1>
      <p className="hint">{t("backoffice.audit.intro")}</p>
      <Form method="get" className="toolbar" aria-label={t("backoffice.audit.filters")}>
        <div className="field">
          <label htmlFor="f-orgId">{t("backoffice.audit.orgId")}</label>
          <input
            id="f-orgId"
            name="orgId"
            defaultValue={data.orgId}
            aria-invalid={data.orgIdInvalid ? true : undefined}
            aria-describedby={data.orgIdInvalid ? "f-orgId-error" : undefined}
          />
          {data.orgIdInvalid ? (
            <p className="field-error" id="f-orgId-error" role="alert">
              {t("backoffice.audit.orgIdInvalid")}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="f-action">{t("backoffice.audit.actionPrefix")}</label>
          <input id="f-action" name="action" defaultValue={data.action} maxLength={100} />
        </div>
        <button type="submit">{t("backoffice.audit.apply")}</button>
        <Link to="/backoffice/audit">{t("backoffice.audit.reset")}</Link>
      </Form>
      {data.entries.length === 0 ? (
        <p className="empty">{t("backoffice.audit.empty")}</p>
      ) : (
        <AuditEntries entries={data.entries} staffView />
      )}
      <AuditPager filters={{ orgId: data.orgId, action: data.action }} newerThan={data.newerThan} olderThan={data.olderThan} />
    </>
  );
}
