import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { ConfirmCheckbox } from "../components/form";
import { getDb } from "../db.server";
import { leaveOrganization, leaveOverview } from "../domain/orgs/leave.server";
import { useT } from "../i18n/react";
import { formAction, guard, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Leave organization · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  return guard(() => leaveOverview(getDb(), ctx, ctx.orgId));
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await leaveOrganization(getDb(), ctx, ctx.orgId, form);
    return redirect("/");
  });
}

/** Why leaving is refused, with the way out. */
function Refusal({ reason, orgId }: { reason: "legal_rep" | "last_organization"; orgId: string }) {
  const t = useT();
  return (
    <div className="alert alert-error" role="alert">
      {reason === "legal_rep" ? (
        <>
          <p>{t("orgadmin.leaveRepRefused")}</p>
          <p>
            <Link to={`/orgs/${orgId}/legal-representative`}>{t("orgadmin.leaveGoToHandover")}</Link>
          </p>
        </>
      ) : (
        <p>{t("orgadmin.leaveLastRefused")}</p>
      )}
    </div>
  );
}

// Single fetch keeps Dates; the hooks are typed from what the functions return.
type LoaderData = Awaited<ReturnType<typeof loader>>;
type ActionResult = FormFailure;

export default function LeaveOrganization() {
  const { org, refusal } = useLoaderData<typeof loader>() as LoaderData;
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const t = useT();
  const refusedNow =
    result?.code === "legal_rep_cannot_leave" ? "legal_rep" : result?.code === "last_organization" ? "last_organization" : null;
  const reason = refusedNow ?? refusal;

  return (
    <>
      <h1>{t("orgadmin.leaveTitle", { org: org.name })}</h1>
      {reason ? (
        <Refusal reason={reason} orgId={org.id} />
      ) : (
        <>
          <p>{t("orgadmin.leaveText")}</p>
          <Form method="post" noValidate className="card">
            <ConfirmCheckbox label={t("orgadmin.leaveConfirm", { org: org.name })} errors={result} />
            <div className="toolbar">
              <button type="submit" className="danger">
                {t("orgadmin.leaveButton")}
              </button>
              <Link to={`/orgs/${org.id}`} className="button secondary">
                {t("common.cancel")}
              </Link>
            </div>
          </Form>
        </>
      )}
    </>
  );
}
