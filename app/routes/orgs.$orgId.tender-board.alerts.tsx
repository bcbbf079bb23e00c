import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { saveTenderAlerts, tenderAlerts } from "../domain/tenders/board.server";
import { alertsSchema, LIMITS } from "../domain/tenders/schemas";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";
import { Field, FormError, Notice } from "../components/form";
import { CheckList, useCategoryOptions, useRegionOptions } from "../components/tenders";

// T-2: a partner chooses whether it receives the daily digest of new tenders, and for which
// categories and regions.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const data = await guard(() => tenderAlerts(getDb(), ctx, ctx.orgId));
  return { ...data, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await saveTenderAlerts(getDb(), ctx, ctx.orgId, parseForm(alertsSchema, form), ctx.locale);
    return redirect(`/orgs/${ctx.orgId}/tender-board/alerts?done=1`);
  });
}

export default function TenderAlerts() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const categories = useCategoryOptions();
  const regions = useRegionOptions();
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/tender-board`}>{t("tenders.board.back")}</Link>
      </p>
      <h1>{t("tenders.alerts.title")}</h1>
      <p className="hint">{t("tenders.alerts.intro")}</p>
      {params.get("done") ? <Notice>{t("tenders.alerts.saved")}</Notice> : null}
      <FormError errors={errors} />
      {d.canManage ? (
        <Form method="post" noValidate>
          <div className="field">
            <label>
              <input type="checkbox" name="enabled" value="yes" defaultChecked={d.alerts.enabled} /> {t("tenders.alerts.enabled")}
            </label>
          </div>
          <Field name="email" type="email" label={t("tenders.alerts.email")} defaultValue={d.alerts.email} errors={errors} required maxLength={LIMITS.email} />
          <CheckList name="categories" legend={t("tenders.alerts.categories")} options={categories} checked={d.alerts.categories} errors={errors} />
          <CheckList name="regions" legend={t("tenders.alerts.regions")} options={regions} checked={d.alerts.regions} errors={errors} scroll />
          <button type="submit">{t("common.save")}</button>
        </Form>
      ) : (
        <p data-testid="alerts-state">{d.alerts.enabled ? t("tenders.alerts.on") : t("tenders.alerts.off")}</p>
      )}
    </>
  );
}
